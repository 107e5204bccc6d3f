"""The scenario: everything one simulated purchase needs, as a validated pydantic model.

A short file is enough: every field has a documented default, so `name:` alone is a valid
scenario (the baseline). Unknown fields are errors (`extra="forbid"`) so that a typo never
silently falls back to a default. Cross-field rules (known roles, known criteria, sellers for
existing vendors) are checked after parsing and name the field path they concern.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from sim.config.registry import (
    COMMITTEE_SIZE,
    DIVERGENCE,
    OPEN_MINDEDNESS,
    OVERLOAD,
    RISK_AVERSION,
    SELLER_CAPACITY_HOURS,
    STRATEGY_NAMES,
    WEEKLY_HOURS,
    strategies_for,
)
from sim.config.roles import (
    DEFAULT_CRITERIA,
    INFLUENCE,
    ROLE_LIBRARY,
    SOURCE_KINDS,
    Role,
    Weight,
    check_trust_keys,
)
from sim.config.text import Description, Name

SELLER_STRATEGIES: tuple[str, ...] = STRATEGY_NAMES
"""Strategy names a seller may have (sim.config.registry.STRATEGIES)."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


MAX_PRICE = 1e12
"""Largest contract value: sums over a territory's deals stay exact and finite."""


def _without_negative_zero(value: Any) -> Any:
    """`value` with any -0.0 (in it, or in a mapping's values) made 0.0: the same setting,
    never printed as "-0" nor turned into -inf by a division."""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, dict):
        return {key: _without_negative_zero(item) for key, item in value.items()}
    return value


class _Strict(BaseModel):
    # NaN and infinity are never a setting: refused here rather than simulated as nonsense.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    _positive_zero = field_validator("*")(
        classmethod(lambda cls, value: _without_negative_zero(value))
    )


class RoleOverride(_Strict):
    """Changes to a library role, or a whole new role (then `title` and `priorities` are
    required). Fields left out keep the library's value."""

    title: Name | None = None
    influence: float | None = INFLUENCE.field(None)
    veto: bool | None = None
    priorities: dict[str, Weight] | None = None
    risk_aversion: float | None = RISK_AVERSION.field(None)
    stubbornness: Unit | None = None
    open_mindedness: float | None = OPEN_MINDEDNESS.field(None)
    weekly_hours: float | None = WEEKLY_HOURS.field(None)
    trust: dict[str, Unit] | None = None

    _trust_keys = field_validator("trust")(classmethod(lambda cls, v: check_trust_keys(v)))


class StakeholderSpec(RoleOverride):
    """One named member of the committee: a role plus any personal overrides."""

    role: str = Field(description="A role from the library or the scenario's `roles`.")
    name: Name | None = Field(None, description="How the story names this person.")


class Committee(_Strict):
    """Who is in the room: either an explicit list of stakeholders, or a size and a mix of
    roles to draw from (required roles first, the rest drawn by `role_mix` weights)."""

    size: int | None = COMMITTEE_SIZE.field(
        None, "Number of stakeholders drawn (default 7 when no list)."
    )
    stakeholders: list[StakeholderSpec] | None = Field(
        None,
        min_length=1,
        max_length=int(COMMITTEE_SIZE.high),
        description="Explicit members; replaces size and role_mix.",
    )
    required_roles: list[str] = Field(
        default_factory=lambda: ["economic_buyer", "champion", "finance", "technical_evaluator"],
        description="Roles filled first, in this order, up to the committee size.",
    )
    role_mix: dict[str, Weight] = Field(
        default_factory=lambda: {
            "end_user": 1.2,
            "it_security": 1.0,
            "technical_evaluator": 0.8,
            "procurement": 0.7,
            "finance": 0.3,
            "legal": 0.4,
            "champion": 0.2,
        },
        description="Relative weights of the roles drawn after the required ones.",
    )
    divergence: float = DIVERGENCE.field(
        1.0, "How far members' priorities stray from their role's (0: exactly the role)."
    )
    risk_aversion_scale: float = RISK_AVERSION.field(
        0.921, "Multiplies every member's risk aversion (the product stays within the same bounds)."
    )

    @model_validator(mode="after")
    def _size_or_list(self) -> Self:
        if self.stakeholders is not None and self.size not in (None, len(self.stakeholders)):
            raise ValueError(
                f"size is {self.size} but {len(self.stakeholders)} stakeholders are listed; "
                "give one or the other"
            )
        if any(w < 0 for w in self.role_mix.values()):
            raise ValueError("role_mix weights must be >= 0")
        return self

    @property
    def effective_size(self) -> int:
        if self.stakeholders is not None:
            return len(self.stakeholders)
        return self.size if self.size is not None else 7


