"""docs/ODD.md names every mechanism after the code that implements it; those names must exist.

Every backticked name in ODD.md that looks like code is resolved against the `sim` package:

- `Class.attribute` / `Class.method()` / `Class`: a class defined in `sim` with that attribute
  (a class attribute, a method, a dataclass or pydantic field, or an instance attribute the
  class assigns as `self.attribute = ...`);
- `function()`: a function defined in `sim`;
- `CONSTANT_NAME`: a module-level name defined in `sim`;
- `sim.module.name`: that module and attribute;
- `section.field` (e.g. `behaviour.validation_z`, `sellers.<vendor>.discount`): a scenario
  setting, walked through the pydantic schema.

So renaming a mechanism, a constant or a setting fails this test until ODD.md follows. Plain
words, file paths, source keys (`seller:<vendor>`) and names of other libraries are left alone.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
import typing
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel

import sim
from sim.config.scenario import Scenario

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"

CODE_SPAN = re.compile(r"`([^`\n]+)`")
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
COMPONENT = rf"(?:{IDENTIFIER}|<{IDENTIFIER}>)"
DOTTED = re.compile(rf"^(?P<path>{IDENTIFIER}(?:\.{COMPONENT})*)(?P<call>\(\))?$")
CONSTANT = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")

EXTERNAL = frozenset({"numpy", "networkx", "random", "mesa", "scipy", "math", "pydantic"})
"""Libraries ODD.md may name (`numpy.random.SeedSequence`); not checked here."""

SKIPPED_PACKAGES = ("sim.app",)
"""The explorer (Dash) is not part of the model and imports a web stack; ODD names nothing in it."""


def odd_spans(text: str) -> list[str]:
    return CODE_SPAN.findall(text)


def code_like(span: str) -> bool:
    """Whether a backticked span is a name this test checks (see the module docstring)."""
    match = DOTTED.match(span)
    if match is None:
        return False
    path, called = match["path"], bool(match["call"])
    head = path.split(".")[0]
    if head in EXTERNAL:
        return False
    if "." in path or called:
        return True
    return bool(CONSTANT.match(path) or CLASS_NAME.match(path))


@cache
def sim_modules() -> tuple[object, ...]:
    modules = [sim]
    for info in pkgutil.walk_packages(sim.__path__, prefix="sim."):
        if info.name.startswith(SKIPPED_PACKAGES) or info.name == "sim.__main__":
            continue
        modules.append(importlib.import_module(info.name))
    return tuple(modules)


@cache
def definitions() -> dict[str, list[object]]:
    """Every class, function and module-level name defined (not merely imported) in `sim`."""
    found: dict[str, list[object]] = {}
    for module in sim_modules():
        names = set(vars(module))
        for name in names:
            value = getattr(module, name)
            value = getattr(value, "py_func", value)  # a compiled mechanism (numba) is its function
            home = getattr(value, "__module__", None)
            if inspect.isclass(value) or inspect.isfunction(value):
                if home != module.__name__:
                    continue
            elif not _assigned_in(module, name):
                continue
            found.setdefault(name, []).append(value)
    return found


@cache
def _module_assignments(module_name: str) -> frozenset[str]:
    module = importlib.import_module(module_name)
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return frozenset()
    names = set()
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _assigned_in(module: object, name: str) -> bool:
    return name in _module_assignments(module.__name__)


@cache
def _instance_attributes(cls: type) -> frozenset[str]:
    """Attributes a class's methods assign on `self` (instance state such as `felt_deadline`)."""
    names = set()
    for klass in cls.__mro__:
        if not getattr(klass, "__module__", "").startswith("sim"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(node.attr)
    return frozenset(names)


def _has(owner: object, attribute: str) -> bool:
    if hasattr(owner, attribute):
        return True
    if inspect.isclass(owner):
        if issubclass(owner, BaseModel) and attribute in owner.model_fields:
            return True
        return attribute in _instance_attributes(owner)
    return False


def _resolve_from(owner: object, parts: list[str], called: bool) -> bool:
    for index, part in enumerate(parts):
        if not _has(owner, part):
            return False
        if not hasattr(owner, part):  # instance state: nothing further to walk, nothing to call
            return index == len(parts) - 1 and not called
        owner = getattr(owner, part)
    return callable(owner) if called else True


def _resolve_module_path(parts: list[str], called: bool) -> bool:
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        return _resolve_from(module, parts[cut:], called)
    return False


def _resolve_setting(parts: list[str]) -> bool:
    """Walk `section.field...` through the scenario schema; a dict consumes one key."""
    annotation: object = Scenario
    remaining = list(parts)
    while remaining:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if origin is dict:
            remaining.pop(0)  # a key: a vendor, a role, a source kind
            annotation = typing.get_args(annotation)[1]
            continue
        if not (inspect.isclass(annotation) and issubclass(annotation, BaseModel)):
            return False
        field = annotation.model_fields.get(remaining.pop(0))
        if field is None:
            return False
        annotation = field.annotation
    return True


def _unwrap(annotation: object) -> object:
    """`X | None` -> X, `Annotated[X, ...]` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, type(int | None)):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        else:
            return annotation


def resolves(span: str) -> bool:
    """Whether a code-like span of ODD.md names something that exists."""
    match = DOTTED.match(span)
    assert match is not None, span
    parts, called = match["path"].split("."), bool(match["call"])
    if parts[0] == "sim":
        return _resolve_module_path(parts, called)
    if parts[0] in Scenario.model_fields and len(parts) > 1 and not called:
        return _resolve_setting(parts)
    candidates = definitions().get(parts[0], [])
    return any(_resolve_from(candidate, parts[1:], called) for candidate in candidates)


# ---- the tests ------------------------------------------------------------------------------


@cache
def checked_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in odd_spans(ODD.read_text()) if code_like(s)))


def test_odd_names_many_mechanisms() -> None:
    """The check is not vacuous: ODD.md names the rebuilt mechanisms and they are checked."""
    names = set(checked_names())
    assert len(names) > 150
    for mechanism in (
        "fails_check()",
        "feel_pressure()",
        "grant_meeting()",
        "discredit()",
        "Stakeholder.felt_deadline",
        "SellerView.meet",
        "Meeting.forward",
        "Seller.answer_inquiry",
        "promise()",
        "behaviour.validation_z",
        "behaviour.seller_time_share",
        "sellers.<vendor>.discount",
    ):
        assert mechanism in names


def test_every_mechanism_odd_names_exists() -> None:
    missing = [name for name in checked_names() if not resolves(name)]
    assert not missing, f"docs/ODD.md names what sim/ does not have: {missing}"


@pytest.mark.parametrize(
    "bogus",
    [
        "Stakeholder.fails_check",  # a module function, not a method
        "Stakeholder.improve_offer",
        "FunnelPusher.improve_offer()",
        "no_such_mechanism()",
        "NO_SUCH_CONSTANT",
        "NoSuchClass",
        "behaviour.validation_tolerance",
        "sellers.<vendor>.session_hours",
        "sim.model.sellers.no_such_name",
        "Stakeholder.felt_deadline()",  # instance state is not callable
    ],
)
def test_a_renamed_or_removed_name_fails(bogus: str) -> None:
    assert code_like(bogus)
    assert not resolves(bogus)


@pytest.mark.parametrize(
    "prose",
    [
        "seller:<vendor>",
        "sim/model/stakeholder.py",
        "numpy.random.SeedSequence",
        "won",
        "b2bsim run",
    ],
)
def test_prose_and_other_libraries_are_not_checked(prose: str) -> None:
    assert not code_like(prose)
