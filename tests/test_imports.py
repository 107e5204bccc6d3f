"""Every module of the package can be imported first, on its own (no import cycles that only
work in one order)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sim

PACKAGE = Path(sim.__file__).resolve().parent
MODULES = sorted(
    ".".join(("sim", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
)

# One fresh interpreter; third-party packages stay loaded, every `sim` module is forgotten
# before the next one is imported, so each is imported as if it were the program's first.
SCRIPT = """
import importlib, sys
import mesa, numpy, pydantic, yaml  # noqa: F401 - warm the third-party imports
failures = []
for name in sys.argv[1:]:
    for key in [k for k in sys.modules if k == "sim" or k.startswith("sim.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failures))
sys.exit(1 if failures else 0)
"""


def test_module_list_is_complete() -> None:
    assert {"sim.model", "sim.model.stakeholder", "sim.cli"} <= set(MODULES)


def test_every_module_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *MODULES],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PACKAGE.parent,
    )
    assert done.returncode == 0, (
        f"modules that cannot be imported first:\n{done.stdout}{done.stderr}"
    )
