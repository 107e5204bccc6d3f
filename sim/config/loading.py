"""Reading scenario files: YAML in, a validated Scenario out, or one clear error.

Every failure becomes a `ConfigError` whose message names the file and the field path
(`committee.stakeholders[2].role`), so the CLI can print it without a traceback.

The reader is bounded, since a scenario may come from anyone: at most `MAX_INPUT_BYTES` are
read, and only from a regular file (a FIFO or a device such as /dev/zero is refused before
reading); YAML aliases may expand to at most `MAX_EXPANDED_NODES` values (no "billion laughs"),
nesting is at most `MAX_DEPTH` deep, numbers at most `MAX_NUMBER_DIGITS` digits, keys appear
once per mapping, and strings are valid Unicode (no lone surrogates). Values quoted back in
messages are shortened, never printed whole.
"""

from __future__ import annotations

import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.scenario import Scenario

MAX_INPUT_BYTES = 1_000_000
"""Largest scenario or experiment file read (real ones are a few kilobytes)."""
MAX_EXPANDED_NODES = 100_000
"""Most values a YAML document may hold once its aliases are expanded."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists."""
MAX_NUMBER_DIGITS = 40
"""Longest number (in characters) a YAML file may write."""
MAX_PROBLEM_CHARS = 300
"""Longest line of an error message."""

_shorten = reprlib.Repr(maxstring=60, maxother=60, maxlist=4, maxdict=4, maxlevel=2)


class ConfigError(ValueError):
    """A scenario or experiment file that cannot be used, with the reason in words."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = clip(source, 200)
        self.problems = [clip(p, MAX_PROBLEM_CHARS) for p in problems]
        problems = self.problems
        lines = (
            problems if len(problems) <= 6 else [*problems[:6], f"... and {len(problems) - 6} more"]
        )
        if len(lines) == 1:
            message = f"{self.source}: {lines[0]}"
        else:
            message = f"{self.source}: {len(problems)} problems\n" + "\n".join(
                f"  {p}" for p in lines
            )
        super().__init__(message)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying so."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: Any) -> str:
    """A short representation of a user's value for an error message (never the whole)."""
    try:
        return _shorten.repr(value)
    except (RecursionError, ValueError):
        return f"<{type(value).__name__}>"


def _field_path(loc: tuple[int | str, ...]) -> str:
    """`committee.stakeholders[2].role`; a name the file gave (a mapping's key) that is not
    printable is quoted with escapes, and pydantic's `[key]` marker says "(the name)"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (the name)"
        else:
            text = part if part.isprintable() else shown(part)
            path += f".{text}" if path else text
    return path


def describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem: 'field.path: what is wrong (got: value)'."""
    problems = []
    for item in error.errors(include_url=False):
        message = clip(item["msg"].removeprefix("Value error, "), MAX_PROBLEM_CHARS)
        path = _field_path(tuple(item["loc"]))
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; `b2bsim schema` lists scenario fields)"
        elif item["type"] not in ("value_error", "missing") and "input" in item:
            message += f" (got {shown(item['input'])})"
        problems.extend(
            [f"{path}: {message}"] if path else [part.strip() for part in message.split("; ")]
        )
    return problems


class _BoundedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that refuses duplicate keys and overlong numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {shown(key_node.value)} (each field may appear once)",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        self._check_length(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        self._check_length(node)
        return super().construct_yaml_float(node)

    @staticmethod
    def _check_length(node: yaml.ScalarNode) -> None:
        if len(node.value) > MAX_NUMBER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"a number of {len(node.value)} characters (at most {MAX_NUMBER_DIGITS})",
                node.start_mark,
            )


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader.construct_yaml_float)


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""


