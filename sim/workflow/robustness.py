"""Robustness: does the answer to "which strategy?" survive a change of any one parameter?

One parameter at a time, every numeric field of the scenario moves by -25% and +25% of its
value (clipped to the schema's bounds; integers rounded; fields at 0 and fields the committee
model never reads, such as a vendor's `price`, are left alone), and every role's weekly hours
by -1 h and +1 h. Each variant is a design point of one study (sim/workflow/study.py), so
replication r of every strategy at every variant meets the same committee as at the base:
each change is a paired difference with its 95% interval (sim/analysis/robustness.py).

Beside the parameter changes, the *assumptions* section sets each strategy-specific magnitude
to its neutral value, one at a time and for every seller in play (`ASSUMPTIONS`, declared
once as data), on more committees (`DEFAULT_ASSUMPTION_REPLICATIONS`): the lead of one
strategy over another is only worth reporting if no single unfitted assumption carries it.
"""

from __future__ import annotations

import json
import math
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import annotated_types
import pandas as pd
from pydantic import BaseModel

from sim.analysis import robustness as stats
from sim.config.registry import WEEKLY_HOURS
from sim.config.scenario import Scenario
from sim.model.sellers import SELLER_CLASSES
from sim.runner import Executors
from sim.workflow.design import DesignPoint, point_key
from sim.workflow.study import Policy, Progress, Study, evaluate

RELATIVE_CHANGE = 0.25
ROLE_HOURS_CHANGE = 1.0
NOT_PERTURBED = frozenset({"price"})
"""Fields no mechanism of one deal reads (a vendor's price only counts in territory revenue)."""


@dataclass(frozen=True, slots=True)
class Perturbation:
    parameter: str
    direction: str  # "-" or "+"
    value: float
    base: float


def perturbations(scenario: Scenario, strategies: list[str]) -> list[Perturbation]:
    """Every one-at-a-time change of the robustness map, in a stable order. A seller setting
    is changed only if a seller in play reads it: ours under one of `strategies`, any other
    vendor's under its own strategy."""
    changes = []
    data = scenario.model_dump(mode="json")
    read = _seller_settings_read(scenario, strategies)
    for path, value, bounds, integer in _numeric_fields(Scenario, data, ""):
        parts = path.split(".")
        if value == 0 or parts[-1] in NOT_PERTURBED:
            continue
        if parts[0] == "sellers" and parts[2] not in read.get(parts[1], ()):
            continue
        for direction, factor in (("-", 1 - RELATIVE_CHANGE), ("+", 1 + RELATIVE_CHANGE)):
            changed = _clip(value * factor, bounds, integer)
            if changed != value:
                changes.append(Perturbation(path, direction, changed, value))
    library = scenario.role_library()
    for role in _roles_in_play(scenario):
        hours = library[role].weekly_hours
        for direction, step in (("-", -ROLE_HOURS_CHANGE), ("+", ROLE_HOURS_CHANGE)):
            bounds = (WEEKLY_HOURS.low, WEEKLY_HOURS.high, not WEEKLY_HOURS.low_open, True)
            changed = _clip(hours + step, bounds, False)
            if changed != hours:
                changes.append(
                    Perturbation(f"roles.{role}.weekly_hours", direction, changed, hours)
                )
    return changes


def robustness_points(changes: list[Perturbation]) -> list[DesignPoint]:
    """The base (point 0) and one design point per change."""
    points = [DesignPoint(0, {}, point_key(0, {}))]
    for index, change in enumerate(changes, start=1):
        values = {change.parameter: change.value}
        points.append(DesignPoint(index, values, point_key(index, values)))
    return points


