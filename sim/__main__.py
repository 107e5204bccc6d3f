"""`python -m sim ...` is the `b2bsim` command (useful where the script is not on PATH)."""

from sim.cli import main

if __name__ == "__main__":
    main()