def _check_shape(root: yaml.Node) -> None:
    """Refuse a node graph too large once aliases expand, too deep, or self-referring.
    Sizes are computed once per distinct node (an alias shares its node), so this takes time
    in proportion to the text, not to the expansion."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        ident = id(node)
        if isinstance(node, yaml.ScalarNode):
            sizes[ident], depths[ident] = 1, 0
            continue
        children = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if children_done:
            on_path.discard(ident)
            sizes[ident] = 1 + sum(sizes[id(c)] for c in children)
            depths[ident] = 1 + max((depths[id(c)] for c in children), default=0)
            if sizes[ident] > MAX_EXPANDED_NODES:
                raise ValueError(
                    f"{_where(node)}YAML aliases expand to more than {MAX_EXPANDED_NODES:,} "
                    "values; write the values out instead"
                )
            if depths[ident] > MAX_DEPTH:
                raise ValueError(f"{_where(node)}nested more than {MAX_DEPTH} levels deep")
            continue
        if ident in sizes:
            continue
        if ident in on_path:
            raise ValueError(f"{_where(node)}a YAML alias refers to itself")
        on_path.add(ident)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
        if len(on_path) > MAX_DEPTH + 1:
            raise ValueError(f"{_where(node)}nested more than {MAX_DEPTH} levels deep")


def _unicode_problem(data: Any, path: str = "") -> str | None:
    """The field holding a string that is not valid Unicode (a lone surrogate), if any."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"{where or 'the document'}: not valid Unicode (a lone surrogate escape)"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                stack.append((key, where or "a key"))
                stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
    return None


def parse_yaml(text: str | bytes, source: str) -> dict[str, Any]:
    """The mapping at the top of a YAML document, or a ConfigError for `source` saying why."""
    if len(text) > MAX_INPUT_BYTES:
        raise ConfigError(source, [f"larger than {MAX_INPUT_BYTES:,} bytes; not read"])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(
                source, [f"not UTF-8 text (byte {error.start}); save it as UTF-8"]
            ) from error
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_shape(node)
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if not isinstance(exc, yaml.constructor.ConstructorError):
            where = f"YAML syntax error at {where}"
        raise ConfigError(source, [f"{where}{problem}"]) from exc
    except ValueError as exc:
        raise ConfigError(source, [str(exc)]) from exc
    except RecursionError as exc:
        raise ConfigError(source, [f"nested more than {MAX_DEPTH} levels deep"]) from exc
    finally:
        loader.dispose()
    if data is None:
        raise ConfigError(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ConfigError(
            source, [f"the top level must be a mapping of fields, not a {type(data).__name__}"]
        )
    problem = _unicode_problem(data)
    if problem is not None:
        raise ConfigError(source, [problem])
    return data


def read_bounded(path: Path) -> bytes:
    """At most MAX_INPUT_BYTES + 1 bytes of a regular file; anything else is refused before
    reading (a FIFO would wait forever, /dev/zero never ends)."""
    source = str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise ConfigError(source, ["file not found"]) from exc
    except IsADirectoryError as exc:
        raise ConfigError(source, ["is a folder, not a YAML file"]) from exc
    except OSError as exc:
        raise ConfigError(source, [f"cannot be read ({exc.strerror})"]) from exc
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(source, ["is a folder, not a YAML file"])
        if not stat.S_ISREG(mode):
            raise ConfigError(source, ["not a regular file (a pipe or a device); give a YAML file"])
        chunks = []
        remaining = MAX_INPUT_BYTES + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(source, [f"cannot be read ({exc.strerror})"]) from exc
    finally:
        os.close(descriptor)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping at the top of a YAML file, or a ConfigError saying why not."""
    path = Path(path)
    return parse_yaml(read_bounded(path), str(path))


def validate_mapping[M: BaseModel](model: type[M], data: dict[str, Any], source: str) -> M:
    """Validate `data` as `model`, turning pydantic's error into a ConfigError for `source`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, describe_validation_error(exc)) from exc
    except RecursionError as exc:
        raise ConfigError(source, [f"nested more than {MAX_DEPTH} levels deep"]) from exc
    except (OverflowError, ArithmeticError) as exc:
        raise ConfigError(source, [f"a number out of range ({exc})"]) from exc


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    return validate_mapping(Scenario, read_yaml(path), str(path))