def run_robustness(
    scenario: Scenario,
    strategies: list[str],
    replications: int,
    *,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> tuple[list[Perturbation], pd.DataFrame]:
    """Simulate every strategy at the base and at every change: one row per deal."""
    changes = perturbations(scenario, strategies)
    rows = evaluate(
        scenario,
        [Policy.strategy(s) for s in strategies],
        robustness_points(changes),
        replications,
        seed=seed,
        executors=executors,
        progress=progress,
    )
    return changes, rows


# ---- neutral assumptions ---------------------------------------------------------------

DEFAULT_ASSUMPTION_REPLICATIONS = 1000
"""Committees per assumption and strategy: a guide-minus-pusher gap of a few points needs
about this many to be told from noise (README: on 400 its interval is about +-6 points)."""
EVERY_SELLER = "sellers.*."
"""An override path starting so applies to every seller in play: each vendor's seller in the
scenario, and ours (whatever strategy it plays)."""


@dataclass(frozen=True, slots=True)
class FromScenario:
    """An override whose value is another field of the same scenario (by dotted path)."""

    path: str


@dataclass(frozen=True, slots=True)
class Assumption:
    """One strategy-specific magnitude set to its neutral value: what the row says in plain
    words, why the value is neutral, and the scenario overrides that make it so."""

    label: str
    neutral: str
    overrides: Mapping[str, Any] = field(default_factory=dict)


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "sellers learn concerns only from the org chart",
        "members tell a seller nothing of their own: every seller knows only each role's usual "
        "priority and concern, however it listens",
        {"behaviour.disclosure": 0.0},
    ),
    Assumption(
        "references trusted no more than the seller",
        "a reference or pilot the seller arranges is trusted like the seller's own word, not "
        "given a credibility of its own",
        {"information.sources.references.trust": FromScenario("information.sources.seller.trust")},
    ),
    Assumption(
        "prepared work costs a meeting's length",
        "the default is 0 (no published figure): here every prepared piece of work (a demo or "
        "proposal, a reference call or pilot result, a business case) costs its seller an hour "
        "beyond the meeting, whatever the strategy",
        {f"{EVERY_SELLER}preparation_hours": 1.0},
    ),
    Assumption(
        "a consensus meeting widens what members accept",
        "the old unfitted default 0.15 (the default is now 0, the neutral value): a group "
        "meeting lets members move together from further apart",
        {f"{EVERY_SELLER}consensus_widening": 0.15},
    ),
    Assumption(
        "no reactance to pressure",
        "pressure costs no trust and adds no risk aversion in unsure members",
        {f"{EVERY_SELLER}reactance": 0.0},
    ),
    Assumption(
        "no closing pressure",
        "no seller sets deadlines",
        {f"{EVERY_SELLER}closing_pressure": 0.0},
    ),
    Assumption(
        "sense-making clears no overload",
        "helping a seeker make sense of what it found clears none of its information load",
        {f"{EVERY_SELLER}overload_relief": 0.0},
    ),
    Assumption(
        "the guide cannot diagnose jobs",
        "a guide's guess of each member's current job is always wrong",
        {f"{EVERY_SELLER}diagnosis_error": 1.0},
    ),
    Assumption(
        "the seller does not overclaim",
        "a pushing seller's claims carry no bias about its own offer",
        {"information.sources.seller.bias": 0.0},
    ),
    Assumption(
        "unequal effort: the pusher works only its main contact",
        "the old single-threaded pusher, which leaves the hours it cannot spend on one contact "
        "idle (the default gives them to follow-ups with the rest of the committee)",
        {f"{EVERY_SELLER}single_threaded": True},
    ),
)
"""The assumptions section's rows, in the order they are reported."""


def sellers_in_play(scenario: Scenario) -> list[str]:
    """Vendors with a seller: those the scenario gives one, and ours (a study's policy sets
    our seller's strategy, `none` included)."""
    return list(dict.fromkeys([*scenario.sellers, scenario.our_vendor]))


def assumption_values(assumption: Assumption, scenario: Scenario) -> dict[str, Any]:
    """The row's overrides as scenario paths and values: `sellers.*.` spelled out for every
    seller in play, values read from the scenario resolved."""
    data = scenario.model_dump(mode="json")
    values: dict[str, Any] = {}
    for path, value in assumption.overrides.items():
        if isinstance(value, FromScenario):
            value = _read_path(data, value.path)
        if path.startswith(EVERY_SELLER):
            setting = path.removeprefix(EVERY_SELLER)
            values.update({f"sellers.{v}.{setting}": value for v in sellers_in_play(scenario)})
        else:
            values[path] = value
    return values


def _read_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node[key]
    return node


def assumption_points(
    scenario: Scenario, assumptions: tuple[Assumption, ...] = ASSUMPTIONS
) -> list[DesignPoint]:
    """The base (point 0) and one design point per assumption, in `assumptions`' order."""
    points = [DesignPoint(0, {}, point_key(0, {}))]
    for index, assumption in enumerate(assumptions, start=1):
        values = assumption_values(assumption, scenario)
        points.append(DesignPoint(index, values, point_key(index, values)))
    return points


def assumption_study(
    scenario: Scenario, strategies: list[str], replications: int, seed: int = 1
) -> Study:
    """Every strategy at the base and under each neutral assumption, on the same committees."""
    return Study(
        scenario,
        tuple(Policy.strategy(s) for s in strategies),
        tuple(assumption_points(scenario)),
        replications,
        seed,
    )


