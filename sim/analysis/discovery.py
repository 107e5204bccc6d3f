"""Scenario discovery: in which worlds does each policy lead?

Input: one row per sampled world (its uncertain settings) and, per policy, the share of
deals won there and the paired difference to the best other policy on the same
committees. Each world is classified by who leads by at least a threshold (or "neither"),
and PRIM (the patient rule induction method; EMA Workbench's implementation, the field's
reference) finds boxes over the uncertainties where a class is dense. Boxes are reported
with statistics computed here on all worlds (coverage, density, mass, the policy's mean
lead with a t interval), so a box's figures mean the same on the discovery sample and on
a hold-out sample of fresh worlds and committees. Feature scoring (extra trees, EMA
Workbench) ranks what drives the difference.

EMA Workbench is imported when used: it pulls in scikit-learn and statsmodels, which only
this analysis needs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

NEITHER = "neither"
"""The class of worlds where no policy leads by the threshold."""

MAX_DIMENSIONS = 3
"""Most uncertainties a box may restrict: a trainer can read three conditions at once."""
MIN_GAIN = 0.25
"""A box must be denser than the class's share of all worlds by at least this part of the
way to 1 (a class in 30 % of worlds needs a box of density >= 47.5 %): a box no denser than
the space is no finding."""
MAX_BOXES = 2
"""Boxes sought per class; PRIM's second box covers worlds the first left out."""
MAX_QUASI_P = 0.05
"""A restriction whose PRIM quasi-p value is above this is dropped: with that chance the
class's density would rise as much by restricting at random (EMA Workbench's guidance)."""
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
"""PRIM's peeling step and the smallest box (share of worlds), EMA Workbench's defaults."""
NOISY_SHARE = 0.2
"""Warn when a world where the policies are equal would be classified as a lead this
often, from the replications' noise alone."""


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def mean_interval(values: np.ndarray, level: float = 0.95) -> Interval:
    """The mean of `values` with a Student t interval (over worlds)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if values.size else math.nan
    if values.size < 2:
        return Interval(mean, math.nan, math.nan)
    half = (
        stats.t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    )
    return Interval(mean, mean - float(half), mean + float(half))


@dataclass(frozen=True)
class Leads:
    """Per world: each policy's win rate and lead over the best other policy (paired, on
    the same committees), the standard error of that lead, and who leads."""

    policies: list[str]
    win_rates: pd.DataFrame
    """world x policy: share of deals our seller won."""
    leads: pd.DataFrame
    """world x policy: win rate minus the best other policy's there."""
    standard_errors: pd.DataFrame
    """world x policy: standard error of the lead, from the paired replications."""
    replication_sd: float
    """Pooled standard deviation of one replication's paired difference."""
    winner: pd.Series
    """world -> the policy that leads by the threshold, or NEITHER."""
    threshold: float


def paired_leads(
    deals: pd.DataFrame, policies: Sequence[str], threshold: float, world: str = "point"
) -> Leads:
    """Leads from a tidy table of deals (columns policy, `world`, replication, outcome), in
    which every policy ran the same replications at every world."""
    won = (deals["outcome"] == "won").astype(float)
    table = (
        deals.assign(won=won)
        .pivot_table(index=[world, "replication"], columns="policy", values="won")
        .reindex(columns=list(policies))
    )
    rates = table.groupby(level=0).mean()
    leads, errors, variances = {}, {}, []
    for policy in policies:
        others = [p for p in policies if p != policy]
        best = rates[others].idxmax(axis=1)  # the best other policy in each world
        rival = pd.Series(
            [table.loc[w, best[w]].to_numpy() for w in rates.index], index=rates.index
        )
        own = pd.Series([table.loc[w, policy].to_numpy() for w in rates.index], index=rates.index)
        differences = own - rival  # per world: an array of paired differences
        leads[policy] = differences.map(np.mean)
        errors[policy] = differences.map(lambda d: d.std(ddof=1) / math.sqrt(d.size))
        variances += [float(d.var(ddof=1)) for d in differences]
    lead_frame = pd.DataFrame(leads)
    best_policy = lead_frame.idxmax(axis=1)
    best_lead = lead_frame.max(axis=1)
    winner = best_policy.where(best_lead >= threshold, NEITHER)
    return Leads(
        list(policies),
        rates,
        lead_frame,
        pd.DataFrame(errors),
        float(math.sqrt(np.mean(variances))) if variances else math.nan,
        winner,
        threshold,
    )


@dataclass(frozen=True)
class Noise:
    """How well the replications classify one world."""

    replications: int
    replication_sd: float
    standard_error: float
    misclassified_share: float
    """Chance that a world where the policies are equal is classified as a lead."""
    replications_needed: int
    """Replications per world for a lead of exactly the threshold to be told from none at
    95 % (standard error <= threshold / 1.96)."""

    @property
    def too_few(self) -> bool:
        return self.misclassified_share > NOISY_SHARE

    def warning(self, threshold: float) -> str | None:
        if not self.too_few:
            return None
        return (
            f"{self.replications} replications per world are too few to classify a world: "
            f"a paired difference in deals won carries a standard error of about "
            f"{self.standard_error:.3f} there, so a world where the policies are equal is "
            f"counted as a lead of {threshold:.0%} or more {self.misclassified_share:.0%} of "
            f"the time. The boxes average many worlds, and their intervals and the hold-out "
            f"check say whether they hold; to classify single worlds use about "
            f"{self.replications_needed} replications."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "replications": self.replications,
            "replication_sd": self.replication_sd,
            "standard_error": self.standard_error,
            "misclassified_share": self.misclassified_share,
            "replications_needed": self.replications_needed,
            "too_few": self.too_few,
        }


