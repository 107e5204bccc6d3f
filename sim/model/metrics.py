"""Per-deal metric definitions (MODEL.md section 4), each a small function over plain data
so it can be unit-tested on a hand-made deal log and documented in docs/ODD.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model import kernel as k

if TYPE_CHECKING:
    from sim.model.result import DealResult

JOB_NAMES = ("seek", "validate", "align")
PEER_CLAIM_KINDS = ("experience", "content", "hearsay", "opinion")
"""What a peer in the network passed on: a customer's experience, a social seller's
content, hearsay from a customer they know, or a generic opinion."""
JOB_MOVES = tuple((a, b) for a in JOB_NAMES for b in JOB_NAMES if a != b)
"""Every change of main job from one week to a later one: the edges of the maze."""

METRIC_TYPES: dict[str, type] = {
    "scenario": str,
    "seed": int,
    "outcome": str,
    "no_decision_cause": str,
    "stall_reason": str,
    "chosen_option": str,
    "cycle_weeks": int,
    "weeks_simulated": int,
    "censored": bool,
    "regret": bool,
    "regret_shortfall": float,
    "regret_degree": float,
    "agreement": float,
    "consensus": bool,
    "high_quality": bool,
    "our_high_quality": bool,
    "purchase_ease": float,
    "n_stakeholders": int,
    "loopbacks": int,
    "loopbacks_per_stakeholder": float,
    "any_loopback": bool,
    "share_seek": float,
    "share_validate": float,
    "share_align": float,
    "share_with_sellers": float,
    "share_seeking_alone": float,
    "buying_hours": float,
    "our_strategy": str,
    "our_seller_hours": float,
    "our_stakeholders_reached": int,
    "our_buyer_hours": float,
    "seller_hours": float,
    "claims_discredited": int,
    "conflicts": int,
    "vetoes": int,
    **{f"moves_{a}_{b}": int for a, b in JOB_MOVES},
    **{f"peer_{kind}": int for kind in PEER_CLAIM_KINDS},
}
"""The columns of `deal_metrics`, with their types (any may be missing: None), for stores.
Results folders written before a column existed lack it: `regret_shortfall` and
`regret_degree` read as missing (NULL in a query) there."""


JOB_CODES = {**{job: code for code, job in enumerate(JOB_NAMES)}, "idle": k.IDLE}
"""A week's main job by name, as the kernel codes it (`kernel.SEEK` ... `ALIGN`, `IDLE`)."""


def job_flows(jobs: np.ndarray, weeks: np.ndarray) -> tuple[list[int], dict[tuple[str, str], int]]:
    """Each member's loop-backs and the committee's job moves (`kernel.job_flows`), from the
    busiest job codes `jobs` [member, week] of its first `weeks[member]` weeks."""
    loops = np.zeros(jobs.shape[0], dtype=np.int64)
    moves = np.zeros((len(JOB_NAMES), len(JOB_NAMES)), dtype=np.int64)
    k.job_flows(jobs, weeks, loops, moves)
    counts = moves.tolist()
    index = JOB_CODES
    return loops.tolist(), {(a, b): counts[index[a]][index[b]] for a, b in JOB_MOVES}


def loopbacks(jobs: np.ndarray, weeks: np.ndarray) -> list[int]:
    """Each member's loop-backs (`job_flows`' first part, without building the moves)."""
    loops = np.zeros(jobs.shape[0], dtype=np.int64)
    k.job_flows(jobs, weeks, loops, np.zeros((len(JOB_NAMES), len(JOB_NAMES)), dtype=np.int64))
    return loops.tolist()


