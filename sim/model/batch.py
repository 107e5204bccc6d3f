"""Many deals of one scenario, for sweeps and comparisons: metric rows, no agents, no logs.

`simulate_rows(scenario, seeds)` gives, seed by seed, exactly the row `simulate(scenario,
seed).metrics()` gives: the set-up of `template.py` (the scenario's part once, then each seed's
draws), the same compiled weeks (`kernel.run_weeks`) and the same record (`summary`). What it
leaves out is what only a reader of one deal needs: Mesa's agents, the event log (the kernel
counts its lines and keeps none) and the decoding of the sellers' and the deal's log lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from sim.config.scenario import Scenario
from sim.model import kernel as k
from sim.model.logbook import WeeklyLog
from sim.model.observation import planned_desk
from sim.model.result import DealResult
from sim.model.state import Events, desk_slots
from sim.model.summary import deal_record
from sim.model.template import DealTemplate, draws_needed, draws_per_hour

NO_EVENT_ROOM_CHECK = -(2**62)
"""The event-log room `run_weeks` asks for when no log is kept: never more than there is."""


def simulate_rows(scenario: Scenario, seeds: Iterable[int]) -> list[dict[str, Any]]:
    """The metric row of each seed's deal (`DealResult.metrics()`), in the order of `seeds`."""
    template = DealTemplate(scenario)
    return [run_deal(template, seed).metrics() for seed in seeds]


def run_deal(template: DealTemplate, seed: int) -> DealResult:
    """The deal of (scenario, seed) as `simulate` runs it, recorded without its logs."""
    scenario = template.scenario
    drawn = template.draw(seed)
    events, members = drawn.exogenous_events, drawn.members
    world, network, net, committee = drawn.world, drawn.network, drawn.net, drawn.committee
    n = len(members.kinds)
    names = template.names(members)
    options = template.option_names
    seller_streams = drawn.states.sellers
    chart = template.org_chart(members)
    desks = []
    for slot in template.sellers:
        desk = planned_desk(slot.desk, chart, slot.vendor, slot.source_index,
                            seller_streams[slot.vendor], None, len(template.criteria),
                            slot.seller_class.code)  # fmt: skip
        slot.seller_class.prepare(desk, slot.spec, net)
        desks.append(desk)
    n_sellers = len(desks)
    all_desks = desk_slots(tuple(desks), len(template.vendor_indices))
    deal = template.deal(events, seller_streams[template.status_quo_index], n_sellers, n)
    weekly = WeeklyLog(names, options, scenario.horizon_weeks)
    log = Events(
        codes=np.zeros((0, 5), dtype=np.int32),
        values=np.zeros(0),
        count=np.zeros(2, dtype=np.int64),
        members=n,
        options=len(options),
        criteria=len(template.criteria),
        sources=len(template.information.keys),
    )
    uniforms, normals = draws_needed(draws_per_hour(world.params), template.week_hours(members), n)
    status = deal.status
    while not status[k.StatusColumn.DONE]:
        k.run_weeks(committee, world, net, drawn.behaviour.ready(uniforms, normals), log, all_desks,
                    n_sellers, deal, weekly.rows, len(options), uniforms, normals,
                    NO_EVENT_ROOM_CHECK)  # fmt: skip
        for desk in all_desks:
            desk.line_count[0] = 0
        deal.line_count[0] = 0
    week = int(world.params[k.Param.WEEK])
    weekly.weeks = week
    told = network.told if network is not None else {}
    return deal_record(template, seed, names, committee, deal, week,
                       [all_desks[s] for s in deal.order.tolist()], told, weekly)  # fmt: skip