def noise(leads: Leads, replications: int) -> Noise:
    """The replications' noise, estimated from the paired differences themselves."""
    sd = leads.replication_sd
    error = sd / math.sqrt(replications)
    share = 2 * (1 - stats.norm.cdf(leads.threshold / error)) if error > 0 else 0.0
    needed = math.ceil((1.96 * sd / leads.threshold) ** 2) if sd > 0 else 1
    return Noise(replications, sd, error, float(share), needed)


@dataclass(frozen=True)
class Limit:
    """A box's restriction of one uncertainty: a range, or a set of values."""

    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    quasi_p: float | None = None
    """PRIM's quasi-p value of the restriction (a small value: unlikely by chance)."""

    def contains(self, column: pd.Series) -> np.ndarray:
        if self.values is not None:
            return column.isin(self.values).to_numpy()
        inside = np.ones(len(column), dtype=bool)
        if self.low is not None:
            inside &= column.to_numpy(dtype=float) >= self.low
        if self.high is not None:
            inside &= column.to_numpy(dtype=float) <= self.high
        return inside

    def to_dict(self) -> dict[str, Any]:
        if self.values is not None:
            return {"values": list(self.values), "quasi_p": self.quasi_p}
        return {"low": self.low, "high": self.high, "quasi_p": self.quasi_p}


@dataclass(frozen=True)
class BoxCheck:
    """A box's figures on one sample of worlds."""

    worlds: int
    coverage: float
    density: float
    mass: float
    lead: Interval
    """The box's policy's mean lead in the box (for NEITHER: the first policy's)."""
    share: float
    """The class's share of all worlds of the sample (the density of no box at all)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "worlds": self.worlds,
            "share": self.share,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "lead": self.lead.to_dict(),
        }


@dataclass(frozen=True)
class Box:
    """Where `policy` leads by the threshold (or NEITHER does): limits and figures."""

    policy: str
    limits: dict[str, Limit]
    found: BoxCheck
    hold_out: BoxCheck | None = None

    def inside(self, worlds: pd.DataFrame) -> np.ndarray:
        mask = np.ones(len(worlds), dtype=bool)
        for name, limit in self.limits.items():
            mask &= limit.contains(worlds[name])
        return mask

    @property
    def holds(self) -> bool | None:
        """Whether the hold-out sample confirms the box: its class is denser in the box than
        in all fresh worlds, and a policy's lead there has an interval above zero (None
        without a hold-out sample, or with fewer than two fresh worlds in the box)."""
        check = self.hold_out
        if check is None or check.worlds < 2:
            return None
        denser = bool(check.density > check.share)
        return denser and (self.policy == NEITHER or bool(check.lead.low > 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "limits": {name: limit.to_dict() for name, limit in self.limits.items()},
            "coverage": self.found.coverage,
            "density": self.found.density,
            "mass": self.found.mass,
            "worlds": self.found.worlds,
            "lead": self.found.lead.to_dict(),
            "hold_out": self.hold_out.to_dict() if self.hold_out else None,
            "holds": self.holds,
        }


def box_check(box: Box, worlds: pd.DataFrame, leads: Leads) -> BoxCheck:
    """`box`'s coverage, density, mass and mean lead on `worlds` (indexed like `leads`)."""
    inside = box.inside(worlds)
    hits = (leads.winner == box.policy).to_numpy()
    policy = box.policy if box.policy != NEITHER else leads.policies[0]
    lead = leads.leads[policy].to_numpy()[inside]
    n_in = int(inside.sum())
    return BoxCheck(
        share=float(hits.mean()) if hits.size else math.nan,
        worlds=n_in,
        coverage=float(hits[inside].sum() / hits.sum()) if hits.sum() else math.nan,
        density=float(hits[inside].mean()) if n_in else math.nan,
        mass=n_in / len(worlds) if len(worlds) else math.nan,
        lead=mean_interval(lead) if policy in leads.policies else Interval(*(math.nan,) * 3),
    )


