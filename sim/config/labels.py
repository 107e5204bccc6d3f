"""Plain words for every scenario parameter, in one place.

Reports, the explorer, robustness rows and sweep axes all name parameters by their path in
the scenario file ("options.vendors.ours.quality.functional_fit"); a room of sales people
needs "our product's functional fit". `plain_label` turns any parameter path into such
words: the table below gives each schema field its words, with `{...}` slots filled from
the path's keys (a vendor, a role, a source kind, a criterion); a path the table does not
know falls back to its field name, so a new field is never shown blank
(tests/test_labels.py checks that every numeric field of the schema is in the table).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from types import UnionType
from typing import Any

from pydantic import BaseModel

from sim.config.roles import ROLE_LIBRARY
from sim.config.scenario import Scenario

ANY = "*"
"""A dict key or list index in a parameter pattern."""

LABELS: dict[str, str] = {
    "horizon_weeks": "weeks simulated",
    # Roles (library overrides): {role} is the role's title.
    "roles.*.influence": "{role}'s weight in the decision",
    "roles.*.risk_aversion": "{role}'s risk aversion",
    "roles.*.stubbornness": "how firmly {role} holds to the first view",
    "roles.*.open_mindedness": "how open {role} is to colleagues' views",
    "roles.*.weekly_hours": "{role}'s hours a week on the purchase",
    "roles.*.priorities.*": "how much {role} cares about {criterion}",
    "roles.*.trust.*": "{role}'s trust in {source}",
    # The committee.
    "committee.size": "committee size",
    "committee.divergence": "how divided the committee is",
    "committee.risk_aversion_scale": "the committee's risk aversion (x)",
    "committee.role_mix.*": "how often {role} joins the committee",
    "committee.stakeholders.*.influence": "{member}'s weight in the decision",
    "committee.stakeholders.*.risk_aversion": "{member}'s risk aversion",
    "committee.stakeholders.*.stubbornness": "how firmly {member} holds to the first view",
    "committee.stakeholders.*.open_mindedness": "how open {member} is to colleagues' views",
    "committee.stakeholders.*.weekly_hours": "{member}'s hours a week on the purchase",
    "committee.stakeholders.*.priorities.*": "how much {member} cares about {criterion}",
    "committee.stakeholders.*.trust.*": "{member}'s trust in {source}",
    # The account.
    "account.urgency": "urgency at the start",
    "account.urgency_decay": "how fast urgency fades",
    "account.pain": "cost of doing nothing",
    "account.shock_rate": "chance of a surprise event a week",
    # The options.
    "options.status_quo.quality.*": "the status quo's {criterion}",
    "options.vendors.*.quality.*": "{product}'s {criterion}",
    "options.vendors.*.price": "{product}'s price",
    # Information.
    "information.sources.*.bias": "how much {source} overclaim",
    "information.sources.*.noise": "how noisy {source} are",
    "information.sources.*.trust": "trust in {source} at the start",
    "information.overload": "information overload (x)",
    "information.claims_per_hour": "claims found per hour of research",
    "information.attention": "claims a person absorbs a week",
    # The decision rule.
    "decision.support_threshold": "support needed to decide",
    "decision.confidence_threshold": "confidence needed to decide",
    "decision.max_uncertainty": "uncertainty supporters may keep",
    "decision.vetoes": "vetoes can block",
    "decision.stall_fatigue": "fatigue at which the deal stalls",
    "decision.stall_urgency": "urgency below which the deal is shelved",
    "decision.regret_margin": "shortfall that counts as regret",
    "decision.consensus_level": "support that counts as consensus",
    # How people work.
    "behaviour.choice_noise": "how randomly people pick their next job",
    "behaviour.prior_mean": "what people expect of a vendor before research",
    "behaviour.prior_sd": "uncertainty before research",
    "behaviour.claim_sd": "how slowly one claim changes a mind",
    "behaviour.convergence": "how far a good meeting brings views together",
    "behaviour.validation_z": "how big a gap a check lets pass",
    "behaviour.confirmation_boost": "weight of a confirmed claim",
    "behaviour.trust_loss": "trust lost when a claim is caught out",
    "behaviour.trust_gain": "trust gained when a claim is confirmed",
    "behaviour.overload_recovery": "how fast information load clears",
    "behaviour.overload_fatigue": "fatigue from too much information",
    "behaviour.conflict_fatigue": "fatigue from one clash",
    "behaviour.fatigue_recovery": "how fast fatigue wears off",
    "behaviour.seller_time_share": "share of people's time sellers can get",
    "behaviour.disclosure": "how openly people answer a seller",
    # Sellers: {seller} is "our seller", "the rival seller" or "<vendor>'s seller".
    "sellers.*.strategy": "{seller}'s strategy",
    "sellers.*.capacity_hours": "{seller}'s hours a week",
    "sellers.*.meeting_hours": "{seller}'s meeting length",
    "sellers.*.discount": "{seller}'s discount",
    "sellers.*.single_threaded": "{seller} works one contact only",
    "sellers.*.stage_weeks": "{seller}'s weeks per sales stage",
    "sellers.*.qualify_out_weeks": "weeks stuck before {seller} walks away",
    "sellers.*.closing_pressure": "{seller}'s pressure to close",
    "sellers.*.reactance": "how much unsure people resent {seller}'s pressure",
    "sellers.*.diagnosis_error": "how often {seller} misreads someone's job",
    "sellers.*.preparation_hours": "{seller}'s hours to prepare a piece of work",
    "sellers.*.consensus_widening": "how much {seller}'s group meetings bring views together",
    "sellers.*.network_share": "{seller}'s share of time in the peer network",
    "sellers.*.prior_weeks": "{seller}'s weeks in the network before the deal",
    "sellers.*.content_reach": "peers {seller}'s content reaches per hour",
    "sellers.*.overload_relief": "information load {seller} clears",
    # The peer network.
    "network.size": "peers in the network",
    "network.reach": "chance a buyer knows a given peer",
    "network.neighbours": "ties of each peer",
    "network.rewiring": "share of random peer ties",
    "network.installed_base.*": "{customers} among the peers",
    "network.satisfaction.*": "share of {customers} who are happy",
    # Territory mode.
    "territory.accounts": "accounts in the territory",
    "territory.capacity_hours": "our seller's hours a week, all accounts",
    "territory.focus_hours": "hours a week for each account worked",
}
"""Parameter pattern -> its words; `*` matches any dict key or list index."""

CRITERION_WORDS: dict[str, str] = {
    "business_value": "business value",
    "functional_fit": "functional fit",
    "risk_security": "risk and security",
    "implementation_effort": "ease of implementation",
    "cost": "cost",
}

SOURCE_WORDS: dict[str, str] = {
    "independent_research": "independent research",
    "vendor_content": "vendor content",
    "peers": "peers",
    "colleagues": "colleagues",
    "seller": "sellers",
    "references": "reference customers",
}

_SLOT = re.compile(r"\{(\w+)\}")


def plain_label(path: str, our_vendor: str = "ours") -> str:
    """Words for a scenario parameter path, e.g. "options.vendors.ours.quality.functional_fit"
    -> "our product's functional fit". `our_vendor` names the vendor that is ours (the
    scenario's `our_vendor`). An unknown path gets its last field name in words."""
    parts = _parts(path)
    for pattern, words in LABELS.items():
        keys = _match(pattern.split("."), parts)
        if keys is not None:
            return _fill(pattern, words, keys, our_vendor)
    return parts[-1].replace("_", " ") if parts else path


def display_number(value: float) -> str:
    """A number as a room reads it: two significant digits, no trailing zeros (0.0612 -> 0.06,
    0.571 -> 0.57, 1.44 -> 1.4, 78 -> 78)."""
    if value == 0 or not abs(value) < 1e15:
        return f"{value:g}"
    if float(value).is_integer() and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{float(f'{value:.2g}'):g}"


def numeric_parameters() -> list[str]:
    """Every numeric field of the scenario schema as a pattern (`*` for dict keys and list
    indices): the parameters a sweep, the robustness map or a slider may name."""
    return sorted(set(_numeric_patterns(Scenario, "")))


def _parts(path: str) -> list[str]:
    return [p for p in re.split(r"[.\[\]]+", path) if p]


def _match(pattern: list[str], parts: list[str]) -> list[str] | None:
    """The keys `*` stood for, or None if `parts` does not fit `pattern`."""
    if len(pattern) != len(parts):
        return None
    keys = []
    for want, got in zip(pattern, parts, strict=True):
        if want == ANY:
            keys.append(got)
        elif want != got:
            return None
    return keys


def _fill(pattern: str, words: str, keys: list[str], our_vendor: str) -> str:
    """Fill a label's slots from the keys, in the order the pattern's `*`s take them."""
    section = pattern.split(".")[0]
    slots = _SLOT.findall(words)
    values: dict[str, str] = {}
    for slot, key in zip(slots, keys, strict=False):
        values[slot] = _word(slot, key, section, our_vendor)
    for slot in slots[len(keys) :]:
        values.setdefault(slot, slot)
    return _SLOT.sub(lambda m: values[m.group(1)], words)


def _word(slot: str, key: str, section: str, our_vendor: str) -> str:
    ours = key == our_vendor
    rival = key == "rival"
    match slot:
        case "role":
            role = ROLE_LIBRARY.get(key)
            return role.title if role else "the " + key.replace("_", " ")
        case "member":
            return f"member {int(key) + 1}" if key.isdigit() else key
        case "criterion":
            return CRITERION_WORDS.get(key, key.replace("_", " "))
        case "source":
            return SOURCE_WORDS.get(key, key.replace("_", " "))
        case "product":
            return "our product" if ours else "the rival product" if rival else f"{key}'s product"
        case "seller":
            return "our seller" if ours else "the rival seller" if rival else f"{key}'s seller"
        case "customers":
            return (
                "our customers"
                if ours
                else "the rival's customers"
                if rival
                else f"{key}'s customers"
            )
    return key


def _numeric_patterns(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield from _walk(info.annotation, f"{prefix}{name}")


def _walk(annotation: Any, path: str) -> Iterator[str]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _walk(args[0], path)
    elif origin in (typing.Union, UnionType):
        for option in args:
            yield from _walk(option, path)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _numeric_patterns(annotation, f"{path}.")
    elif origin is dict:
        yield from _walk(args[1], f"{path}.{ANY}")
    elif origin is list:
        yield from _walk(args[0], f"{path}.{ANY}")
    elif annotation in (int, float):
        yield path