AS_WRITTEN_ROW = "the scenario as written"


def assumption_words(
    study: Study, assumptions: tuple[Assumption, ...] = ASSUMPTIONS
) -> list[dict[str, Any]]:
    """What each design point of an assumption study is, for tables: its label, why it is
    neutral, its overrides (JSON text) and whether it changes the scenario at all (a
    scenario may already hold the neutral value)."""
    scenarios = study.scenarios
    words = [
        {"assumption": AS_WRITTEN_ROW, "neutral": "", "overrides": "{}", "changes_scenario": False}
    ]
    for point, assumption in zip(study.points[1:], assumptions, strict=True):
        changed = any(
            scenarios[policy.name, point.index] != scenarios[policy.name, 0]
            for policy in study.policies
        )
        words.append(
            {
                "assumption": assumption.label,
                "neutral": assumption.neutral,
                "overrides": json.dumps(point.values),
                "changes_scenario": changed,
            }
        )
    return words


def run_assumptions(
    scenario: Scenario,
    strategies: list[str],
    replications: int = DEFAULT_ASSUMPTION_REPLICATIONS,
    *,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Simulate every strategy at the base and under every assumption: one row per deal, its
    `point` the assumption's position in `ASSUMPTIONS` (0: the base)."""
    study = assumption_study(scenario, strategies, replications, seed)
    return evaluate(
        scenario,
        study.policies,
        study.points,
        replications,
        seed=seed,
        executors=executors,
        progress=progress,
    )


@dataclass(frozen=True)
class Robustness:
    """The robustness map of one scenario: each strategy's base rates, the paired effect of
    every parameter change (`effects`) and on guide minus pusher (`contrasts`, with sign
    flips), the flips in words, and the assumptions section (`assumption_rates`,
    `assumption_contrasts`; empty when skipped)."""

    scenario: str
    strategies: list[str]
    replications: int
    assumption_replications: int
    seed: int
    changes: list[Perturbation]
    rates: pd.DataFrame
    effects: pd.DataFrame
    contrasts: pd.DataFrame
    flips: list[str]
    assumption_rates: pd.DataFrame
    assumption_contrasts: pd.DataFrame

    def assumption_document(self) -> list[dict[str, Any]]:
        """One record per assumption row (the base first): its words, its overrides, each
        strategy's rates and the guide-minus-pusher difference per outcome."""
        records = []
        rates, contrasts = self.assumption_rates, self.assumption_contrasts
        for point in sorted(rates["point"].unique()) if not rates.empty else []:
            mine = rates[rates["point"] == point]
            first = mine.iloc[0]
            by_policy: dict[str, dict[str, float]] = {}
            for row in mine.itertuples():
                by_policy.setdefault(row.policy, {})[row.outcome] = row.rate
            gaps = contrasts[contrasts["point"] == point] if not contrasts.empty else contrasts
            records.append(
                {
                    "assumption": first["assumption"],
                    "neutral": first["neutral"],
                    "overrides": json.loads(first["overrides"]),
                    "changes_scenario": bool(first["changes_scenario"]),
                    "rates": by_policy,
                    "guide_minus_pusher": {
                        row.outcome: {
                            key: getattr(row, key)
                            for key in ("difference", "low", "high", "shift", "shift_low",
                                        "shift_high")
                        }
                        for row in gaps.itertuples()
                    },
                }
            )  # fmt: skip
        return records

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "base": self.rates.to_dict(orient="index"),
            "effects": self.effects.to_dict(orient="records"),
            "contrasts": self.contrasts.to_dict(orient="records"),
            "flips": self.flips,
            "assumptions": {
                "replications": self.assumption_replications,
                "rows": self.assumption_document(),
            },
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_number)