class Account(_Strict):
    """The buying organisation's situation: why it is buying and how that fades."""

    urgency: Unit = Field(1.0, description="Urgency of the trigger at week 0.")
    urgency_decay: Unit = Field(
        0.0345, description="Fraction of urgency lost each week while no decision is made."
    )
    pain: Unit = Field(
        0.245, description="Cost of doing nothing at full urgency, in utility units (0-1 scale)."
    )
    shock_rate: Unit = Field(
        0.03,
        description="Weekly probability of an exogenous event (reorganisation, budget freeze, "
        "incident) that moves urgency.",
    )


class StatusQuo(_Strict):
    """Doing nothing: known to everyone, low value (the pain), no risk, no effort, no cost."""

    quality: dict[str, Unit] = Field(
        default_factory=lambda: {
            "business_value": 0.25,
            "functional_fit": 0.4,
            "risk_security": 0.8,
            "implementation_effort": 0.95,
            "cost": 0.9,
        },
        description="True quality per criterion (0 worst, 1 best; missing criteria 0.5).",
    )


class Vendor(_Strict):
    """A vendor's offer: its true quality per criterion, hidden from every stakeholder."""

    label: Name | None = Field(None, description="How the story names the vendor.")
    quality: dict[str, Unit] = Field(
        default_factory=dict,
        description="True quality per criterion (0 worst, 1 best; missing criteria 0.6).",
    )
    price: float = Field(
        100_000.0, ge=0, le=MAX_PRICE, description="Contract value if the vendor wins."
    )


def _default_vendors() -> dict[str, Vendor]:
    return {
        "ours": Vendor(
            label="our product",
            quality={
                "business_value": 0.65,
                "functional_fit": 0.62,
                "risk_security": 0.58,
                "implementation_effort": 0.55,
                "cost": 0.5,
            },
        ),
        "rival": Vendor(
            label="the rival's product",
            quality={
                "business_value": 0.62,
                "functional_fit": 0.65,
                "risk_security": 0.6,
                "implementation_effort": 0.5,
                "cost": 0.52,
            },
        ),
    }


class Options(_Strict):
    """What the committee can choose: the status quo or one of the vendors."""

    status_quo: StatusQuo = Field(default_factory=StatusQuo)
    vendors: dict[Name, Vendor] = Field(
        default_factory=_default_vendors,
        min_length=1,
        description="Vendors by name; `our_vendor` names ours, the others are competitors.",
    )


class Source(_Strict):
    """A kind of information source. A claim's value is
    true quality + bias x (1 - true quality) + Normal(0, noise), clipped to [0, 1]:
    biased sources overclaim most where the product is weakest."""

    bias: float = Field(0.0, ge=-1, le=1, description="Overclaiming about the vendor's own offer.")
    noise: Unit = Field(0.12, description="Standard deviation of a claim around its mean.")
    trust: Unit = Field(0.5, description="Initial trust a stakeholder places in the source.")


def _default_sources() -> dict[str, Source]:
    return {
        "independent_research": Source(bias=0.0, noise=0.12, trust=0.6),
        "vendor_content": Source(bias=0.3, noise=0.06, trust=0.4),
        "peers": Source(bias=0.0, noise=0.16, trust=0.7),
        "colleagues": Source(bias=0.0, noise=0.05, trust=0.6),
        # A funnel-pusher speaks with this bias; a maze-guide is honest (bias 0).
        "seller": Source(bias=0.30, noise=0.06, trust=0.35),
        # Reference customers and trials a seller arranges: true experience.
        "references": Source(bias=0.0, noise=0.05, trust=0.65),
    }