def _ema_prim() -> Any:
    """EMA Workbench's PRIM, imported quietly (it warns about optional parallel engines)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def _limits(prim_box: Any, i: int, initial: pd.DataFrame, worlds: pd.DataFrame) -> dict:
    """Entry `i` of a PRIM box's trajectory as our limits (restricted uncertainties only)."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    lims = prim_box.box_lims[i]
    quasi_p = prim_box.p_values[i] if i < len(prim_box.p_values) else {}
    limits = {}
    for name in sdutil._determine_restricted_dims(lims, initial):
        p_value = quasi_p.get(name)
        p_value = float(np.nanmax(p_value)) if p_value is not None else None
        low, high = lims.loc[0, name], lims.loc[1, name]
        if isinstance(low, set):
            order = list(dict.fromkeys(worlds[name]))
            values = tuple(v for v in order if v in low)
            limits[name] = Limit(values=values, quasi_p=p_value)
        else:
            whole = (initial.loc[0, name], initial.loc[1, name])
            limits[name] = Limit(
                low=None if low <= whole[0] else _plain(low),
                high=None if high >= whole[1] else _plain(high),
                quasi_p=p_value,
            )
    return limits


def _plain(value: Any) -> float | int:
    return int(value) if isinstance(value, np.integer | int) else float(value)


def find_boxes(
    worlds: pd.DataFrame,
    leads: Leads,
    max_dimensions: int = MAX_DIMENSIONS,
    max_boxes: int = MAX_BOXES,
) -> list[Box]:
    """PRIM boxes for every policy and for NEITHER: on each class's peeling trajectory, the
    box with the largest coverage x density among those restricting 1 to `max_dimensions`
    uncertainties and denser than the class's share by `MIN_GAIN`, keeping only the
    restrictions PRIM finds significant (quasi-p <= `MAX_QUASI_P`)."""
    prim = _ema_prim()
    x = worlds.reset_index(drop=True)
    boxes = []
    for cls in [*leads.policies, NEITHER]:
        y = (leads.winner == cls).to_numpy()
        base = float(y.mean())
        if y.sum() < 2 or base >= 1:
            continue
        floor = base + MIN_GAIN * (1 - base)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search = prim.Prim(x, y.astype(int), peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
            for _ in range(max_boxes):
                prim_box = search.find_box()
                if prim_box is None:
                    break
                trajectory = prim_box.peeling_trajectory
                eligible = trajectory[
                    (trajectory["res_dim"] >= 1)
                    & (trajectory["res_dim"] <= max_dimensions)
                    & (trajectory["density"] >= floor)
                ]
                if eligible.empty:
                    break
                i = int((eligible["coverage"] * eligible["density"]).idxmax())
                prim_box.select(i)
                limits = _limits(prim_box, i, search.box_init, x)
                limits = {k: v for k, v in limits.items() if (v.quasi_p or 0) <= MAX_QUASI_P}
                if not limits:
                    continue
                unmeasured = Box(cls, limits, BoxCheck(0, 0, 0, 0, Interval(0, 0, 0), 0))
                boxes.append(Box(cls, limits, box_check(unmeasured, x, _reindexed(leads))))
    return boxes


def _reindexed(leads: Leads) -> Leads:
    """`leads` with worlds numbered 0..n-1 in order, as `worlds.reset_index` numbers them."""

    def renumber(frame: Any) -> Any:
        return frame.reset_index(drop=True)

    return Leads(
        leads.policies,
        renumber(leads.win_rates),
        renumber(leads.leads),
        renumber(leads.standard_errors),
        leads.replication_sd,
        renumber(leads.winner),
        leads.threshold,
    )


def checked_on(boxes: list[Box], worlds: pd.DataFrame, leads: Leads) -> list[Box]:
    """`boxes` with their figures on another sample (fresh worlds and committees)."""
    x, fresh = worlds.reset_index(drop=True), _reindexed(leads)
    return [Box(b.policy, b.limits, b.found, box_check(b, x, fresh)) for b in boxes]


def feature_scores(worlds: pd.DataFrame, leads: Leads, seed: int = 0) -> pd.DataFrame:
    """How much each uncertainty drives each policy's lead (extra trees, EMA Workbench's
    `feature_scoring`; scores of one outcome sum to 1), most important first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        outcomes = leads.policies[1:] if len(leads.policies) == 2 else leads.policies
        scores = feature_scoring.get_feature_scores_all(
            worlds.reset_index(drop=True),
            {p: leads.leads[p].to_numpy() for p in outcomes},
            mode=RuleInductionType.REGRESSION,
            random_state=seed,
        )
    first = scores.columns[0]
    return scores.sort_values(first, ascending=False)


@dataclass(frozen=True)
class Findings:
    """Everything discovery found on one sample, checked on another."""

    leads: Leads
    noise: Noise
    boxes: list[Box]
    scores: pd.DataFrame
    overall: dict[str, Interval] = field(default_factory=dict)
    """Each policy's mean lead over all worlds."""


def discover_boxes(
    worlds: pd.DataFrame,
    leads: Leads,
    replications: int,
    hold_out: tuple[pd.DataFrame, Leads] | None = None,
    seed: int = 0,
) -> Findings:
    """Boxes, feature scores and the noise check of one discovery sample; each box is also
    measured on the `hold_out` sample when given."""
    boxes = find_boxes(worlds, leads)
    if hold_out is not None:
        boxes = checked_on(boxes, *hold_out)
    overall = {p: mean_interval(leads.leads[p].to_numpy()) for p in leads.policies}
    return Findings(
        leads, noise(leads, replications), boxes, feature_scores(worlds, leads, seed), overall
    )