def map_robustness(
    scenario: Scenario,
    strategies: list[str],
    replications: int,
    assumption_replications: int = DEFAULT_ASSUMPTION_REPLICATIONS,
    *,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
    flip_words: Callable[[pd.DataFrame], list[str]] = lambda contrast: [],
) -> Robustness:
    """Run both sections (the assumptions only if `assumption_replications` > 0) and
    summarise them; `flip_words` says each sign flip in a sentence (the report's words).
    `progress` counts the runs of both sections as one job."""
    study = assumption_study(scenario, strategies, max(assumption_replications, 1), seed)
    later = study.size if assumption_replications else 0
    first = (len(perturbations(scenario, strategies)) + 1) * len(strategies) * replications

    def changes_progress(done: int, total: int, failed: int) -> None:
        if progress:
            progress(done, total + later, failed)

    def assumptions_progress(done: int, total: int, failed: int) -> None:
        if progress:
            progress(first + done, first + total, failed)

    changes, rows = run_robustness(
        scenario, strategies, replications, seed=seed, executors=executors,
        progress=changes_progress,
    )  # fmt: skip
    contrast = stats.contrasts(rows, changes)
    rates, gaps = pd.DataFrame(), pd.DataFrame()
    if assumption_replications:
        words = assumption_words(study)
        found = run_assumptions(
            scenario, strategies, assumption_replications, seed=seed, executors=executors,
            progress=assumptions_progress,
        )  # fmt: skip
        rates = stats.assumption_rates(found, words)
        gaps = stats.assumption_contrasts(found, words)
    return Robustness(
        scenario.name, strategies, replications, assumption_replications, seed, changes,
        stats.base_rates(rows), stats.effects(rows, changes), contrast,
        flip_words(contrast) if not contrast.empty else [], rates, gaps,
    )  # fmt: skip


def _json_number(value: Any) -> Any:
    """NumPy scalars as plain numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def _seller_settings_read(scenario: Scenario, strategies: list[str]) -> dict[str, frozenset[str]]:
    read = {}
    for vendor in scenario.options.vendors:
        played = (
            strategies if vendor == scenario.our_vendor else [scenario.seller_for(vendor).strategy]
        )
        classes = [SELLER_CLASSES[s] for s in played]
        read[vendor] = frozenset().union(*(c.SETTINGS for c in classes if c is not None))
    return read


def _roles_in_play(scenario: Scenario) -> list[str]:
    committee = scenario.committee
    if committee.stakeholders is not None:
        roles = [s.role for s in committee.stakeholders]
    else:
        roles = [*committee.required_roles[: committee.effective_size]]
        if committee.effective_size > len(roles):
            roles += [r for r, weight in committee.role_mix.items() if weight > 0]
    return list(dict.fromkeys(roles))


Bounds = tuple[float, float, bool, bool]  # low, high, low inclusive, high inclusive


def _clip(value: float, bounds: Bounds, integer: bool) -> float:
    low, high, low_inclusive, high_inclusive = bounds
    if integer:
        value = round(value)
        low = math.ceil(low) if low_inclusive else math.floor(low) + 1
        high = math.floor(high) if high_inclusive else math.ceil(high) - 1
        return int(min(max(value, low), high))
    # An open bound is approached to within a small step, never reached.
    step = 1e-3 * max(1.0, abs(high - low)) if math.isfinite(high - low) else 1e-3
    low = low if low_inclusive else low + step
    high = high if high_inclusive else high - step
    return round(float(min(max(value, low), high)), 6)


def _numeric_fields(
    model: type[BaseModel], data: dict[str, Any], prefix: str
) -> Iterator[tuple[str, float, Bounds, bool]]:
    """(path, value, bounds, is integer) of every number under a pydantic model's data."""
    for name, info in model.model_fields.items():
        if name not in data or data[name] is None:
            continue
        yield from _walk(info.annotation, info.metadata, data[name], f"{prefix}{name}")


def _walk(
    annotation: Any, metadata: list[Any], value: Any, path: str
) -> Iterator[tuple[str, float, Bounds, bool]]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        found = [m for e in extra for m in getattr(e, "metadata", [e])]
        yield from _walk(inner, [*metadata, *found], value, path)
    elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for option in typing.get_args(annotation):
            if option is not type(None):
                yield from _walk(option, metadata, value, path)
                return
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _numeric_fields(annotation, value, f"{path}.")
    elif origin is dict and isinstance(value, dict):
        item = typing.get_args(annotation)[1]
        for key, entry in value.items():
            yield from _walk(item, [], entry, f"{path}.{key}")
    elif (
        annotation in (int, float)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        yield path, value, _bounds(metadata), annotation is int


def _bounds(metadata: list[Any]) -> Bounds:
    low, high, low_inclusive, high_inclusive = -math.inf, math.inf, True, True
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low, low_inclusive = float(item.ge), True
        elif isinstance(item, annotated_types.Gt):
            low, low_inclusive = float(item.gt), False
        elif isinstance(item, annotated_types.Le):
            high, high_inclusive = float(item.le), True
        elif isinstance(item, annotated_types.Lt):
            high, high_inclusive = float(item.lt), False
    return low, high, low_inclusive, high_inclusive
