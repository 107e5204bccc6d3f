"""A deal's record (`DealResult`) read from its arrays once it has ended.

Both the Mesa model (`BuyingCommitteeModel.result`) and the batch path (`batch.simulate_rows`)
read their deals here, so a deal's metrics have one definition whichever path ran it; the
model adds the logs and the committee's members, which a batch never reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.model import kernel as k
from sim.model.decision import STALL_REASONS, quality_of
from sim.model.logbook import CAUSES, OUTCOMES, WeeklyLog
from sim.model.metrics import loopbacks
from sim.model.result import DealResult, Outcome
from sim.model.stakeholder import JOBS
from sim.model.state import Committee, Deal, Desk
from sim.model.template import DealTemplate


def deal_record(
    template: DealTemplate,
    seed: int,
    names: Sequence[str],
    committee: Committee,
    deal: Deal,
    week: int,
    desks: Sequence[Desk],
    told: dict[str, int],
    weekly: WeeklyLog,
    **logs: Any,
) -> DealResult:
    """The record of an ended deal: `names` of the members by seat, the sellers' `desks` in
    the deal's last calling order, the peer claims `told`; `logs` are `DealResult`'s log
    fields (events, stakeholders, committee_weekly), empty when not given."""
    scenario = template.scenario
    status = deal.status
    code = int(status[k.StatusColumn.OUTCOME])
    outcome = Outcome.OPEN if code < 0 else OUTCOMES[code]
    chosen = None if status[k.StatusColumn.CHOSEN] < 0 else int(status[k.StatusColumn.CHOSEN])
    purchase = outcome in (Outcome.WON, Outcome.LOST)
    member = committee.member
    quality = (
        quality_of(  # each member's influence, priorities and belief of the chosen option
            np.ascontiguousarray(member[:, k.MemberColumn.INFLUENCE]),
            committee.priorities,
            np.ascontiguousarray(committee.beliefs[:, k.BeliefField.MEAN, chosen]),
            chosen,
            template.truth_array,
            template.vendor_index_array,
            scenario.decision.regret_margin,
        )
        if purchase and chosen is not None
        else None
    )
    regret = quality.regret if quality is not None else None
    agreed = float(status[k.StatusColumn.AGREEMENT])
    agreement = None if math.isnan(agreed) else agreed
    cause, stall = int(status[k.StatusColumn.CAUSE]), int(status[k.StatusColumn.STALL])
    totals = (
        member[:, k.MemberColumn.TOTAL_HOURS : k.MemberColumn.TOTAL_HOURS + k.N_JOBS]
        .sum(axis=0)
        .tolist()
    )
    vendor_names = [template.option_names[desk.vendor] for desk in desks]
    loops = loopbacks(committee.jobs, committee.counts[:, k.CountColumn.WEEKS_RECORDED])
    return DealResult(
        scenario=scenario.name,
        seed=seed,
        horizon_weeks=scenario.horizon_weeks,
        outcome=outcome,
        no_decision_cause=None if cause < 0 else CAUSES[cause],
        stall_reason=None if stall < 0 else STALL_REASONS[stall],
        chosen_option=template.option_names[chosen] if chosen is not None else None,
        cycle_weeks=week if outcome is not Outcome.OPEN else None,
        weeks_simulated=week,
        regret=regret,
        regret_shortfall=quality.shortfall if quality is not None else None,
        regret_degree=quality.degree if quality is not None else None,
        agreement=agreement,
        consensus=None if agreement is None else agreement >= scenario.decision.consensus_level,
        high_quality=purchase and not regret,
        # The mean as NumPy's mean computes it (its sum, divided by the count), without its
        # cost for one column.
        purchase_ease=1.0 - float(member[:, k.MemberColumn.PEAK_FATIGUE].sum()) / len(names),
        n_stakeholders=len(names),
        loopbacks=dict(zip(names, loops, strict=True)),
        hours_by_job={job.value: hours for job, hours in zip(JOBS, totals, strict=True)},
        hours_with_sellers=float(member[:, k.MemberColumn.TOTAL_HOURS_WITH_SELLERS].sum()),
        hours_seeking_alone=float(member[:, k.MemberColumn.HOURS_SEEKING_ALONE].sum()),
        seller_hours={
            name: float(desk.state[k.DeskColumn.HOURS_SPENT])
            for name, desk in zip(vendor_names, desks, strict=True)
        },
        stakeholders_reached={
            name: int(np.count_nonzero(desk.reached))
            for name, desk in zip(vendor_names, desks, strict=True)
        },
        buyer_hours={
            name: float(desk.state[k.DeskColumn.BUYER_HOURS])
            for name, desk in zip(vendor_names, desks, strict=True)
        },
        claims_discredited=int(committee.counts[:, k.CountColumn.CLAIMS_DISCREDITED].sum()),
        peer_claims=told,
        conflicts=int(committee.counts[:, k.CountColumn.CONFLICTS].sum()),
        vetoes=int(status[k.StatusColumn.VETOES]),
        our_vendor=scenario.our_vendor,
        strategies=dict(template.strategies),
        option_labels=dict(zip(template.option_names, template.option_labels, strict=True)),
        weekly=weekly,
        **logs,
    )