def coded(weekly_jobs: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of job names (one per member) as `job_flows` reads them: codes and lengths."""
    weeks = np.array([len(jobs) for jobs in weekly_jobs], dtype=np.int64)
    codes = np.full((len(weekly_jobs), int(weeks.max(initial=0))), k.IDLE, dtype=np.int8)
    for i, jobs in enumerate(weekly_jobs):
        codes[i, : len(jobs)] = [JOB_CODES[job] for job in jobs]
    return codes, weeks


def count_loopbacks(weekly_jobs: Sequence[str]) -> int:
    """Times a stakeholder returns to a job it had left: its main job of a week differs from
    the previous week's and was its main job in some earlier week. Idle weeks are skipped."""
    return job_flows(*coded([weekly_jobs]))[0][0]


def job_moves(weekly_jobs: Sequence[str]) -> dict[tuple[str, str], int]:
    """How often a stakeholder's main job changed from one job to another (idle weeks
    skipped): the flows of the Sankey diagram of the maze."""
    return job_flows(*coded([weekly_jobs]))[1]


def deal_job_moves(deal: DealResult) -> dict[tuple[str, str], int]:
    """`job_moves` summed over the committee."""
    weekly = deal.weekly
    if hasattr(weekly, "job_codes"):  # a run's own log: its arrays, read at once
        return job_flows(*weekly.job_codes())[1]
    sequences: dict[str, list[str]] = {}
    for state in weekly:
        sequences.setdefault(state.stakeholder, []).append(state.job)
    return job_flows(*coded(list(sequences.values())))[1]


def job_shares(hours_by_job: dict[str, float]) -> dict[str, float]:
    """Share of buying time per job; the shares sum to 1 (all zero when no time was spent)."""
    total = sum(hours_by_job.get(job, 0.0) for job in JOB_NAMES)
    if total <= 0:
        return dict.fromkeys(JOB_NAMES, 0.0)
    return {job: hours_by_job.get(job, 0.0) / total for job in JOB_NAMES}


def share_of_buying_time(hours_by_job: dict[str, float], hours: float) -> float:
    """`hours` as a share of all stakeholder buying time (0 when no time was spent; never
    above 1, which sums of fractional hours could otherwise pass by a rounding error)."""
    total = sum(hours_by_job.get(job, 0.0) for job in JOB_NAMES)
    return min(1.0, hours / total) if total > 0 else 0.0


def share_with_sellers(hours_by_job: dict[str, float], hours_with_sellers: float) -> float:
    """Share of all stakeholder buying time spent in seller interactions."""
    return share_of_buying_time(hours_by_job, hours_with_sellers)


def deal_metrics(deal: DealResult) -> dict[str, Any]:
    """The flat row of one deal."""
    shares = job_shares(deal.hours_by_job)
    loops = list(deal.loopbacks.values())
    return {
        "scenario": deal.scenario,
        "seed": deal.seed,
        "outcome": deal.outcome.value,
        "no_decision_cause": deal.no_decision_cause.value if deal.no_decision_cause else None,
        "stall_reason": deal.stall_reason,
        "chosen_option": deal.chosen_option,
        "cycle_weeks": deal.cycle_weeks,
        "weeks_simulated": deal.weeks_simulated,
        "censored": deal.censored,
        "regret": deal.regret,
        "regret_shortfall": deal.regret_shortfall,
        "regret_degree": deal.regret_degree,
        "agreement": deal.agreement,
        "consensus": deal.consensus,
        "high_quality": deal.high_quality,
        # Our vendor's view: a deal we won that is high quality and low regret for the buyer.
        "our_high_quality": deal.outcome.value == "won" and deal.high_quality,
        "purchase_ease": deal.purchase_ease,
        "n_stakeholders": deal.n_stakeholders,
        "loopbacks": sum(loops),
        "loopbacks_per_stakeholder": sum(loops) / len(loops) if loops else 0.0,
        "any_loopback": any(n > 0 for n in loops),
        "share_seek": shares["seek"],
        "share_validate": shares["validate"],
        "share_align": shares["align"],
        "share_with_sellers": share_with_sellers(deal.hours_by_job, deal.hours_with_sellers),
        "share_seeking_alone": share_of_buying_time(deal.hours_by_job, deal.hours_seeking_alone),
        "buying_hours": sum(deal.hours_by_job.values()),
        "our_strategy": deal.strategies.get(deal.our_vendor, "none"),
        "our_seller_hours": deal.seller_hours.get(deal.our_vendor, 0.0),
        "our_stakeholders_reached": deal.stakeholders_reached.get(deal.our_vendor, 0),
        "our_buyer_hours": deal.buyer_hours.get(deal.our_vendor, 0.0),
        "seller_hours": sum(deal.seller_hours.values()),
        "claims_discredited": deal.claims_discredited,
        "conflicts": deal.conflicts,
        "vetoes": deal.vetoes,
        **{f"moves_{a}_{b}": n for (a, b), n in deal_job_moves(deal).items()},
        **{f"peer_{kind}": deal.peer_claims.get(kind, 0) for kind in PEER_CLAIM_KINDS},
    }
