"""One member's mechanisms, for tests: each function runs the compiled mechanism of the same
name (sim/model/kernel.py) for one stakeholder's row.

The model runs the week over all rows at once (`kernel.committee_week`); a mechanism test
needs one member at a time, with the model's own arrays, draws and event log, so that what it
checks is exactly what the week runs. `Stakeholder` is a view of its row and has no behaviour.
"""

from __future__ import annotations

from sim.model import kernel as k
from sim.model.information import Claim
from sim.model.stakeholder import JOBS, BuyingJob, Stakeholder


def start_week(member: Stakeholder) -> None:
    """`kernel.start_week`: this week's hours, and the share of them sellers may have."""
    model = member.model
    k.start_week(model.committee.member, model.world.params, member.seat)


def weekly_budget(member: Stakeholder) -> float:
    """`kernel.weekly_budget`: hours available this week, fewer when tired."""
    return k.weekly_budget(member.model.committee.member, member.seat)


def grant_meeting(member: Stakeholder, seller_source: str, hours: float) -> float:
    """`kernel.grant_meeting`: the hours of a seller's meeting this member grants."""
    model = member.model
    committee = model.committee
    source = model.information.index[seller_source]
    return k.grant_meeting(committee.member, committee.trust, member.seat, source, hours)


def choose_job(member: Stakeholder) -> BuyingJob:
    """`kernel.choose_job`: a softmax over its needs, on the model's behaviour stream."""
    model = member.model
    code = k.choose_job(model.committee, model.world.params, model.draws_for(1), member.seat)
    return JOBS[code]


def seek(member: Stakeholder) -> float:
    """`kernel.seek`: one hour of seeking; returns the hour's share spent with a seller."""
    model = member.model
    model.open_inquiries()
    share = k.seek(
        model.committee, model.world, model.net, model.draws_for(1), model.events_room(1),
        member.seat,
    )  # fmt: skip
    model.close_inquiries()
    return share


def validate(member: Stakeholder) -> Claim:
    """`kernel.validate`: check a recent claim; returns the check as it was heard."""
    model = member.model
    checker, check, weight, option, criterion = k.validate(
        model.committee, model.world, model.net, model.draws_for(1), model.events_room(1),
        member.seat,
    )  # fmt: skip
    origin = model.information.keys[checker]
    sd = model.information.noise(origin)
    return Claim(option, criterion, check, origin, weight, model.week, True, origin, sd)


def align(member: Stakeholder) -> None:
    """`kernel.align`: one hour of aligning with a colleague it picks."""
    model = member.model
    k.align(model.committee, model.world.params, model.draws_for(1), model.events_room(1),
            member.seat)  # fmt: skip


def align_with(member: Stakeholder, partner: Stakeholder, hours: float = 1.0) -> bool:
    """`kernel.align_with`: converge (True) or clash with `partner`, for `hours` together."""
    model = member.model
    return k.align_with(model.committee, model.world.params, model.events_room(1),
                        member.seat, partner.seat, hours)  # fmt: skip


def hear(
    member: Stakeholder,
    option: int,
    criterion: int,
    value: float,
    origin: str,
    *,
    sd: float,
    channel: str = "",
    validated: bool = False,
    attended: float = 1.0,
) -> Claim:
    """`kernel.hear`: take in a claim from `origin` (delivered by `channel`); returns the
    claim with the weight it was given."""
    model = member.model
    index = model.information.index
    source = index[origin]
    delivered_by = index[channel] if channel else source
    weight = k.hear(model.committee, model.world.params, member.seat, option, criterion, value,
                    source, sd, delivered_by, validated, attended)  # fmt: skip
    return Claim(option, criterion, value, origin, weight, model.week, validated,
                 channel or origin, sd)  # fmt: skip


def feel_pressure(
    member: Stakeholder, seller_source: str, vendor: int, pressure: float, reactance: float
) -> None:
    """`kernel.feel_pressure`: a seller's deadline through this member's own state."""
    model = member.model
    source = model.information.index[seller_source]
    k.feel_pressure(model.committee, member.seat, source, vendor, pressure, reactance)


def appraise(member: Stakeholder) -> None:
    """`kernel.appraise`: value every option, confidence and uncertainty."""
    k.appraise(member.model.committee, member.model.world.params, member.seat)
