"""The named scenarios and experiments shipped in the repository's scenarios/ and
experiments/ folders, so users can say `baseline` instead of a path."""

from __future__ import annotations

from pathlib import Path

from sim.config.loading import ConfigError

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIO_DIR = ROOT / "scenarios"
EXPERIMENT_DIR = ROOT / "experiments"


def _named(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def named_scenarios() -> dict[str, Path]:
    return _named(SCENARIO_DIR)


def named_experiments() -> dict[str, Path]:
    return _named(EXPERIMENT_DIR)


def resolve(name_or_path: str, kind: str = "scenario") -> Path:
    """A file path as given, or the path of a named scenario / experiment."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        return path
    named = named_scenarios() if kind == "scenario" else named_experiments()
    if name_or_path in named:
        return named[name_or_path]
    raise ConfigError(
        name_or_path,
        [f"no such file, and no named {kind} of that name (named: {', '.join(named)})"],
    )
