"""The docs' parameter tables, generated from the code so that they cannot drift.

docs/researchers.md holds blocks between `<!-- generated: NAME -->` and
`<!-- end generated: NAME -->`: `scenario-schema` (every scenario field with its default,
valid range and description, from `sim.config.scenario.Scenario`) and `uncertainties` /
`levers` (the declared ranges of `sim.config.uncertainties`). A new field appears by itself.

    .venv/bin/python tests/docs_tables.py            # check: exit 1 if a table is stale
    .venv/bin/python tests/docs_tables.py --update   # rewrite the tables in place

tests/test_docs_tables.py runs the check.
"""

from __future__ import annotations

import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined, to_jsonable_python

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sim.config.scenario import Scenario  # noqa: E402
from sim.config.uncertainties import BASIS_WORDS, LEVERS, UNCERTAINTIES, Setting  # noqa: E402

DOCUMENT = REPO / "docs" / "researchers.md"
BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
    re.S,
)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (also inside `X | None`), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _bounds(field: Any) -> str:
    low = high = None
    low_open = False
    for item in field.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_open = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
    annotation = field.annotation
    if typing.get_origin(annotation) is typing.Annotated or hasattr(annotation, "__metadata__"):
        for item in getattr(annotation, "__metadata__", ()):
            for meta in getattr(item, "metadata", [item]):
                if getattr(meta, "ge", None) is not None:
                    low = meta.ge
                if getattr(meta, "le", None) is not None:
                    high = meta.le
    if low is None and high is None:
        return ""
    left = "(" if low_open else "["
    shown_low = _plain(low) if low is not None else ""
    shown_high = _plain(high) if high is not None else ""
    return f"{left}{shown_low}, {shown_high}]"


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, BaseModel | dict | list):
        return json.dumps(to_jsonable_python(value), separators=(", ", ": "))
    return str(value)


def _default(field: Any) -> Any:
    if field.default_factory is not None:
        return field.default_factory()
    return None if field.default is PydanticUndefined else field.default


KEYS = {"roles": "<role>", "vendors": "<vendor>", "sources": "<kind>", "sellers": "<vendor>"}
"""How a table names the key of a field that maps names to sections."""
LONGEST_DEFAULT = 90


def _items_model(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    """For `dict[str, Model]` or `list[Model]` (also inside `X | None`): ("dict" or "list",
    Model)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin is dict and args and _model_of(args[-1]):
            return "dict", _model_of(args[-1])  # type: ignore[return-value]
        if origin is list and args and _model_of(args[0]):
            return "list", _model_of(args[0])  # type: ignore[return-value]
    return None


def schema_rows(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[list[str]]:
    """One row per scenario field: path, default, valid range, description; sections (a
    nested model) are opened, a section that may be absent says so, and a field mapping
    names to sections (`sellers.<vendor>`) lists the section's fields once."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _model_of(field.annotation)
        default = _default(field)
        if nested is not None and not isinstance(default, dict | list):
            if default is None:
                yield [path, "none", "", f"optional section; {_describe(field, nested)}"]
            yield from schema_rows(nested, path + ".")
            continue
        shown = _plain(default) if default is not None else "none"
        if len(shown) > LONGEST_DEFAULT and isinstance(default, dict):
            shown = ", ".join(str(k) for k in default) + " (see ODD.md)"
        yield [path, shown, _bounds(field), _describe(field, None)]
        items = _items_model(field.annotation)
        if items is not None:
            kind, item_model = items
            key = KEYS.get(name, f"<{name}>") if kind == "dict" else "[]"
            yield from schema_rows(
                item_model, f"{path}.{key}." if kind == "dict" else f"{path}{key}."
            )


def _describe(field: Any, nested: type[BaseModel] | None) -> str:
    text = field.description or (nested.__doc__ or "" if nested else "")
    return " ".join(text.split()).replace("|", "\\|")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def schema_table() -> str:
    lines = ["| field | default | valid range | what it is |", "|---|---|---|---|"]
    for path, default, bounds, description in schema_rows():
        lines.append(f"| `{path}` | {_cell(default)} | {bounds} | {description} |")
    return "\n".join(lines) + "\n"


def settings_table(settings: tuple[Setting, ...]) -> str:
    from sim.config.uncertainties import label

    lines = [
        "| path | in plain words | plausible range | from | why |",
        "|---|---|---|---|---|",
    ]
    for s in settings:
        lines.append(
            f"| `{s.path}` | {label(s.path)} | {s.range_text()} | {BASIS_WORDS[s.basis]} | "
            f"{_cell(s.reason)} |"
        )
    return "\n".join(lines) + "\n"


TABLES = {
    "scenario-schema": schema_table,
    "uncertainties": lambda: settings_table(UNCERTAINTIES),
    "levers": lambda: settings_table(LEVERS),
}


def generated(text: str) -> str:
    """`text` with every generated block rewritten from the code."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in TABLES:
            raise SystemExit(f"{DOCUMENT}: unknown generated block {name!r}")
        return f"{match.group(1)}{TABLES[name]()}{match.group(4)}"

    return BLOCK.sub(fill, text)


def blocks(text: str) -> list[str]:
    return [m["name"] for m in BLOCK.finditer(text)]


def main(argv: list[str]) -> int:
    text = DOCUMENT.read_text(encoding="utf-8")
    fresh = generated(text)
    if "--update" in argv:
        DOCUMENT.write_text(fresh, encoding="utf-8")
        print(f"{DOCUMENT}: {', '.join(blocks(text))} regenerated")
        return 0
    if fresh != text:
        print(f"{DOCUMENT}: a generated table is stale; run tests/docs_tables.py --update")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
