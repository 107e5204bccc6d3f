"""b2bsim: agent-based simulation of B2B buying committees."""
