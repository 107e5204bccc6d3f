"""Reading scenario files: YAML in, a validated Scenario out, or one clear error.

Every failure becomes a `ConfigError` whose message names the file and the field path
(`committee.stakeholders[2].role`), so the CLI can print it without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.scenario import Scenario


class ConfigError(ValueError):
    """A scenario or experiment file that cannot be used, with the reason in words."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = (
            problems if len(problems) <= 6 else [*problems[:6], f"... and {len(problems) - 6} more"]
        )
        if len(lines) == 1:
            message = f"{source}: {lines[0]}"
        else:
            message = f"{source}: {len(problems)} problems\n" + "\n".join(f"  {p}" for p in lines)
        super().__init__(message)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem: 'field.path: what is wrong (got: value)'."""
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        path = _field_path(tuple(item["loc"]))
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; `b2bsim schema` lists scenario fields)"
        elif item["type"] not in ("value_error", "missing") and "input" in item:
            shown = repr(item["input"])
            message += f" (got {shown if len(shown) < 60 else shown[:57] + '...'})"
        problems.extend(
            [f"{path}: {message}"] if path else [part.strip() for part in message.split("; ")]
        )
    return problems


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping at the top of a YAML file, or a ConfigError saying why not."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), ["file not found"])
    if path.is_dir():
        raise ConfigError(str(path), ["is a folder, not a YAML file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot be read ({exc})"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), [f"YAML syntax error at {where}{problem}"]) from exc
    if data is None:
        raise ConfigError(str(path), ["the file is empty"])
    if not isinstance(data, dict):
        raise ConfigError(
            str(path), [f"the top level must be a mapping of fields, not a {type(data).__name__}"]
        )
    return data


def validate_mapping[M: BaseModel](model: type[M], data: dict[str, Any], source: str) -> M:
    """Validate `data` as `model`, turning pydantic's error into a ConfigError for `source`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, describe_validation_error(exc)) from exc


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    return validate_mapping(Scenario, read_yaml(path), str(path))