class Information(_Strict):
    """The information environment the committee searches."""

    sources: dict[str, Source] = Field(
        default_factory=_default_sources,
        description=f"Source kinds ({', '.join(SOURCE_KINDS)}); missing kinds keep defaults.",
    )
    overload: float = OVERLOAD.field(
        1.0, "Multiplies the number of claims a seek hour brings in (1: normal)."
    )
    claims_per_hour: float = Field(2.0, gt=0, le=20, description="Claims found per seek hour.")
    attention: float = Field(
        8.0,
        ge=0.1,
        le=1000,
        description="Claims a stakeholder can absorb a week before overload starts.",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_partial_sources(cls, data: Any) -> Any:
        """A source given in part keeps that kind's defaults for the fields left out."""
        if isinstance(data, dict) and isinstance(data.get("sources"), dict):
            defaults = _default_sources()
            data = dict(data)
            data["sources"] = {
                kind: {**defaults[kind].model_dump(), **given}
                if kind in defaults and isinstance(given, dict)
                else given
                for kind, given in data["sources"].items()
            }
        return data

    @field_validator("sources")
    @classmethod
    def _known_kinds(cls, sources: dict[str, Source]) -> dict[str, Source]:
        check_trust_keys(dict.fromkeys(sources, 0.0))
        return sources

    @model_validator(mode="after")
    def _complete_sources(self) -> Self:
        defaults = _default_sources()
        defaults.update(self.sources)
        self.sources = defaults
        return self


class DecisionRule(_Strict):
    """When the committee decides, and when it gives up."""

    support_threshold: float = Field(
        0.6, gt=0, le=1, description="Share of influence that must prefer one option."
    )
    confidence_threshold: Unit = Field(
        0.624, description="Influence-weighted confidence its supporters must reach."
    )
    max_uncertainty: float = Field(
        0.0916,
        gt=0,
        le=1,
        description="Largest remaining uncertainty (sd of the option's value, 0-1 scale) its "
        "supporters may have: a committee does not buy what it has not understood.",
    )
    vetoes: bool = Field(True, description="Whether veto holders can block a purchase.")
    stall_fatigue: Unit = Field(
        0.7, description="Mean fatigue at which the committee stalls (no decision)."
    )
    stall_urgency: Unit = Field(
        0.161, description="Urgency below which the purchase is shelved (no decision)."
    )
    regret_margin: Unit = Field(
        0.03,
        description="Shortfall of the chosen option's true value below what the committee "
        "expected, or below the truly best vendor, that counts as regret.",
    )
    consensus_level: Unit = Field(
        0.8, description="Share of influence behind the choice that counts as consensus."
    )


class Behaviour(_Strict):
    """How stakeholders work: choosing jobs, absorbing claims, meeting colleagues, tiring."""

    choice_noise: float = Field(
        0.25,
        ge=0.01,
        le=10,
        description="Temperature of the choice among jobs (higher: more random).",
    )
    prior_mean: Unit = Field(
        0.577,
        description="What a stakeholder expects of any vendor on any criterion before research.",
    )
    prior_sd: float = Field(
        0.25, ge=0.01, le=1, description="Initial uncertainty (sd) about every vendor criterion."
    )
    claim_sd: float = Field(
        0.249,
        ge=0.01,
        le=1,
        description="Noise a stakeholder assumes in a claim from a fully trusted source: sets "
        "how far one claim moves a belief (larger: slower learning).",
    )
    convergence: Unit = Field(
        0.3, description="How far a successful alignment moves two views toward each other."
    )
    validation_z: float = Field(
        2.02,
        gt=0,
        le=10,
        description="A check discredits a claim whose gap to an independent reading exceeds this "
        "many sds of the two sources' known noise combined (1.96: an honest claim fails 5% of "
        "checks).",
    )
    confirmation_boost: float = Field(
        1.5, ge=1, le=10, description="Factor on a confirmed claim's weight in beliefs."
    )
    trust_loss: Unit = Field(0.15, description="Trust lost in a source whose claim is discredited.")
    trust_gain: Unit = Field(
        0.05, description="Share of the gap to full trust gained when a claim is confirmed."
    )
    overload_recovery: Unit = Field(
        0.5, description="Share of the information load that clears each week."
    )
    overload_fatigue: Unit = Field(
        0.06, description="Fatigue added a week per unit of load above attention."
    )
    conflict_fatigue: Unit = Field(0.03, description="Fatigue one clash adds to each side.")
    fatigue_recovery: Unit = Field(0.02, description="Fatigue that wears off each week.")
    seller_time_share: Unit = Field(
        0.229,
        description="Most of a member's weekly hours it gives sellers, all of them together; a "
        "meeting gets what is left of it.",
    )
    disclosure: Unit = Field(
        1.0,
        description="How openly members answer a seller: the chance a member names its own top "
        "priority and concern is this x its trust in that seller; otherwise it gives its role's "
        "usual answer (0: sellers learn only what the org chart says).",
    )


class SellerSpec(_Strict):
    """The seller working for one vendor. Strategy-specific settings are ignored by the
    strategies they do not concern."""

    strategy: str = Field("none", description=f"One of: {', '.join(SELLER_STRATEGIES)}.")
    capacity_hours: float = SELLER_CAPACITY_HOURS.field(
        10.0, "Hours a week for this deal (same default for every strategy)."
    )
    # From six minutes: nothing shorter is a meeting, and a seller's weekly hours in
    # meetings of seconds would be thousands of meetings a week (minutes of run time).
    meeting_hours: float = Field(
        1.0,
        ge=0.1,
        le=8,
        description="Length of one meeting the seller asks for (a pitch, a help session, a group "
        "meeting); same default for every strategy.",
    )
    preparation_hours: float = Field(
        0.0,
        ge=0,
        le=8,
        description="Seller hours each prepared piece of work costs on top of its meeting: a "
        "demo or proposal presentation, a reference call or pilot result arranged with a "
        "customer, a business case for a consensus meeting; same for every strategy (0: no "
        "published figure, so neutral by default).",
    )
    discount: Unit = Field(
        0.0,
        description="Price concession in the vendor's offer: rise in its true cost score, from the "
        "start, whatever the strategy (a lever of its own, not a strategy's).",
    )
    single_threaded: bool = Field(
        False,
        description="funnel_pusher: work only the main contact and leave the rest of the week "
        "idle (the unequal-effort case); by default its spare hours go to follow-ups with the "
        "rest of the committee.",
    )
    stage_weeks: int = Field(
        4, ge=1, le=52, description="funnel_pusher: weeks per stage on the sales calendar."
    )
    qualify_out_weeks: int = Field(
        14, ge=1, le=520, description="funnel_pusher: weeks stuck in one stage before it quits."
    )
    closing_pressure: Unit = Field(
        0.08,
        description="funnel_pusher: deadline a member who favours our product feels each week of "
        "pressure, x its sureness.",
    )
    reactance: Unit = Field(
        0.1,
        description="funnel_pusher: how strongly an unsure member reacts against a deadline: "
        "each message raises its reactance by this x its unsureness x what is left below the "
        "ceiling of 1; that share of its trust in the seller goes, and its risk aversion "
        "grows by the same factor (at most doubled).",
    )
    diagnosis_error: Unit = Field(
        0.27, description="maze_guide: chance of misjudging which job a stakeholder is on."
    )
    consensus_widening: Unit = Field(
        0.0,
        description="maze_guide: how much a group meeting widens how far apart priorities may "
        "be and still move together.",
    )
    network_share: Unit = Field(
        0.4,
        description="social_seller: share of its weekly hours spent building reach and content "
        "in the peer network.",
    )
    prior_weeks: int = Field(
        26, ge=0, le=520, description="social_seller: weeks of network work before this deal."
    )
    content_reach: float = Field(
        0.25,
        ge=0,
        le=10,
        description="social_seller: peers who take up its content per hour of network work.",
    )
    overload_relief: Unit = Field(
        0.3,
        description="maze_guide: share of a seeker's information load that sense-making clears.",
    )


class Network(_Strict):
    """People outside the company the stakeholders can ask: peers, communities and the
    vendors' existing customers, as a small-world graph (Watts-Strogatz) drawn per run."""

    size: int = Field(60, ge=1, le=5000, description="Peers in the network.")
    reach: Unit = Field(
        0.08, description="Chance that a stakeholder knows any given peer directly."
    )
    neighbours: int = Field(4, ge=0, le=50, description="Ties of each peer to other peers.")
    rewiring: Unit = Field(0.1, description="Share of peer ties rewired at random.")
    installed_base: dict[str, Annotated[int, Field(ge=0, le=5000)]] = Field(
        default_factory=dict, description="Existing customers among the peers, per vendor."
    )
    satisfaction: dict[str, Unit] = Field(
        default_factory=dict, description="Share of a vendor's customers who are satisfied (0.7)."
    )


class Territory(_Strict):
    """Territory mode (`b2bsim territory`): our seller works many accounts at once within
    one weekly capacity; every account has its own committee and competitor seller."""

    accounts: int = Field(20, ge=1, le=1000, description="Accounts in the territory.")
    capacity_hours: float = Field(
        40.0, gt=0, le=200, description="Our seller's hours a week across all accounts."
    )
    focus_hours: float = Field(
        8.0,
        ge=0.1,
        le=80,
        description="Hours a week a maze-guide or social seller gives each account it works.",
    )


class Scenario(_Strict):
    """One account's purchase: the committee, the options, the information, the sellers."""

    name: Name = Field("unnamed", description="Short identifier.")
    description: Description = Field("", description="One line saying what the scenario shows.")
    horizon_weeks: int = Field(78, ge=1, le=520, description="Weeks simulated before censoring.")
    criteria: list[Name] = Field(
        default_factory=lambda: list(DEFAULT_CRITERIA),
        min_length=1,
        description="Decision criteria every option is judged on.",
    )
    roles: dict[Name, RoleOverride] = Field(
        default_factory=dict, description="Overrides of library roles, or new roles."
    )
    committee: Committee = Field(default_factory=Committee)
    account: Account = Field(default_factory=Account)
    options: Options = Field(default_factory=Options)
    our_vendor: str = Field("ours", description="Which vendor is ours (won vs lost).")
    information: Information = Field(default_factory=Information)
    decision: DecisionRule = Field(default_factory=DecisionRule)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    sellers: dict[str, SellerSpec] = Field(
        default_factory=dict,
        description="Seller per vendor name; a vendor left out has no seller ('none').",
    )
    network: Network | None = Field(
        None, description="The peer and reference network (none: peers are a generic source)."
    )
    territory: Territory | None = Field(
        None, description="Territory mode settings (used by `b2bsim territory`)."
    )
    _library: dict[str, Role] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        errors = [*self._check_roles(), *self._check_criteria(), *self._check_vendors()]
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def _check_roles(self) -> list[str]:
        known = set(ROLE_LIBRARY) | set(self.roles)
        errors = []
        for name, override in self.roles.items():
            if name not in ROLE_LIBRARY and (override.title is None or override.priorities is None):
                errors.append(f"roles.{name}: a new role needs a title and priorities")
        used: list[tuple[str, str]] = [
            (f"committee.required_roles[{i}]", r)
            for i, r in enumerate(self.committee.required_roles)
        ]
        used += [(f"committee.role_mix.{r}", r) for r in self.committee.role_mix]
        for i, spec in enumerate(self.committee.stakeholders or []):
            used.append((f"committee.stakeholders[{i}].role", spec.role))
        for path, role in used:
            if role not in known:
                errors.append(f"{path}: unknown role {role!r} (known: {', '.join(sorted(known))})")
        drawn = self.committee.effective_size - len(self.committee.required_roles)
        needs_draws = self.committee.stakeholders is None and drawn > 0
        if needs_draws and sum(self.committee.role_mix.values()) <= 0:
            errors.append("committee.role_mix: needs a positive weight to draw members")
        return errors

    def _check_criteria(self) -> list[str]:
        errors = []
        if len(set(self.criteria)) != len(self.criteria):
            errors.append("criteria: names must be unique")
        known = set(self.criteria)
        mappings: list[tuple[str, dict[str, float] | None]] = [
            (f"roles.{n}.priorities", o.priorities) for n, o in self.roles.items()
        ]
        mappings += [
            (f"committee.stakeholders[{i}].priorities", s.priorities)
            for i, s in enumerate(self.committee.stakeholders or [])
        ]
        # Default qualities are written for the default criteria; check only what a file set.
        if "vendors" in self.options.model_fields_set:
            mappings += [
                (f"options.vendors.{n}.quality", v.quality) for n, v in self.options.vendors.items()
            ]
        if "quality" in self.options.status_quo.model_fields_set:
            mappings.append(("options.status_quo.quality", self.options.status_quo.quality))
        for path, mapping in mappings:
            for key, value in (mapping or {}).items():
                if key not in known:
                    errors.append(
                        f"{path}.{key}: unknown criterion (criteria: {', '.join(self.criteria)})"
                    )
                elif path.endswith("priorities") and value < 0:
                    errors.append(f"{path}.{key}: priority weights must be >= 0")
        return errors

    def _check_vendors(self) -> list[str]:
        errors = []
        vendors = self.options.vendors
        if self.our_vendor not in vendors:
            errors.append(
                f"our_vendor: {self.our_vendor!r} is not a vendor (vendors: {', '.join(vendors)})"
            )
        for name, seller in self.sellers.items():
            if name not in vendors:
                errors.append(
                    f"sellers.{name}: no vendor named {name!r} (vendors: {', '.join(vendors)})"
                )
            if seller.strategy == "social_seller" and self.network is None:
                errors.append(
                    f"sellers.{name}.strategy: social_seller works through the peer network - "
                    "add a `network:` section"
                )
            if seller.strategy not in SELLER_STRATEGIES:
                errors.append(
                    f"sellers.{name}.strategy: unknown strategy {seller.strategy!r} "
                    f"(available: {', '.join(SELLER_STRATEGIES)})"
                )
        if self.network is not None:
            for field_name in ("installed_base", "satisfaction"):
                for vendor in getattr(self.network, field_name):
                    if vendor not in vendors:
                        errors.append(
                            f"network.{field_name}.{vendor}: no vendor named {vendor!r} "
                            f"(vendors: {', '.join(vendors)})"
                        )
        return errors

    def role_library(self) -> dict[str, Role]:
        """The library with this scenario's overrides and new roles merged in (computed once:
        scenarios are treated as immutable once validated)."""
        if self._library is not None:
            return self._library
        library = dict(ROLE_LIBRARY)
        for name, override in self.roles.items():
            changes = override.model_dump(exclude_none=True)
            if name in library:
                library[name] = library[name].model_copy(update=changes)
            else:
                library[name] = Role(**changes)
        self._library = library
        return library

    def with_strategy(self, strategy: str, vendor: str | None = None) -> Scenario:
        """A copy in which `vendor`'s seller (ours by default) follows `strategy`, keeping
        its other settings. Raises pydantic's ValidationError for an unknown strategy."""
        vendor = vendor or self.our_vendor
        data = self.model_dump()
        seller = data["sellers"].setdefault(vendor, SellerSpec().model_dump())
        seller["strategy"] = strategy
        return Scenario.model_validate(data)

    def available_strategies(self) -> list[str]:
        """The strategies a seller can follow in this scenario (a social seller needs a
        peer network)."""
        return strategies_for(has_network=self.network is not None)

    def seller_for(self, vendor: str) -> SellerSpec:
        """The seller working for `vendor` (strategy 'none' when the scenario names none)."""
        return self.sellers.get(vendor, SellerSpec())
