"""The committee's week, compiled: every stakeholder mechanism of docs/ODD.md section 7 as one
`numba` function over the committee's state arrays (`sim/model/state.py`).

This module *is* the stakeholder model: `Stakeholder` (a Mesa agent) reads its row of the
arrays, and its methods call these functions. There is no second copy in Python. With
`NUMBA_DISABLE_JIT=1` the same functions run as plain Python over the same arrays, for
debugging and for the mechanism tests.

Reading a mechanism: find the function named as ODD.md names it (`seek`, `validate`,
`align_with`, `hear`, `appraise`, ...). Its arguments are the namedtuples of
`sim/model/state.py`; `c.member[i, MemberColumn.FATIGUE]` is member i's fatigue,
`c.beliefs[i, BeliefField.MEAN, o, k]` its mean belief about option o on criterion k,
`c.trust[i, s]` its trust in source s (source indices: `INDEPENDENT_RESEARCH`, `PEERS`,
`COLLEAGUES`, `REFERENCES`, then each vendor's content and seller, see `content_source` and
`seller_source`). The layout below names every column of every array, one `IntEnum` per array
(`MemberColumn`, `Param`, ...; numba indexes with their members as with integers, but cannot
turn one into a float: they are column numbers, never values).

The stakeholder and seller mechanisms live in this one module, so a reader finds each in one
place. The deal's set-up draws are compiled beside their Python (`pcg`, `committee`,
`exogenous`, `streams`); numba's cache only checks the file of the function it compiled, so
each compiled function's cache is stamped with every one of these files
(`compilation.COMPILED_MODULES`) and an edit to any recompiles all that may have inlined it.
"""

from __future__ import annotations

import math
from enum import IntEnum, unique

import numpy as np
from numba import types
from numba.extending import intrinsic, models, overload, register_model

from sim.model.compilation import inlined, kernel

# ---- layout ------------------------------------------------------------------------------

# jobs: int8 [n, horizon + 1], each week's busiest job
SEEK = 0
VALIDATE = 1
ALIGN = 2
IDLE = -1
N_JOBS = 3


def layout_width(columns: type[IntEnum], spans: dict | None = None) -> int:
    """An array's width: one past its last column, a column of several (`spans`) counting all
    of them (tests/test_layout.py checks that no two columns overlap)."""
    spans = spans or {}
    return max(column + spans.get(column, 1) for column in columns)


# member: float64 [n, N_MEMBER_COLUMNS], one row per stakeholder
@unique
class MemberColumn(IntEnum):
    """The columns of `Committee.member`: one per scalar of a stakeholder (`Stakeholder`
    reads them as attributes of the same name in lower case)."""

    INFLUENCE = 0
    VETO = 1
    RISK_AVERSION = 2
    STUBBORNNESS = 3
    OPEN_MINDEDNESS = 4
    WEEKLY_HOURS = 5
    LOAD = 6
    OVERLOAD = 7
    FATIGUE = 8
    PEAK_FATIGUE = 9
    FATIGUE_FROM_CONFLICT = 10
    FATIGUE_FROM_OVERLOAD = 11
    HOURS_LEFT = 12
    SELLER_TIME_LEFT = 13
    FELT_DEADLINE = 14
    CONSENSUS_HELP = 15
    WEEK_HOURS = 16  # three columns, one per job (seek, validate, align)
    WEEK_HOURS_WITH_SELLERS = 19
    TOTAL_HOURS = 20  # three columns, one per job
    TOTAL_HOURS_WITH_SELLERS = 23
    HOURS_SEEKING_ALONE = 24
    LAST_WEEK_HOURS = 25  # three columns per job, then the hours with sellers
    CONFIDENCE = 29
    UNCERTAINTY = 30
    DISAGREEMENT = 31
    REACTANCE = 32  # 0-1, saturating: how much it has turned against sellers' pressure


MEMBER_SPANS = {
    MemberColumn.WEEK_HOURS: N_JOBS,
    MemberColumn.TOTAL_HOURS: N_JOBS,
    MemberColumn.LAST_WEEK_HOURS: N_JOBS + 1,
}
"""Columns that hold several values (one per job; last week's hours then the
hours with sellers)."""
N_MEMBER_COLUMNS = layout_width(MemberColumn, MEMBER_SPANS)


# counts: int64 [n, N_COUNT_COLUMNS]
@unique
class CountColumn(IntEnum):
    """The integer columns of `Committee.counts`, one row per stakeholder."""

    PREFERRED = 0
    RECENT_COUNT = 1
    CLAIMS_DISCREDITED = 2
    CONFLICTS = 3
    WEEKS_RECORDED = 4


N_COUNT_COLUMNS = layout_width(CountColumn)


# beliefs: float64 [n, N_BELIEF_FIELDS, options, criteria], sufficient statistics (7.2)
@unique
class BeliefField(IntEnum):
    """The sufficient statistics of a belief (7.2): the second axis of `Committee.beliefs`."""

    PRIOR_PRECISION = 0
    PRIOR_MEAN = 1
    CLAIM_WEIGHT = 2
    CLAIM_SUM = 3
    CLAIM_SQUARES = 4
    MEAN = 5
    SD = 6


N_BELIEF_FIELDS = layout_width(BeliefField)

# recent: float64 [n, RECENT_CLAIMS, N_CLAIM_FIELDS], the claims kept in mind for validation,
# oldest first; counts[i, CountColumn.RECENT_COUNT] of them are live.
RECENT_CLAIMS = 12
"""Claims a stakeholder keeps in mind as candidates for validation; older ones are taken as
they are."""


@unique
class ClaimField(IntEnum):
    """The fields of a claim kept in mind (`Committee.recent`, last axis)."""

    OPTION = 0
    CRITERION = 1
    VALUE = 2
    ORIGIN = 3
    WEIGHT_HELD = 4
    SD = 5
    CHANNEL = 6
    WEEK = 7


N_CLAIM_FIELDS = layout_width(ClaimField)

# sources: fixed independent kinds first, then (vendor_content, seller) per vendor option
INDEPENDENT_RESEARCH = 0
PEERS = 1
COLLEAGUES = 2
REFERENCES = 3
N_INDEPENDENT_SOURCES = 4


# params: float64 [N_PARAMS], the scenario's numbers and the account's state this week
@unique
class Param(IntEnum):
    """The cells of `World.params`: the scenario's numbers and the account's state."""

    SELLER_TIME_SHARE = 0
    PRIOR_SD = 1
    CHOICE_NOISE = 2
    CLAIMS_FOUND = 3  # claims per seek hour x information overload
    ATTENTION = 4
    VALIDATION_Z = 5
    CONFIRMATION_BOOST = 6
    TRUST_GAIN = 7
    TRUST_LOSS = 8
    CONVERGENCE = 9
    CONFLICT_FATIGUE = 10
    OVERLOAD_FATIGUE = 11
    FATIGUE_RECOVERY = 12
    OVERLOAD_RECOVERY = 13
    URGENCY_DECAY = 14
    CLAIM_PRECISION = 15
    PAIN = 16
    URGENCY = 17
    WEEK = 18
    DISCLOSURE = 19


N_PARAMS = layout_width(Param)


# weekly rows: float64 [horizon, n, N_WEEK_FIELDS], each member at the end of each week
# (`WeeklyLog.rows`, read as `WeekState`s: the fields of the same name in lower case)
@unique
class WeekField(IntEnum):
    """The fields of a member's weekly row (`record_week`), in `WeekState`'s order."""

    JOB = 0  # its busiest job (`SEEK` ... `ALIGN`, or `IDLE`)
    HOURS_SEEK = 1
    HOURS_VALIDATE = 2
    HOURS_ALIGN = 3
    HOURS_WITH_SELLERS = 4
    PREFERRED = 5
    CONFIDENCE = 6
    FATIGUE = 7
    OVERLOAD = 8


N_WEEK_FIELDS = layout_width(WeekField)


# the event log's fixed words (codes in sim/model/logbook.py: members first, then these)
@unique
class EventWord(IntEnum):
    """The event log's own words, coded after the members' names (sim/model/logbook.py
    reads them as the members' names in lower case)."""

    SEEK = 0
    VALIDATE = 1
    ALIGN = 2
    CONVERGED = 3
    CLASHED = 4


N_WORDS = layout_width(EventWord)

# the peer network's kinds of claim (7.16.2)
EXPERIENCE = 0
CONTENT = 1
HEARSAY = 2
OPINION = 3

STATUS_QUO = 0
"""Option 0 is doing nothing; options 1.. are the vendors."""

CONTRADICTION_WEIGHT = 0.5
"""kappa: how much disagreement among held claims adds to perceived variance."""
TRUST_FLOOR = 0.02
"""Trust never falls below this: a discredited source is doubted, not ignored forever."""
MIN_TRUST_TO_MEET = 0.15
"""Below this trust in a seller, a stakeholder declines its meetings."""

SATISFIED_SPIN = 0.05
REGRETFUL_SPIN = -0.15
EXPERIENCE_NOISE = 0.05
HEARSAY_NOISE = 0.10
CONTENT_SPIN = 0.05
CONTENT_NOISE = 0.06


# ---- sources and draws -------------------------------------------------------------------


@inlined
def content_source(option: int) -> int:
    """Trust key index of a vendor option's own content."""
    return N_INDEPENDENT_SOURCES + 2 * (option - 1)


@inlined
def seller_source(option: int) -> int:
    """Trust key index of a vendor option's seller."""
    return N_INDEPENDENT_SOURCES + 2 * (option - 1) + 1


@inlined
def next_draw(block, cursor, slot: int) -> float:
    """The next unused number of a block of draws; `cursor[slot]` counts those used."""
    k = cursor[slot]
    if k >= block.shape[0]:
        raise RuntimeError("behaviour draws exhausted: the week's bound was too small")
    cursor[slot] = k + 1
    return block[k]


@inlined
def uniform(draws) -> float:
    """The next uniform draw of the committee's behaviour stream (see `Draws`)."""
    return next_draw(draws.uniform, draws.cursor, 0)


@inlined
def gauss(draws) -> float:
    """The next standard-normal draw of the committee's behaviour stream."""
    return next_draw(draws.normal, draws.cursor, 1)


@inlined
def randbelow(draws, n: int) -> int:
    """A uniform integer in [0, n)."""
    k = int(uniform(draws) * n)
    return k if k < n else n - 1


# ---- 7.1 claim value ---------------------------------------------------------------------


@inlined
def claim_value(true_quality: float, bias: float, noise_draw: float) -> float:
    """The value a source states, given the truth, its bias toward the option, and noise:
    v = clip(q + bias * (1 - q) + noise, 0, 1), so a vendor overclaims most where it is weak."""
    value = true_quality + bias * (1.0 - true_quality) + noise_draw
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


@inlined
def state_claim(world, source: int, option: int, criterion: int, gauss_draw: float) -> float:
    """What `source` says about (option, criterion), given a standard-normal draw."""
    return claim_value(
        world.truth[option, criterion],
        world.bias[source, option],
        world.noise[source] * gauss_draw,
    )


# ---- 7.2 beliefs as sufficient statistics ------------------------------------------------


@inlined
def shift_belief(beliefs, i: int, o: int, c: int, value: float, weight: float) -> None:
    """Add (weight > 0) or remove (weight < 0) a claim's weight at `value` in cell (o, c) of
    member i's beliefs [member, field, option, criterion], and refresh its mean and sd:
    P = P0 + sum w, m = (P0 m0 + sum w v) / P, s2 = 1/P + kappa * D."""
    w = beliefs[i, BeliefField.CLAIM_WEIGHT, o, c] + weight
    if w < 1e-9:  # all claims about this cell gone: back to the prior exactly
        w, s, q = 0.0, 0.0, 0.0
    else:
        s = beliefs[i, BeliefField.CLAIM_SUM, o, c] + weight * value
        q = beliefs[i, BeliefField.CLAIM_SQUARES, o, c] + weight * value * value
    beliefs[i, BeliefField.CLAIM_WEIGHT, o, c] = w
    beliefs[i, BeliefField.CLAIM_SUM, o, c] = s
    beliefs[i, BeliefField.CLAIM_SQUARES, o, c] = q
    p0 = beliefs[i, BeliefField.PRIOR_PRECISION, o, c]
    precision = p0 + w
    beliefs[i, BeliefField.MEAN, o, c] = (
        p0 * beliefs[i, BeliefField.PRIOR_MEAN, o, c] + s
    ) / precision
    spread = 0.0
    if w > 0.0:
        claims_mean = s / w
        spread = max(0.0, q / w - claims_mean * claims_mean)
    beliefs[i, BeliefField.SD, o, c] = math.sqrt(1.0 / precision + CONTRADICTION_WEIGHT * spread)


# ---- 7.3 absorption: hearing a claim -----------------------------------------------------


@inlined
def hear(
    c,
    params,
    i: int,
    option: int,
    criterion: int,
    value: float,
    origin: int,
    sd: float,
    channel: int,
    validated: bool,
    attended: float,
) -> float:
    """Member i takes in a claim: its weight grows with trust in its origin (whoever relayed
    it, `channel`), with the hours of attention it got (`attended`: an hour conveys it at full
    weight) and shrinks once the week's information load exceeds the member's attention. An
    unchecked claim joins the recent claims (the oldest drops out). Returns its weight."""
    member = c.member
    member[i, MemberColumn.LOAD] += attended
    attention = params[Param.ATTENTION]
    load = member[i, MemberColumn.LOAD]
    absorption = 1.0 if load <= attention else attention / load
    weight = c.trust[i, origin] * absorption * attended * params[Param.CLAIM_PRECISION]
    shift_belief(c.beliefs, i, option, criterion, value, weight)
    if validated:
        return weight
    recent = c.recent
    n = c.counts[i, CountColumn.RECENT_COUNT]
    if n == RECENT_CLAIMS:
        forget_recent(c, i, 0)
        n -= 1
    recent[i, n, ClaimField.OPTION] = option
    recent[i, n, ClaimField.CRITERION] = criterion
    recent[i, n, ClaimField.VALUE] = value
    recent[i, n, ClaimField.ORIGIN] = origin
    recent[i, n, ClaimField.WEIGHT_HELD] = weight
    recent[i, n, ClaimField.SD] = sd
    recent[i, n, ClaimField.CHANNEL] = channel
    recent[i, n, ClaimField.WEEK] = params[Param.WEEK]
    c.counts[i, CountColumn.RECENT_COUNT] = n + 1
    return weight


@inlined
def forget_recent(c, i: int, k: int) -> None:
    """Take recent claim k out of member i's mind (it has been checked)."""
    recent = c.recent
    n = c.counts[i, CountColumn.RECENT_COUNT]
    for j in range(k, n - 1):
        for f in range(N_CLAIM_FIELDS):
            recent[i, j, f] = recent[i, j + 1, f]
    c.counts[i, CountColumn.RECENT_COUNT] = n - 1


# ---- 7.4 attention -----------------------------------------------------------------------


@inlined
def weekly_budget(member, i: int) -> float:
    """Member i's hours this week: fewer when tired."""
    return member[i, MemberColumn.WEEKLY_HOURS] * (1.0 - member[i, MemberColumn.FATIGUE])


@kernel
def start_week(member, params, i: int) -> None:
    """Set member i's hours this week (`weekly_budget`) and the share of them sellers may
    have, before any seller asks for a meeting."""
    hours = weekly_budget(member, i)
    member[i, MemberColumn.HOURS_LEFT] = hours
    member[i, MemberColumn.SELLER_TIME_LEFT] = hours * params[Param.SELLER_TIME_SHARE]


@kernel
def open_week(member, params) -> None:
    """`start_week` for every member."""
    for i in range(member.shape[0]):
        start_week(member, params, i)


@inlined
def grant_meeting(member, trust, i: int, source: int, hours: float) -> float:
    """The hours of a requested meeting member i gives a seller: as much of it as its
    allowance for sellers still holds, none if it no longer trusts the seller enough.
    Continuous in `hours`: a meeting's length changes its cost, never whether it happens."""
    if trust[i, source] < MIN_TRUST_TO_MEET:
        return 0.0
    return max(0.0, min(hours, member[i, MemberColumn.SELLER_TIME_LEFT]))


@inlined
def book_seller_time(member, i: int, hours: float, job: int) -> None:
    """A seller meeting takes `hours` of member i's week, counted under `job`."""
    member[i, MemberColumn.HOURS_LEFT] -= hours
    member[i, MemberColumn.SELLER_TIME_LEFT] -= hours
    member[i, MemberColumn.WEEK_HOURS + job] += hours
    member[i, MemberColumn.WEEK_HOURS_WITH_SELLERS] += hours


@inlined
def take_meeting(member, trust, i: int, source: int, hours: float, job: int) -> float:
    """A seller asks member i for a meeting of `hours`: the member gives what it grants
    (`grant_meeting`) and books it (`book_seller_time`). Returns the hours given."""
    granted = grant_meeting(member, trust, i, source, hours) if hours > 0.0 else 0.0
    if granted <= 1e-9:
        return 0.0
    book_seller_time(member, i, granted, job)
    return granted


@kernel
def take_group_meeting(member, trust, invited, source: int, hours: float, job: int, granted):
    """A seller invites members `invited` to one meeting of `hours`: each would give what it
    grants (`grant_meeting`, into `granted`); the meeting happens, and each attendee books
    its hours, only if at least two attend. Returns how many attended (0 if it did not
    happen)."""
    attending = 0
    for k in range(invited.shape[0]):
        granted[k] = grant_meeting(member, trust, invited[k], source, hours) if hours > 0 else 0.0
        if granted[k] > 1e-9:
            attending += 1
        else:
            granted[k] = 0.0
    if attending < 2:
        return 0
    for k in range(invited.shape[0]):
        if granted[k] > 0.0:
            book_seller_time(member, invited[k], granted[k], job)
    return attending


# ---- 7.5 needs and the softmax choice ----------------------------------------------------


@inlined
def vendor_uncertainty(c, i: int) -> float:
    """What member i does not know about the vendors, on what matters to it: the sum over
    vendor options and criteria of priority x sd."""
    total = 0.0
    for o in range(1, c.beliefs.shape[2]):
        for k in range(c.beliefs.shape[3]):
            total += c.priorities[i, k] * c.beliefs[i, BeliefField.SD, o, k]
    return total


@inlined
def needs(c, params, i: int) -> tuple[float, float, float]:
    """How much member i needs each job now, each on a 0-1 scale. seek: its uncertainty about
    the vendors on what matters to it, damped by overload; validate: doubt about the recent
    claims it has not checked; align: its disagreement with the committee."""
    priorities = c.priorities
    n_options = c.beliefs.shape[2]
    seek_need = vendor_uncertainty(c, i) / ((n_options - 1) * params[Param.PRIOR_SD])
    seek_need /= 1.0 + max(0.0, c.member[i, MemberColumn.OVERLOAD] - 1.0)
    doubt = 0.0
    recent = c.recent
    for k in range(c.counts[i, CountColumn.RECENT_COUNT]):
        criterion, origin = (
            int(recent[i, k, ClaimField.CRITERION]),
            int(recent[i, k, ClaimField.ORIGIN]),
        )
        doubt += priorities[i, criterion] * (1.0 - c.trust[i, origin])
    return seek_need, doubt / (doubt + 0.5), c.member[i, MemberColumn.DISAGREEMENT]


@inlined
def choose_job(c, params, draws, i: int) -> int:
    """Softmax over needs with temperature `behaviour.choice_noise`; no validating without a
    claim to check, no aligning alone."""
    seek_need, validate_need, align_need = needs(c, params, i)
    temperature = params[Param.CHOICE_NOISE]
    w_seek = math.exp(seek_need / temperature)
    w_validate = (
        math.exp(validate_need / temperature) if c.counts[i, CountColumn.RECENT_COUNT] > 0 else 0.0
    )
    w_align = math.exp(align_need / temperature) if c.member.shape[0] > 1 else 0.0
    draw = uniform(draws) * (w_seek + w_validate + w_align)
    if draw < w_seek:
        return SEEK
    if draw < w_seek + w_validate:
        return VALIDATE
    return ALIGN


# ---- 7.16.2 asking a peer ----------------------------------------------------------------


@inlined
def knows_peers(net, i: int) -> bool:
    return net.contacts_start.shape[0] > 0 and net.contacts_start[i + 1] > net.contacts_start[i]


@kernel
def ask_peer(net, world, draws, i: int, option: int, criterion: int) -> float:
    """What a peer member i knows says about (option, criterion): a customer's experience,
    a social seller's content, hearsay from a customer it knows, or a generic opinion."""
    start = net.contacts_start[i]
    count = net.contacts_start[i + 1] - start
    peer = net.contacts[start + randbelow(draws, count)]
    noise_draw = gauss(draws)
    truth = world.truth[option, criterion]
    if net.customer[peer] == option:
        net.told[EXPERIENCE] += 1
        spin = SATISFIED_SPIN if net.satisfied[peer] else REGRETFUL_SPIN
        return claim_value(truth, 0.0, spin + EXPERIENCE_NOISE * noise_draw)
    if net.carrier[option, peer]:
        net.told[CONTENT] += 1
        return claim_value(truth, 0.0, CONTENT_SPIN + CONTENT_NOISE * noise_draw)
    hearsay = 0
    for k in range(net.neighbours_start[peer], net.neighbours_start[peer + 1]):
        if net.customer[net.neighbours[k]] == option:
            hearsay += 1
    if hearsay > 0:
        net.told[HEARSAY] += 1
        chosen = randbelow(draws, hearsay)
        for k in range(net.neighbours_start[peer], net.neighbours_start[peer + 1]):
            friend = net.neighbours[k]
            if net.customer[friend] == option:
                if chosen == 0:
                    spin = SATISFIED_SPIN if net.satisfied[friend] else REGRETFUL_SPIN
                    return claim_value(truth, 0.0, spin + HEARSAY_NOISE * noise_draw)
                chosen -= 1
    net.told[OPINION] += 1
    return claim_value(truth, world.bias[PEERS, option], world.noise[PEERS] * noise_draw)


@inlined
def claim_from(net, world, draws, i: int, source: int, option: int, criterion: int) -> float:
    """What `source` tells member i about (option, criterion): through the network when peers
    are asked and there is one, else the source's generic claim."""
    if source == PEERS and net.contacts_start.shape[0] > 0:
        return ask_peer(net, world, draws, i, option, criterion)
    return state_claim(world, source, option, criterion, gauss(draws))


# ---- the event log -----------------------------------------------------------------------


@inlined
def log(events, week: int, actor: int, action: int, target: int, effect: int, value: float):
    """One line of the event log, as codes (decoded by sim/model/logbook.py)."""
    k = events.count[0]
    if k < events.codes.shape[0]:
        events.codes[k, 0] = week
        events.codes[k, 1] = actor
        events.codes[k, 2] = action
        events.codes[k, 3] = target
        events.codes[k, 4] = effect
        events.values[k] = value
    events.count[0] = k + 1


@inlined
def word(events, w: int) -> int:
    """Code of a fixed word of the log (after the members' names)."""
    return events.members + w


@inlined
def cell_code(events, option: int, criterion: int) -> int:
    return events.members + N_WORDS + option * events.criteria + criterion


@inlined
def source_code(events, source: int, kind: int) -> int:
    """Code of a source's key (kind 0), 'confirmed:<key>' (1) or 'discredited:<key>' (2)."""
    cells = events.options * events.criteria
    return events.members + N_WORDS + cells + kind * events.sources + source


@inlined
def tell(c, world, i: int, option: int, criterion: int, origin: int, channel: int,
         noise_draw: float, validated: bool, attended: float) -> float:  # fmt: skip
    """A source's claim delivered to member i by `channel` (a seller in a meeting): what the
    source says (`state_claim`, given the deliverer's standard-normal draw), heard for the
    hours attended (`hear`). Returns the value told."""
    value = state_claim(world, origin, option, criterion, noise_draw)
    hear(c, world.params, i, option, criterion, value, origin, world.noise[origin], channel,
         validated, attended)  # fmt: skip
    return value


# ---- 7.6 seek ----------------------------------------------------------------------------


@inlined
def seek(c, world, net, draws, events, i: int) -> float:
    """Member i looks for claims about the vendor criterion that matters most and is least
    known, from a source picked in proportion to trust. The vendor's seller is one of them
    while it takes questions and the member has attention left for sellers. Returns the share
    of the hour spent with a seller."""
    params = world.params
    beliefs, p = c.beliefs, c.priorities
    n_options, n_criteria = beliefs.shape[2], beliefs.shape[3]
    # The cell: (vendor option, criterion) in proportion to priority x sd (two passes, no
    # allocation: this runs every seek hour).
    draw = uniform(draws) * vendor_uncertainty(c, i)
    option, criterion = n_options - 1, n_criteria - 1
    for cell in range((n_options - 1) * n_criteria):
        o, k = 1 + cell // n_criteria, cell % n_criteria
        draw -= p[i, k] * beliefs[i, BeliefField.SD, o, k]
        if draw < 0.0:
            option, criterion = o, k
            break
    # The source, in proportion to trust: research, peers (if reachable), the vendor's content,
    # and its seller while it answers questions and the member gives sellers time.
    trust = c.trust
    with_peers = net.contacts_start.shape[0] == 0 or knows_peers(net, i)
    content = content_source(option)
    seller = seller_source(option)
    asks_seller = (
        world.seller_hours[option] > 0.0 and grant_meeting(c.member, c.trust, i, seller, 1.0) > 0
    )
    total = trust[i, INDEPENDENT_RESEARCH] + trust[i, content]
    total += trust[i, PEERS] if with_peers else 0.0
    total += trust[i, seller] if asks_seller else 0.0
    draw = uniform(draws) * total
    source = seller if asks_seller else content
    for candidate in (INDEPENDENT_RESEARCH, PEERS, content):
        if candidate == PEERS and not with_peers:
            continue
        draw -= trust[i, candidate]
        if draw < 0.0:
            source = candidate
            break
    attended = 1.0
    with_seller = 0.0
    if source == seller:
        attended = min(1.0, world.seller_hours[option], c.member[i, MemberColumn.SELLER_TIME_LEFT])
        world.seller_hours[option] -= attended
        world.inquiries[option, i] += attended
        c.member[i, MemberColumn.SELLER_TIME_LEFT] -= attended
        c.member[i, MemberColumn.WEEK_HOURS_WITH_SELLERS] += attended
        with_seller = attended
    found = params[Param.CLAIMS_FOUND]
    n_claims = int(found) + (1 if uniform(draws) < found - int(found) else 0)
    noise = world.noise[source]
    for k in range(n_claims):
        about = criterion if k == 0 else randbelow(draws, n_criteria)
        value = claim_from(net, world, draws, i, source, option, about)
        hear(c, params, i, option, about, value, source, noise, source, False, attended)
    log(
        events,
        int(params[Param.WEEK]),
        i,
        word(events, EventWord.SEEK),
        cell_code(events, option, criterion),
        source_code(events, source, 0),
        n_claims,
    )
    return with_seller


# ---- 7.7 validate ------------------------------------------------------------------------


@inlined
def fails_check(value: float, value_sd: float, check: float, check_sd: float, z: float) -> bool:
    """The noise-aware check: an honest claim and an independent reading differ by noise of
    sd sqrt(value_sd^2 + check_sd^2); a gap beyond `z` of those sds is taken for bias. So an
    honest claim fails with probability about 2 * (1 - Phi(z)), and a bias b is caught more
    often the larger b is against that combined noise."""
    return abs(value - check) > z * math.sqrt(value_sd * value_sd + check_sd * check_sd)


@kernel
def discredit(c, params, i: int, option: int, criterion: int, value: float, weight: float,
              origin: int) -> None:  # fmt: skip
    """Member i drops a claim found wrong and blames its origin (not a colleague who relayed
    it). A vendor caught overclaiming loses credibility in every voice it has - its seller and
    its content alike - not only in the one that was caught."""
    shift_belief(c.beliefs, i, option, criterion, value, -weight)
    c.counts[i, CountColumn.CLAIMS_DISCREDITED] += 1
    loss = params[Param.TRUST_LOSS]
    trust = c.trust
    if origin < N_INDEPENDENT_SOURCES:
        trust[i, origin] = max(TRUST_FLOOR, trust[i, origin] - loss)
        return
    vendor = 1 + (origin - N_INDEPENDENT_SOURCES) // 2
    for source in (content_source(vendor), seller_source(vendor)):
        trust[i, source] = max(TRUST_FLOOR, trust[i, source] - loss)


@inlined
def claim_doubt(c, i: int, k: int) -> float:
    """How doubtful member i finds its recent claim k: what its criterion matters to it times
    its distrust of the claim's origin."""
    criterion = int(c.recent[i, k, ClaimField.CRITERION])
    origin = int(c.recent[i, k, ClaimField.ORIGIN])
    return c.priorities[i, criterion] * (1.0 - c.trust[i, origin])


@inlined
def validate(c, world, net, draws, events, i: int) -> tuple[int, float, float, int, int]:
    """Member i checks a recent claim - the more doubtful of two drawn, weighted by what
    matters - against the most trusted independent source (see `fails_check`); a failed claim
    is dropped and its origin blamed (`discredit`), a confirmed one counts more and its origin
    earns trust. The check itself is heard as a checked claim. Returns the check: (checker,
    its value, the weight it was heard with, option, criterion)."""
    params = world.params
    recent = c.recent
    n = c.counts[i, CountColumn.RECENT_COUNT]
    first, second = randbelow(draws, n), randbelow(draws, n)
    chosen = first if claim_doubt(c, i, first) >= claim_doubt(c, i, second) else second
    option = int(recent[i, chosen, ClaimField.OPTION])
    criterion = int(recent[i, chosen, ClaimField.CRITERION])
    value = recent[i, chosen, ClaimField.VALUE]
    origin = int(recent[i, chosen, ClaimField.ORIGIN])
    weight = recent[i, chosen, ClaimField.WEIGHT_HELD]
    claim_sd = recent[i, chosen, ClaimField.SD]
    forget_recent(c, i, chosen)
    # The most trusted independent source other than the claim's origin (research first on a
    # tie); peers only for a member who can reach some.
    trust = c.trust
    peers_reachable = net.contacts_start.shape[0] == 0 or knows_peers(net, i)
    checker = INDEPENDENT_RESEARCH
    if origin == INDEPENDENT_RESEARCH:
        checker = PEERS if peers_reachable else INDEPENDENT_RESEARCH
    elif origin != PEERS and peers_reachable and trust[i, PEERS] > trust[i, INDEPENDENT_RESEARCH]:
        checker = PEERS
    check = claim_from(net, world, draws, i, checker, option, criterion)
    check_sd = world.noise[checker]
    week = int(params[Param.WEEK])
    target = cell_code(events, option, criterion)
    if fails_check(value, claim_sd, check, check_sd, params[Param.VALIDATION_Z]):
        discredit(c, params, i, option, criterion, value, weight, origin)
        log(events, week, i, word(events, EventWord.VALIDATE), target,
            source_code(events, origin, 2), check)  # fmt: skip
    else:
        shift_belief(
            c.beliefs,
            i,
            option,
            criterion,
            value,
            weight * (params[Param.CONFIRMATION_BOOST] - 1.0),
        )
        trust[i, origin] += params[Param.TRUST_GAIN] * (1.0 - trust[i, origin])
        log(events, week, i, word(events, EventWord.VALIDATE), target,
            source_code(events, origin, 1), check)  # fmt: skip
    weight = hear(c, params, i, option, criterion, check, checker, check_sd, checker, True, 1.0)
    return checker, check, weight, option, criterion


# ---- 7.8 align ---------------------------------------------------------------------------


@inlined
def priority_distance(priorities, i: int, j: int) -> float:
    """Half the L1 distance between members i's and j's priorities: 0 identical, 1 disjoint."""
    total = 0.0
    for k in range(priorities.shape[1]):
        total += abs(priorities[i, k] - priorities[j, k])
    return 0.5 * total


@inlined
def friedkin_johnsen(stubbornness: float, anchor: float, p: float, q: float, mu: float) -> float:
    """One priority weight after a Friedkin-Johnsen step toward q:
    p <- s * p0 + (1 - s) * (p + mu * (q - p))."""
    return stubbornness * anchor + (1.0 - stubbornness) * (p + mu * (q - p))


@kernel
def converge(c, i: int, j: int, convergence: float) -> None:
    """Members i and j each take a Friedkin-Johnsen step (`friedkin_johnsen`) toward where
    the other stood before they met."""
    p = c.priorities
    s_i, s_j = c.member[i, MemberColumn.STUBBORNNESS], c.member[j, MemberColumn.STUBBORNNESS]
    for k in range(p.shape[1]):
        mine, theirs = p[i, k], p[j, k]
        p[i, k] = friedkin_johnsen(s_i, c.anchor[i, k], mine, theirs, convergence)
        p[j, k] = friedkin_johnsen(s_j, c.anchor[j, k], theirs, mine, convergence)


@inlined
def top_criterion(priorities, i: int) -> int:
    """The criterion that matters most to member i (the first on a tie)."""
    criterion = 0
    for k in range(1, priorities.shape[1]):
        if priorities[i, k] > priorities[i, criterion]:
            criterion = k
    return criterion


@kernel
def tell_view(c, params, speaker: int, listener: int, criterion: int, hours: float) -> None:
    """The speaker tells the listener its view, on `criterion`, of the vendor on which their
    views differ most; the listener hears it as a colleague's claim for the `hours` spent."""
    mean = c.beliefs
    option, widest = 1, -1.0
    for o in range(1, mean.shape[2]):
        gap = abs(
            mean[speaker, BeliefField.MEAN, o, criterion]
            - mean[listener, BeliefField.MEAN, o, criterion]
        )
        if gap > widest:
            option, widest = o, gap
    hear(c, params, listener, option, criterion,
         mean[speaker, BeliefField.MEAN, option, criterion], COLLEAGUES,
         mean[speaker, BeliefField.SD, option, criterion], COLLEAGUES, False, hours)  # fmt: skip


@kernel
def share_beliefs_with(c, params, speaker: int, listener: int, hours: float) -> None:
    """After converging, the speaker tells the listener its view on the criterion that
    matters most to the listener (`tell_view`)."""
    tell_view(c, params, speaker, listener, top_criterion(c.priorities, listener), hours)


@kernel
def argue_case(c, params, speaker: int, listener: int, hours: float) -> None:
    """In a clash each side argues from its own priorities: the speaker tells its view on the
    criterion that matters most to the *speaker* (`tell_view`). A view far from what the
    listener has heard widens its belief (7.2), so a clash sends members back to seek and
    to validate (the maze's loop back from alignment to information, Gartner)."""
    tell_view(c, params, speaker, listener, top_criterion(c.priorities, speaker), hours)


@kernel
def align_with(c, params, events, i: int, j: int, hours: float) -> bool:
    """Members i and j meet for `hours` (an hour of a member's own alignment is one meeting;
    a seller's consensus meeting gives what its attendees spent in it): within the
    bounded-confidence radius (widened by any consensus help this week) they converge and
    share beliefs in proportion to the hours, else they clash: their priorities stay apart,
    each argues its case to the other (`argue_case`) and the clash tires both. True if they
    converged."""
    member = c.member
    distance = priority_distance(c.priorities, i, j)
    radius = member[i, MemberColumn.OPEN_MINDEDNESS] + max(
        member[i, MemberColumn.CONSENSUS_HELP], member[j, MemberColumn.CONSENSUS_HELP]
    )
    week = int(params[Param.WEEK])
    if distance <= radius:
        converge(c, i, j, params[Param.CONVERGENCE] * min(1.0, hours))
        share_beliefs_with(c, params, i, j, hours)
        share_beliefs_with(c, params, j, i, hours)
        log(
            events,
            week,
            i,
            word(events, EventWord.ALIGN),
            j,
            word(events, EventWord.CONVERGED),
            distance,
        )
        return True
    argue_case(c, params, i, j, hours)
    argue_case(c, params, j, i, hours)
    for side in (i, j):
        member[side, MemberColumn.FATIGUE] = min(
            1.0, member[side, MemberColumn.FATIGUE] + params[Param.CONFLICT_FATIGUE]
        )
        member[side, MemberColumn.FATIGUE_FROM_CONFLICT] += params[Param.CONFLICT_FATIGUE]
    c.counts[i, CountColumn.CONFLICTS] += 1
    log(
        events, week, i, word(events, EventWord.ALIGN), j, word(events, EventWord.CLASHED), distance
    )
    return False


@inlined
def partner_weight(c, i: int, j: int) -> float:
    """How likely member i seeks out colleague j: its influence, doubled if j favours another
    option."""
    differs = c.counts[j, CountColumn.PREFERRED] != c.counts[i, CountColumn.PREFERRED]
    return c.member[j, MemberColumn.INFLUENCE] * (2.0 if differs else 1.0)


@inlined
def align(c, params, draws, events, i: int) -> None:
    """Member i meets a colleague, preferring those who matter and those who disagree."""
    n = c.member.shape[0]
    total = 0.0
    for j in range(n):
        if j != i:
            total += partner_weight(c, i, j)
    draw = uniform(draws) * total
    partner = n - 1 if i != n - 1 else n - 2
    for j in range(n):
        if j != i:
            draw -= partner_weight(c, i, j)
            if draw < 0.0:
                partner = j
                break
    align_with(c, params, events, i, partner, 1.0)


@kernel
def disagreements(c) -> None:
    """Each member's need to align: the influence share of colleagues preferring another
    option, plus half the mean distance between its priorities and theirs (0 when alone)."""
    member = c.member
    n = member.shape[0]
    if n < 2:
        member[0, MemberColumn.DISAGREEMENT] = 0.0
        return
    total = 0.0
    for j in range(n):
        total += member[j, MemberColumn.INFLUENCE]
    for i in range(n):
        against, distance = 0.0, 0.0
        for j in range(n):
            if c.counts[j, CountColumn.PREFERRED] != c.counts[i, CountColumn.PREFERRED]:
                against += member[j, MemberColumn.INFLUENCE]
            distance += priority_distance(c.priorities, i, j)
        against /= total - member[i, MemberColumn.INFLUENCE]
        member[i, MemberColumn.DISAGREEMENT] = against + 0.5 * distance / (n - 1)


# ---- 7.15.5 closing pressure, felt through a member's own state -------------------------


@kernel
def feel_pressure(c, i: int, source: int, vendor: int, pressure: float, reactance: float):
    """A seller's deadline, through member i's own state. Its sureness `2 * confidence - 1`
    (0: torn, 1: certain) decides the reaction: a member who favours the seller's product
    feels the deadline in proportion to its sureness (saturating at 1); every member reacts
    against the pressure in proportion to its unsureness (JOLT: pressure on indecisive buyers
    loses deals). Reactance is a state that saturates (Brehm: it is bounded by the freedom
    at stake, it does not pile up without end): each message raises it by `reactance` x
    unsureness x what is left below 1, and the same share of the member's trust in the
    seller goes; its risk aversion is scaled by 1 + reactance in `appraise` (at most doubled)."""
    member = c.member
    sureness = max(0.0, 2.0 * member[i, MemberColumn.CONFIDENCE] - 1.0)
    if c.counts[i, CountColumn.PREFERRED] == vendor:
        member[i, MemberColumn.FELT_DEADLINE] += (
            pressure * sureness * (1.0 - member[i, MemberColumn.FELT_DEADLINE])
        )
    raised = reactance * (1.0 - sureness) * (1.0 - member[i, MemberColumn.REACTANCE])
    member[i, MemberColumn.REACTANCE] += raised
    c.trust[i, source] = max(TRUST_FLOOR, c.trust[i, source] * (1.0 - raised))


@kernel
def press_committee(c, source: int, vendor: int, pressure: float, reactance: float) -> None:
    """A deadline message to every member: each feels it through its own state
    (`feel_pressure`)."""
    for i in range(c.member.shape[0]):
        feel_pressure(c, i, source, vendor, pressure, reactance)


# ---- 7.10 appraisal ----------------------------------------------------------------------


@inlined
def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@inlined
def value_variance(c, i: int, o: int) -> float:
    """Variance of option o's value to member i: sum_k p_k^2 sd_ok^2."""
    variance = 0.0
    for k in range(c.priorities.shape[1]):
        weighted_sd = c.priorities[i, k] * c.beliefs[i, BeliefField.SD, o, k]
        variance += weighted_sd * weighted_sd
    return variance


@inlined
def appraise(c, params, i: int) -> None:
    """Member i values every option (mean-variance utility under its priorities; the status
    quo carries the pain of the problem times the urgency, its own felt deadline included),
    how sure it is that its favourite is best (`confidence`) and how uncertain it still is
    about that favourite's value (`uncertainty`, the sd of its utility)."""
    member, beliefs, priorities, utilities = c.member, c.beliefs, c.priorities, c.utilities
    rho = member[i, MemberColumn.RISK_AVERSION] * (1.0 + member[i, MemberColumn.REACTANCE])
    n_options, n_criteria = beliefs.shape[2], beliefs.shape[3]
    for o in range(n_options):
        value = 0.0
        for k in range(n_criteria):
            value += priorities[i, k] * beliefs[i, BeliefField.MEAN, o, k]
        if o == STATUS_QUO:
            value -= params[Param.PAIN] * (
                params[Param.URGENCY] + member[i, MemberColumn.FELT_DEADLINE]
            )
        utilities[i, o] = value - rho * math.sqrt(value_variance(c, i, o))
    best = 0
    for o in range(1, n_options):
        if utilities[i, o] > utilities[i, best]:
            best = o
    if n_options > 1:
        second = -1
        for o in range(n_options):  # the highest other; the later option on a tie
            if o != best and (second < 0 or utilities[i, o] >= utilities[i, second]):
                second = o
        gap = utilities[i, best] - utilities[i, second]
        spread = value_variance(c, i, best) + value_variance(c, i, second)
        member[i, MemberColumn.CONFIDENCE] = normal_cdf(gap / math.sqrt(spread + 1e-6))
    else:
        member[i, MemberColumn.CONFIDENCE] = 1.0
    c.counts[i, CountColumn.PREFERRED] = best
    member[i, MemberColumn.UNCERTAINTY] = math.sqrt(value_variance(c, i, best))


@kernel
def appraise_committee(c, params) -> None:
    """`appraise` for every member."""
    for i in range(c.member.shape[0]):
        appraise(c, params, i)


@kernel
def seat_committee(c, params, influence, veto, open_mindedness, weekly_hours, risk_aversion,
                   stubbornness, priorities, trust, jitter, status_quo, status_quo_sd: float,
                   prior_mean: float, prior_sd: float) -> None:  # fmt: skip
    """Initialisation: each member's traits, priorities (also its anchor), trust per source
    and prior beliefs into its row, then every member's first appraisal. The status quo
    (option 0) is known: its beliefs start at its true values `status_quo`, with sd
    `status_quo_sd`; each vendor criterion starts at `prior_mean` plus the member's first
    impression (`jitter`, [member, vendor x criterion]), within [0, 1], with sd `prior_sd`."""
    n_criteria = c.priorities.shape[1]
    for i in range(c.member.shape[0]):
        c.member[i, MemberColumn.INFLUENCE] = influence[i]
        c.member[i, MemberColumn.VETO] = veto[i]
        c.member[i, MemberColumn.RISK_AVERSION] = risk_aversion[i]
        c.member[i, MemberColumn.STUBBORNNESS] = stubbornness[i]
        c.member[i, MemberColumn.OPEN_MINDEDNESS] = open_mindedness[i]
        c.member[i, MemberColumn.WEEKLY_HOURS] = weekly_hours[i]
        c.member[i, MemberColumn.UNCERTAINTY] = 1.0
        for criterion in range(n_criteria):
            c.priorities[i, criterion] = priorities[i, criterion]
            c.anchor[i, criterion] = priorities[i, criterion]
        for source in range(c.trust.shape[1]):
            c.trust[i, source] = trust[i, source]
        for option in range(c.beliefs.shape[2]):
            for criterion in range(n_criteria):
                if option == 0:
                    mean, sd = status_quo[criterion], status_quo_sd
                else:
                    mean = prior_mean + jitter[i, (option - 1) * n_criteria + criterion]
                    mean = mean if mean > 0.0 else 0.0  # as NumPy's clip: max, then min
                    mean = mean if mean < 1.0 else 1.0
                    sd = prior_sd
                belief = c.beliefs[i, :, option, criterion]
                belief[BeliefField.PRIOR_PRECISION] = 1.0 / (sd * sd)
                belief[BeliefField.PRIOR_MEAN] = mean
                belief[BeliefField.CLAIM_WEIGHT] = 0.0
                belief[BeliefField.CLAIM_SUM] = 0.0
                belief[BeliefField.CLAIM_SQUARES] = 0.0
                belief[BeliefField.MEAN] = mean
                belief[BeliefField.SD] = sd
    appraise_committee(c, params)


# ---- 7.9 end of week ---------------------------------------------------------------------


@kernel
def end_week(c, params, i: int) -> None:
    """Overload turns into fatigue, the load clears partly, a felt deadline fades like the
    account's urgency, member i re-appraises, and the week's hours are recorded."""
    member = c.member
    member[i, MemberColumn.OVERLOAD] = member[i, MemberColumn.LOAD] / params[Param.ATTENTION]
    from_overload = params[Param.OVERLOAD_FATIGUE] * max(
        0.0, member[i, MemberColumn.OVERLOAD] - 1.0
    )
    member[i, MemberColumn.FATIGUE_FROM_OVERLOAD] += from_overload
    fatigue = member[i, MemberColumn.FATIGUE] + from_overload - params[Param.FATIGUE_RECOVERY]
    member[i, MemberColumn.FATIGUE] = min(1.0, max(0.0, fatigue))
    member[i, MemberColumn.PEAK_FATIGUE] = max(
        member[i, MemberColumn.PEAK_FATIGUE], member[i, MemberColumn.FATIGUE]
    )
    member[i, MemberColumn.LOAD] *= 1.0 - params[Param.OVERLOAD_RECOVERY]
    member[i, MemberColumn.FELT_DEADLINE] *= 1.0 - params[Param.URGENCY_DECAY]
    appraise(c, params, i)
    busiest = SEEK
    for job in range(1, N_JOBS):
        if member[i, MemberColumn.WEEK_HOURS + job] > member[i, MemberColumn.WEEK_HOURS + busiest]:
            busiest = job
    week = c.counts[i, CountColumn.WEEKS_RECORDED]
    if week < c.jobs.shape[1]:
        c.jobs[i, week] = busiest if member[i, MemberColumn.WEEK_HOURS + busiest] > 0 else IDLE
    c.counts[i, CountColumn.WEEKS_RECORDED] = week + 1
    for job in range(N_JOBS):
        member[i, MemberColumn.LAST_WEEK_HOURS + job] = member[i, MemberColumn.WEEK_HOURS + job]
        member[i, MemberColumn.TOTAL_HOURS + job] += member[i, MemberColumn.WEEK_HOURS + job]
        member[i, MemberColumn.WEEK_HOURS + job] = 0.0
    member[i, MemberColumn.LAST_WEEK_HOURS + N_JOBS] = member[
        i, MemberColumn.WEEK_HOURS_WITH_SELLERS
    ]
    member[i, MemberColumn.TOTAL_HOURS_WITH_SELLERS] += member[
        i, MemberColumn.WEEK_HOURS_WITH_SELLERS
    ]
    member[i, MemberColumn.WEEK_HOURS_WITH_SELLERS] = 0.0
    member[i, MemberColumn.CONSENSUS_HELP] = 0.0


@kernel
def job_flows(jobs, weeks, loops, moves) -> None:
    """Each member's path through the maze, from its busiest job of each week (`jobs`
    [member, week], its first `weeks[member]` weeks; idle weeks skipped): `loops[member]`, the
    times it returned to a job it had left (a change to a job that was its main job in some
    earlier week), and `moves[from, to]`, every change of main job, summed over members. The
    one definition of the loop-back and job-move metrics (`metrics.count_loopbacks`)."""
    for i in range(jobs.shape[0]):
        seen = 0  # bit j: job j was a main job before
        previous = IDLE
        count = 0
        for w in range(weeks[i]):
            job = jobs[i, w]
            if job == IDLE:
                continue
            if job != previous:
                if seen & (1 << job):
                    count += 1
                if previous != IDLE:
                    moves[previous, job] += 1
            seen |= 1 << job
            previous = job
        loops[i] = count


@kernel
def record_week(c, rows) -> None:
    """Each member at the end of the week, one row each of `rows` [member, field]: the busiest
    job, the hours of each job and with sellers, the option it favours, its confidence,
    fatigue and overload (the fields of `WeekState`)."""
    member = c.member
    for i in range(member.shape[0]):
        week = min(c.counts[i, CountColumn.WEEKS_RECORDED], c.jobs.shape[1]) - 1
        rows[i, WeekField.JOB] = c.jobs[i, week] if week >= 0 else IDLE
        for f in range(N_JOBS + 1):
            rows[i, WeekField.HOURS_SEEK + f] = member[i, MemberColumn.LAST_WEEK_HOURS + f]
        rows[i, WeekField.PREFERRED] = c.counts[i, CountColumn.PREFERRED]
        rows[i, WeekField.CONFIDENCE] = member[i, MemberColumn.CONFIDENCE]
        rows[i, WeekField.FATIGUE] = member[i, MemberColumn.FATIGUE]
        rows[i, WeekField.OVERLOAD] = member[i, MemberColumn.OVERLOAD]


# ---- a member's week and the committee's ------------------------------------------------


@kernel
def spend_hours(c, world, net, draws, events, i: int) -> None:
    """Member i spends this week's remaining hours on buying jobs, an hour each; a fraction of
    an hour left over becomes one more hour with that probability (so hours count fully on
    average, and no threshold of whole hours decides anything)."""
    member = c.member
    hours = max(0.0, member[i, MemberColumn.HOURS_LEFT])
    whole = math.floor(hours)
    actions = int(whole) + (1 if uniform(draws) < hours - whole else 0)
    for _ in range(actions):
        job = choose_job(c, world.params, draws, i)
        if job == SEEK:
            member[i, MemberColumn.HOURS_SEEKING_ALONE] += 1.0 - seek(
                c, world, net, draws, events, i
            )
        elif job == VALIDATE:
            validate(c, world, net, draws, events, i)
        else:
            align(c, world.params, draws, events, i)
        member[i, MemberColumn.WEEK_HOURS + job] += 1.0
    member[i, MemberColumn.HOURS_LEFT] = 0.0


@kernel
def committee_week(c, world, net, draws, events) -> None:
    """The committee's own work after the sellers have acted: each member's need to align,
    then every member, in random order, spends its remaining hours (`spend_hours`), then
    every member ends its week (`end_week`)."""
    disagreements(c)
    n = c.member.shape[0]
    order = np.arange(n)
    for k in range(n - 1, 0, -1):  # Fisher-Yates on the behaviour stream
        j = randbelow(draws, k + 1)
        order[k], order[j] = order[j], order[k]
    for i in order:
        spend_hours(c, world, net, draws, events, i)
    for i in range(n):
        end_week(c, world.params, i)


# ---- 4.7 sensing: what a member tells a seller -------------------------------------------


@kernel
def observe(c, params, i: int, vendor: int, source: int, draw: float, role_top: int
            ) -> tuple[int, int, bool, int, int]:  # fmt: skip
    """What member i tells a seller of `vendor` (trust key `source`) in a meeting about where
    it stands: the job it was mostly on last week (seek if none yet), the option it leans to,
    whether it values the vendor above doing nothing, and - only if it opens up - what
    matters most to it and which criterion of the vendor's product it most wants to know more
    about. It opens up with probability `disclosure` x its trust in the seller (people tell
    what worries them to those they trust: self-disclosure grows with trust); otherwise it
    gives its role's usual answer, `role_top`, for both. `draw` is the seller's uniform."""
    weeks = c.counts[i, CountColumn.WEEKS_RECORDED]
    job = SEEK
    if weeks > 0 and weeks <= c.jobs.shape[1] and c.jobs[i, weeks - 1] != IDLE:
        job = c.jobs[i, weeks - 1]
    prefers = c.utilities[i, vendor] >= c.utilities[i, STATUS_QUO]
    if draw >= params[Param.DISCLOSURE] * c.trust[i, source]:
        return job, c.counts[i, CountColumn.PREFERRED], prefers, role_top, role_top
    p, beliefs = c.priorities, c.beliefs
    top, concern = 0, 0
    for k in range(1, p.shape[1]):
        if p[i, k] > p[i, top]:
            top = k
        if (
            p[i, k] * beliefs[i, BeliefField.SD, vendor, k]
            > p[i, concern] * beliefs[i, BeliefField.SD, vendor, concern]
        ):
            concern = k
    return job, c.counts[i, CountColumn.PREFERRED], prefers, top, concern


@inlined
def meeting_with(
    c, params, i: int, source: int, hours: float, job: int, vendor: int, draw: float,
    role_top: int,
) -> tuple[float, int, int, bool, int, int]:  # fmt: skip
    """A seller's one-on-one meeting in one call: the hours member i gives and books
    (`take_meeting`), then, if it gave any, what it says in it (`observe`)."""
    granted = take_meeting(c.member, c.trust, i, source, hours, job)
    if granted == 0.0:
        return 0.0, SEEK, 0, False, 0, 0
    said_job, leaning, prefers, top, concern = observe(c, params, i, vendor, source, draw,
                                                       role_top)  # fmt: skip
    return granted, said_job, leaning, prefers, top, concern


# ---- a seller's own draws: Python's `random.Random`, compiled -------------------------------

# A seller's stream is the Mersenne Twister of Python's `random` module (its seed comes from
# `RandomStreams.python_randoms`), held as arrays: `mt` [625] is `Random.getstate()[1]` (the
# 624 words and the position), `gauss_next` [2] its cached normal (flag, value). These give the
# same numbers as `random.Random` draw for draw (tests/test_compiled.py checks it).

MT_WORDS = 624
MT_SHIFT = 397


@kernel
def mt_twist(mt) -> None:
    """Refill the 624 words (MT19937's generation step)."""
    for i in range(MT_WORDS):
        y = (mt[i] & 0x80000000) | (mt[(i + 1) % MT_WORDS] & 0x7FFFFFFF)
        mt[i] = mt[(i + MT_SHIFT) % MT_WORDS] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
    mt[MT_WORDS] = 0


@inlined
def mt_word(mt) -> int:
    """The next 32 random bits (`genrand_uint32`)."""
    if mt[MT_WORDS] >= MT_WORDS:
        mt_twist(mt)
    i = mt[MT_WORDS]
    mt[MT_WORDS] = i + 1
    y = mt[i]
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return y


@inlined
def mt_random(mt) -> float:
    """`random.Random.random()`: 53 bits from two words."""
    a = mt_word(mt) >> 5
    b = mt_word(mt) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@inlined
def seller_random(desk) -> float:
    """`random.Random.random()` of the seller's stream."""
    return mt_random(desk.mt)


@inlined
def mt_randrange(mt, n: int) -> int:
    """`random.Random.randrange(n)` (n >= 1): the top bits of a word, rejected until < n."""
    bits = 0
    while (1 << bits) <= n:
        bits += 1
    r = mt_word(mt) >> (32 - bits)
    while r >= n:
        r = mt_word(mt) >> (32 - bits)
    return r


@inlined
def seller_randrange(desk, n: int) -> int:
    """`random.Random.randrange(n)` of the seller's stream."""
    return mt_randrange(desk.mt, n)


@inlined
def seller_gauss(desk) -> float:
    """`random.Random.gauss(0.0, 1.0)`: Box-Muller in pairs, the second kept for next time."""
    if desk.gauss_next[0] != 0.0:
        desk.gauss_next[0] = 0.0
        z = desk.gauss_next[1]
    else:
        x2pi = seller_random(desk) * (2.0 * math.pi)
        g2rad = math.sqrt(-2.0 * math.log(1.0 - seller_random(desk)))
        z = math.cos(x2pi) * g2rad
        desk.gauss_next[0] = 1.0
        desk.gauss_next[1] = math.sin(x2pi) * g2rad
    return 0.0 + z * 1.0


# ---- 7.15 sellers: each strategy's week over what its SellerView holds --------------------

# A seller's desk (`state.Desk`): its own numbers and what it knows of the account. The
# functions of this section that take a `desk` are the sellers' decisions: they read only the
# desk (tests/test_observation.py checks it); the committee's arrays (`c`, `world`, `net`,
# `events`) pass through them only into the member-side mechanisms that meetings and messages
# are made of (`SELLER_REACHES`).

SELLER_REACHES = (
    "meeting_with", "take_group_meeting", "observe", "tell", "curate", "relay",
    "align_around_table", "press_committee", "customer_call", "spread_content",
    "satisfied_customers", "carriers", "write_line",
)  # fmt: skip
"""The member-side and world-side mechanisms through which a seller's decisions reach the
committee's arrays: meetings, what is said in them, messages, the peer network."""


# desk.state: float64 [N_DESK_COLUMNS]
@unique
class DeskColumn(IntEnum):
    """The cells of a seller's `Desk.state`: its hours, its stage and what it tracks."""

    HOURS_LEFT = 0
    HOURS_SPENT = 1
    BUYER_HOURS = 2
    """Hours committee members spent with this seller (meetings and their questions)."""
    CAPACITY = 3
    STAGE = 4
    WEEKS_IN_STAGE = 5
    QUALIFIED_OUT = 6
    CONTACT = 7
    REACH_BACKLOG = 8
    WEEK = 9
    """The week of the deal (the calendar is no secret)."""


N_DESK_COLUMNS = layout_width(DeskColumn)


# desk.spec: float64 [N_SPEC_COLUMNS], the strategy's settings (`SellerSpec`)
@unique
class SpecColumn(IntEnum):
    """The cells of `Desk.spec`: the strategy's settings (`SellerSpec`)."""

    MEETING_HOURS = 0
    PREPARATION_HOURS = 1
    STAGE_WEEKS = 2
    QUALIFY_OUT_WEEKS = 3
    CLOSING_PRESSURE = 4
    REACTANCE = 5
    SINGLE_THREADED = 6
    DIAGNOSIS_ERROR = 7
    CONSENSUS_WIDENING = 8
    OVERLOAD_RELIEF = 9
    NETWORK_SHARE = 10
    CONTENT_REACH = 11


N_SPEC_COLUMNS = layout_width(SpecColumn)


# desk.observed: float64 [n, N_OBSERVED_COLUMNS], the latest `MemberObservation` of each member
@unique
class ObservedColumn(IntEnum):
    """The columns of `Desk.observed`: what the seller last learnt of each member."""

    SEEN = 0
    """1 once the seller has met the member."""
    SEEN_WEEK = 1
    SAID_JOB = 2
    SAID_LEANING = 3
    SAID_PREFERS = 4
    SAID_TOP = 5
    SAID_CONCERN = 6


N_OBSERVED_COLUMNS = layout_width(ObservedColumn)


# desk.lines: int64 [L, N_LINE_COLUMNS] (values in desk.line_values), the seller's log lines
# of the week, decoded into the event log by `Seller` (sim/model/sellers.py)
@unique
class LineColumn(IntEnum):
    """The columns of `Desk.lines`: a seller's (or the deal's) log line, as codes."""

    KIND = 0
    MEMBER = 1
    OTHER = 2
    CRITERION = 3
    BEFORE = 4
    """How many compiled event lines preceded it (its place in the event log)."""
    SEQUENCE = 5
    """Its place among all Python-side lines (`events.count[1]`), across sellers and the deal."""
    WEEK = 6


N_LINE_COLUMNS = layout_width(LineColumn)

# line kinds
PITCHED = 0
FOLLOWED_UP = 1
HELPED_MAKE_SENSE = 2
ARRANGED_REFERENCE = 3
RAN_PILOT = 4
CONNECTED_REFERENCE = 5
QUALIFIED_OUT = 6
PRESENTED = 7
MOVED_STAGE = 8
PRESSED = 9
CONSENSUS_MEETING = 10
BUILT_REACH = 11
FORWARDED = 12

# funnel stages (`FunnelPusher.STAGES`); desk.themes holds each stage's focus criterion, then
# the business-value criterion
DEMO = 2
PROPOSAL = 3
NEGOTIATION = 4
LAST_STAGE = 5
BUSINESS_VALUE_THEME = 6
DEADLINE_MESSAGE_HOURS = 1.0
"""Seller hours one round of deadline messages to the committee costs."""
GUIDE_GROUP_SIZE = 4
REFERENCE_CALLS = 2
SPARE = 1e-9
"""Seller hours below this count as none left."""


@inlined
def next_line(events) -> tuple[int, int]:
    """A Python-side line's place in the event log: how many compiled lines precede it, and
    its number among the Python-side lines (counted in `events.count[1]`)."""
    sequence = events.count[1]
    events.count[1] = sequence + 1
    return events.count[0], sequence


@inlined
def write_line(lines, values, count, events, week: int, kind: int, member: int, other: int,
               criterion: int, value: float) -> None:  # fmt: skip
    """One line of a seller's or the deal's log (see `LineColumn`), decoded in Python."""
    n = count[0]
    if n >= lines.shape[0]:
        raise RuntimeError("line buffer full: its bound was too small")
    before, sequence = next_line(events)
    lines[n, LineColumn.KIND] = kind
    lines[n, LineColumn.MEMBER] = member
    lines[n, LineColumn.OTHER] = other
    lines[n, LineColumn.CRITERION] = criterion
    lines[n, LineColumn.BEFORE] = before
    lines[n, LineColumn.SEQUENCE] = sequence
    lines[n, LineColumn.WEEK] = week
    values[n] = value
    count[0] = n + 1


@inlined
def note(desk, events, kind: int, member: int, other: int, criterion: int, value: float):
    """One line of the seller's log (see `LineColumn`)."""
    week = int(desk.state[DeskColumn.WEEK])
    write_line(desk.lines, desk.line_values, desk.line_count, events, week, kind, member, other,
               criterion, value)  # fmt: skip


@inlined
def spend(desk, hours: float) -> None:
    desk.state[DeskColumn.HOURS_LEFT] -= hours
    desk.state[DeskColumn.HOURS_SPENT] += hours


@kernel
def answer_inquiry(desk, i: int, hours: float) -> None:
    """Member i asked the seller about its product while seeking: the answer costs the seller
    the hours (what it says is its voice, `claim_from`)."""
    spend(desk, hours)
    desk.state[DeskColumn.BUYER_HOURS] += hours
    desk.reached[i] = 1


@inlined
def remember(desk, i: int, week: int, job: int, leaning: int, prefers: bool, top: int,
             concern: int) -> None:  # fmt: skip
    """What member i said in a meeting this week (`MemberObservation`)."""
    seen = desk.observed
    seen[i, ObservedColumn.SEEN] = 1.0
    seen[i, ObservedColumn.SEEN_WEEK] = week
    seen[i, ObservedColumn.SAID_JOB] = job
    seen[i, ObservedColumn.SAID_LEANING] = leaning
    seen[i, ObservedColumn.SAID_PREFERS] = 1.0 if prefers else 0.0
    seen[i, ObservedColumn.SAID_TOP] = top
    seen[i, ObservedColumn.SAID_CONCERN] = concern


@inlined
def top_priority(desk, i: int) -> int:
    """What member i said matters most, or what its role is known to care about."""
    return (
        int(desk.observed[i, ObservedColumn.SAID_TOP])
        if desk.observed[i, ObservedColumn.SEEN]
        else desk.role_top[i]
    )


@inlined
def concern(desk, i: int) -> int:
    """The criterion of our product member i said it most wants to know more about."""
    return (
        int(desk.observed[i, ObservedColumn.SAID_CONCERN])
        if desk.observed[i, ObservedColumn.SEEN]
        else desk.role_top[i]
    )


@inlined
def can_prepare(desk, pieces: int) -> bool:
    """Whether the week still holds the hours to prepare `pieces` pieces of work and a meeting
    after them."""
    return (
        desk.state[DeskColumn.HOURS_LEFT] - pieces * desk.spec[SpecColumn.PREPARATION_HOURS] > SPARE
    )


@inlined
def by_influence(desk, members):
    """`members` (seats), most influential first, by seat on a tie."""
    order = members.copy()
    for a in range(1, order.shape[0]):
        seat = order[a]
        b = a
        while b > 0 and desk.influence[order[b - 1]] < desk.influence[seat]:
            order[b] = order[b - 1]
            b -= 1
        order[b] = seat
    return order


@inlined
def ask_for_meeting(c, world, desk, i: int, hours: float, job: int) -> float:
    """Ask member i for a meeting of `hours`: what it says in it is noted. Returns the hours
    it gave (0: no meeting)."""
    draw = seller_random(desk)
    granted, said, leaning, prefers, top, worry = meeting_with(
        c, world.params, i, desk.source, hours, job, desk.vendor, draw, desk.role_top[i]
    )
    if granted != 0.0:
        remember(desk, i, int(desk.state[DeskColumn.WEEK]), said, leaning, prefers, top, worry)
    return granted


@inlined
def meet(c, world, events, desk, i: int, job: int, kind: int, other: int) -> float:
    """Ask member i for a meeting of the usual length (at most the seller's hours left): the
    hours it gave cost both sides. Returns them (0: no meeting)."""
    hours = min(desk.spec[SpecColumn.MEETING_HOURS], desk.state[DeskColumn.HOURS_LEFT])
    granted = ask_for_meeting(c, world, desk, i, hours, job)
    if granted == 0.0:
        return 0.0
    spend(desk, granted)
    desk.state[DeskColumn.BUYER_HOURS] += granted
    desk.reached[i] = 1
    note(desk, events, kind, i, other, -1, granted)
    return granted


@kernel
def prepared_meeting(c, world, events, desk, i: int, pieces: int, kind: int) -> float:
    """A validation meeting with `pieces` prepared for it (reference calls or pilot results):
    the preparation is held back from the meeting's budget and paid only if member i gives
    the meeting time. Returns the hours it gave."""
    cost = pieces * desk.spec[SpecColumn.PREPARATION_HOURS]
    desk.state[DeskColumn.HOURS_LEFT] -= cost
    granted = meet(c, world, events, desk, i, VALIDATE, kind, -1)
    desk.state[DeskColumn.HOURS_LEFT] += cost
    if granted > 0.0:
        spend(desk, cost)
    return granted


@kernel
def ask_group(c, world, desk, invited, hours: float, job: int, granted) -> int:
    """Invite `invited` to one meeting of `hours`: each attends for the time it gives (into
    `granted`) and what each attendee says is noted. Returns how many came (0: fewer than two,
    no meeting)."""
    if hours <= 0:
        return 0
    attending = take_group_meeting(c.member, c.trust, invited, desk.source, hours, job,
                                   granted)  # fmt: skip
    if attending < 2:
        return 0
    week = int(desk.state[DeskColumn.WEEK])
    for a in range(invited.shape[0]):
        if granted[a] > 0.0:
            i = invited[a]
            said, leaning, prefers, top, worry = observe(
                c, world.params, i, desk.vendor, desk.source, seller_random(desk),
                desk.role_top[i])  # fmt: skip
            remember(desk, i, week, said, leaning, prefers, top, worry)
    return attending


@kernel
def prepared_group_meeting(c, world, desk, invited, job: int, granted) -> int:
    """Invite `invited` to one meeting with one piece of preparation (held back from its
    budget, paid only if at least two come); each attendee's answers are noted and `granted`
    holds the hours each gave. Returns how many came (0: no meeting)."""
    cost = desk.spec[SpecColumn.PREPARATION_HOURS]
    asked = min(desk.spec[SpecColumn.MEETING_HOURS], desk.state[DeskColumn.HOURS_LEFT] - cost)
    attending = ask_group(c, world, desk, invited, asked, job, granted)
    if attending == 0:
        return 0
    spend(desk, cost)
    spend(desk, asked)
    total, error = 0.0, 0.0  # summed as Python's sum() does (Neumaier), for the same hours
    for a in range(invited.shape[0]):
        x = granted[a]
        if x > 0.0:
            t = total + x
            error += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
            total = t
            desk.reached[invited[a]] = 1
    if error != 0.0 and math.isfinite(error):
        total += error
    desk.state[DeskColumn.BUYER_HOURS] += total
    return attending


@inlined
def tell_own(c, world, desk, i: int, criterion: int, attended: float) -> float:
    """The seller's own claim about its product to member i (biased if it overclaims)."""
    return tell(c, world, i, desk.vendor, criterion, desk.source, desk.source,
                seller_gauss(desk), False, attended)  # fmt: skip


@kernel
def share_review(c, world, desk, i: int, option: int, criterion: int, attended: float) -> None:
    """The seller hands member i a third-party review (independent research) of `option`."""
    tell(c, world, i, option, criterion, INDEPENDENT_RESEARCH, desk.source, seller_gauss(desk),
         False, attended)  # fmt: skip


@kernel
def reference(c, world, desk, i: int, criterion: int, attended: float) -> None:
    """A reference customer or a pilot result: experience from the `references` source,
    delivered by the seller; like any claim it joins what member i may check."""
    tell(c, world, i, desk.vendor, criterion, REFERENCES, desk.source, seller_gauss(desk),
         False, attended)  # fmt: skip


@kernel
def curate(c, i: int, share: float, attended: float) -> None:
    """Curating what member i has read clears part of its information load."""
    c.member[i, MemberColumn.LOAD] *= 1.0 - min(1.0, share * attended)


@kernel
def relay(c, world, listener: int, option: int, criterion: int, value: float, origin: int,
          attended: float) -> None:  # fmt: skip
    """A colleague passes a claim of `origin` on to member `listener`: it keeps its origin (it
    is weighed and blamed as the origin's) and carries the hours the teller attended."""
    hear(c, world.params, listener, option, criterion, value, origin, world.noise[origin],
         COLLEAGUES, False, attended)  # fmt: skip


@kernel
def forward_claim(c, world, events, desk, i: int, criterion: int, value: float,
                  attended: float) -> None:  # fmt: skip
    """Member i carries the seller's claim to a colleague picked on the seller's stream; the
    claim keeps its origin (the seller) and carries as many hours as i attended (`relay`)."""
    n = desk.influence.shape[0]
    if n < 2:
        return
    listener = seller_randrange(desk, n - 1)
    if listener >= i:
        listener += 1
    relay(c, world, listener, desk.vendor, criterion, value, desk.source, attended)
    note(desk, events, FORWARDED, i, listener, criterion, value)


@kernel
def align_around_table(c, params, events, seats, attended, widening: float) -> None:
    """A consensus meeting's attendees (`seats`, hours `attended`) each align with the next
    around the table for the hours both were there; a shared business case may widen how far
    apart their priorities may be and still move together (`consensus_widening` per hour)."""
    n = seats.shape[0]
    for a in range(n):
        c.member[seats[a], MemberColumn.CONSENSUS_HELP] = widening * attended[a]
    for a in range(n):
        b = (a + 1) % n
        align_with(c, params, events, seats[a], seats[b], min(attended[a], attended[b]))


@kernel
def customer_call(c, world, net, i: int, vendor: int, channel: int, criterion: int,
                  attended: float, noise_draw: float) -> None:  # fmt: skip
    """A satisfied customer of `vendor`, introduced by its seller (`channel`), tells member i
    through the peer channel what it experienced of `criterion`: the truth, a little warmly
    (given the seller's standard-normal draw); the member may check it."""
    value = claim_value(world.truth[vendor, criterion], 0.0,
                        SATISFIED_SPIN + EXPERIENCE_NOISE * noise_draw)  # fmt: skip
    hear(c, world.params, i, vendor, criterion, value, PEERS, EXPERIENCE_NOISE, channel, False,
         attended)  # fmt: skip
    net.told[EXPERIENCE] += 1


@kernel
def carriers(net, option: int) -> int:
    """Peers carrying `option`'s content."""
    count = 0
    for p in range(net.carrier.shape[1]):
        count += net.carrier[option, p] != 0
    return count


@kernel
def satisfied_customers(net, option: int) -> int:
    """Peers who bought `option` and are satisfied with it."""
    count = 0
    for p in range(net.customer.shape[0]):
        if net.customer[p] == option and net.satisfied[p]:
            count += 1
    return count


@kernel
def spread_content(net, mt, option: int, peers: int) -> int:
    """A vendor's content reaches `peers` more peers, hubs first: each next carrier drawn with
    weight degree + 1 among those not yet carrying it (`random.choices` on the seller's
    stream `mt`). Returns how many newly carry it."""
    carrying = net.carrier[option]
    candidates = np.flatnonzero(carrying == 0)
    n = candidates.shape[0]
    added = 0
    cumulative = np.zeros(n)
    for _ in range(min(peers, n)):
        total = 0
        for a in range(n):
            p = candidates[a]
            total += net.neighbours_start[p + 1] - net.neighbours_start[p] + 1
            cumulative[a] = total
        x = mt_random(mt) * (total + 0.0)
        chosen = 0
        while chosen < n - 1 and cumulative[chosen] <= x:
            chosen += 1
        carrying[candidates[chosen]] = 1
        for a in range(chosen, n - 1):
            candidates[a] = candidates[a + 1]
        n -= 1
        added += 1
    return added


# ---- the funnel pusher --------------------------------------------------------------------


@kernel
def main_contact(desk) -> int:
    """From the org chart: the champion if there is one, else the most influential."""
    best = 0
    for i in range(desk.influence.shape[0]):
        if desk.champion[i]:
            return i
        if desk.influence[i] > desk.influence[best]:
            best = i
    return best


@kernel
def present(c, world, events, desk, focus: int) -> bool:
    """A presentation of the stage's theme (a demo or a proposal, one piece of preparation) to
    the committee the contact convenes; False if fewer than two came or the week no longer
    holds the preparation."""
    if not can_prepare(desk, 1):
        return False
    n = desk.influence.shape[0]
    invited = np.arange(n)
    granted = np.zeros(n)
    came = prepared_group_meeting(c, world, desk, invited, SEEK, granted)
    if came == 0:
        return False
    for i in range(n):
        if granted[i] > 0.0:
            tell_own(c, world, desk, i, focus, granted[i])
    note(desk, events, PRESENTED, -1, int(desk.state[DeskColumn.STAGE]), -1, came)
    return True


@inlined
def follow_up(c, world, events, desk, focus: int) -> None:
    """Spare hours: follow-up calls with the rest of the committee, most influential first,
    each on the stage's theme and one more point, while they give it time."""
    contact = int(desk.state[DeskColumn.CONTACT])
    stage = int(desk.state[DeskColumn.STAGE])
    n = desk.influence.shape[0]
    others = np.empty(n - 1, dtype=np.int64)
    a = 0
    for i in range(n):
        if i != contact:
            others[a] = i
            a += 1
    for i in by_influence(desk, others):
        while desk.state[DeskColumn.HOURS_LEFT] > SPARE:
            attended = meet(c, world, events, desk, i, SEEK, FOLLOWED_UP, stage)
            if attended == 0.0:
                break
            tell_own(c, world, desk, i, focus, attended)
            tell_own(c, world, desk, i, seller_randrange(desk, desk.n_criteria), attended)
        if desk.state[DeskColumn.HOURS_LEFT] <= SPARE:
            return


@kernel
def pitch(c, world, events, desk) -> None:
    """Meetings with the main contact while it gives them time: vendor-positive claims on the
    stage's theme and one more point; the contact carries the first to a colleague (still the
    seller's claim). In the demo and proposal stages the pitch is a presentation to whoever of
    the committee comes. Spare hours go to follow-ups unless the seller is single-threaded."""
    stage = int(desk.state[DeskColumn.STAGE])
    contact = int(desk.state[DeskColumn.CONTACT])
    focus = desk.themes[stage]
    other = seller_randrange(desk, desk.n_criteria)
    if stage in (DEMO, PROPOSAL) and present(c, world, events, desk, focus):
        while desk.state[DeskColumn.HOURS_LEFT] > SPARE and present(c, world, events, desk, focus):
            pass  # as long as the committee gives the presentations time
        return
    while desk.state[DeskColumn.HOURS_LEFT] > SPARE:
        attended = meet(c, world, events, desk, contact, SEEK, PITCHED, stage)
        if attended == 0.0:
            break
        value = tell_own(c, world, desk, contact, focus, attended)
        tell_own(c, world, desk, contact, other, attended)
        forward_claim(c, world, events, desk, contact, focus, value, attended)
    if desk.spec[SpecColumn.SINGLE_THREADED] == 0.0:
        follow_up(c, world, events, desk, focus)


@kernel
def press_to_close(c, events, desk) -> None:
    """A deadline message to the whole committee (an hour of the seller's week); each member
    reacts through its own state (`feel_pressure`)."""
    if desk.state[DeskColumn.HOURS_LEFT] < DEADLINE_MESSAGE_HOURS:
        return
    spend(desk, DEADLINE_MESSAGE_HOURS)
    pressure = desk.spec[SpecColumn.CLOSING_PRESSURE]
    press_committee(c, desk.source, desk.vendor, pressure, desk.spec[SpecColumn.REACTANCE])
    note(desk, events, PRESSED, -1, -1, -1, pressure)


@kernel
def qualify_out(events, desk) -> None:
    """The deal stalled too long in one stage: stop working it."""
    desk.state[DeskColumn.QUALIFIED_OUT] = 1.0
    note(desk, events, QUALIFIED_OUT, int(desk.state[DeskColumn.CONTACT]), -1, -1,
         desk.state[DeskColumn.WEEKS_IN_STAGE])  # fmt: skip


@kernel
def responds_well(desk) -> bool:
    """The main contact said, when last met, that it values our offer above doing nothing."""
    contact = int(desk.state[DeskColumn.CONTACT])
    return (
        desk.observed[contact, ObservedColumn.SEEN] != 0.0
        and desk.observed[contact, ObservedColumn.SAID_PREFERS] != 0.0
    )


@kernel
def funnel_pusher_week(c, world, net, events, desk) -> None:
    """The funnel pusher's week: pitch on the stage's theme; when the calendar says so, move
    the stage on if the contact responds well, or qualify the deal out once it has stalled
    `qualify_out_weeks`; in the negotiation and close stages, press for a close."""
    state, spec = desk.state, desk.spec
    if state[DeskColumn.QUALIFIED_OUT] != 0.0:
        return
    state[DeskColumn.WEEKS_IN_STAGE] += 1
    if (
        state[DeskColumn.HOURS_LEFT] <= 0
    ):  # no time for this account this week (a territory's turns)
        if state[DeskColumn.WEEKS_IN_STAGE] >= spec[SpecColumn.QUALIFY_OUT_WEEKS]:
            qualify_out(events, desk)
        return
    pitch(c, world, events, desk)
    if state[DeskColumn.WEEKS_IN_STAGE] >= spec[SpecColumn.STAGE_WEEKS]:
        if responds_well(desk) and state[DeskColumn.STAGE] < LAST_STAGE:
            state[DeskColumn.STAGE] += 1
            state[DeskColumn.WEEKS_IN_STAGE] = 0
            stage = state[DeskColumn.STAGE]
            note(desk, events, MOVED_STAGE, int(state[DeskColumn.CONTACT]), int(stage), -1,
                 stage)  # fmt: skip
        elif state[DeskColumn.WEEKS_IN_STAGE] >= spec[SpecColumn.QUALIFY_OUT_WEEKS]:
            qualify_out(events, desk)
            return
    if state[DeskColumn.STAGE] >= NEGOTIATION:
        press_to_close(c, events, desk)


# ---- the maze guide -----------------------------------------------------------------------


@kernel
def diagnose(desk, i: int) -> int:
    """The job member i said it was on when last met (seek if never met), misjudged with
    probability `diagnosis_error`."""
    if seller_random(desk) < desk.spec[SpecColumn.DIAGNOSIS_ERROR]:
        return seller_randrange(desk, N_JOBS)
    return (
        int(desk.observed[i, ObservedColumn.SAID_JOB])
        if desk.observed[i, ObservedColumn.SEEN]
        else SEEK
    )


@kernel
def sense_making(c, world, events, desk, i: int) -> bool:
    """Curated, honest information on what matters to member i: our product on its concern
    and its top priority, a third-party review of the rival it leans to (or any rival) on that
    priority; curating clears part of its information load. False if it gave no time."""
    attended = meet(c, world, events, desk, i, SEEK, HELPED_MAKE_SENSE, -1)
    if attended == 0.0:
        return False
    top = top_priority(desk, i)
    tell_own(c, world, desk, i, concern(desk, i), attended)
    tell_own(c, world, desk, i, top, attended)
    if desk.rivals.shape[0] > 0:
        leaning = int(desk.observed[i, ObservedColumn.SAID_LEANING])
        rival = desk.rivals[0]
        for r in desk.rivals:
            if r == leaning:
                rival = leaning
        share_review(c, world, desk, i, rival, top, attended)
    curate(c, i, desk.spec[SpecColumn.OVERLOAD_RELIEF], attended)
    return True


@kernel
def proof(c, world, events, desk, i: int) -> bool:
    """A reference customer on the criterion member i said it is least sure of (sense-making
    instead when the week no longer holds the hours to arrange one)."""
    if not can_prepare(desk, 1):
        return sense_making(c, world, events, desk, i)
    attended = prepared_meeting(c, world, events, desk, i, 1, ARRANGED_REFERENCE)
    if attended > 0.0:
        reference(c, world, desk, i, concern(desk, i), attended)
    return attended > 0.0


@kernel
def pilot(c, world, events, desk, i: int) -> bool:
    """For a member who leans to doing nothing: a pilot on what worries it, two results (each
    arranged like a reference; sense-making instead when there is no time)."""
    if not can_prepare(desk, 2):
        return sense_making(c, world, events, desk, i)
    attended = prepared_meeting(c, world, events, desk, i, 2, RAN_PILOT)
    if attended > 0.0:
        criterion = concern(desk, i)
        reference(c, world, desk, i, criterion, attended)
        reference(c, world, desk, i, criterion, attended)
    return attended > 0.0


@kernel
def help_member(c, world, events, desk, i: int, job: int) -> bool:
    """One session of the help member i's job calls for; False if it gave no time."""
    if (
        desk.observed[i, ObservedColumn.SEEN]
        and desk.observed[i, ObservedColumn.SAID_LEANING] == STATUS_QUO
    ):
        return pilot(c, world, events, desk, i)
    if job == SEEK:
        return sense_making(c, world, events, desk, i)
    return proof(c, world, events, desk, i)


@kernel
def consensus_meeting(c, world, events, desk, aligners) -> None:
    """A group meeting around a shared business case (one piece of preparation) for the most
    influential aligners, who then align around the table."""
    group = by_influence(desk, aligners)[:GUIDE_GROUP_SIZE]
    if not can_prepare(desk, 1):
        return
    granted = np.zeros(group.shape[0])
    came = prepared_group_meeting(c, world, desk, group, ALIGN, granted)
    if came == 0:
        return
    seats = np.empty(came, dtype=np.int64)
    attended = np.empty(came)
    a = 0
    for b in range(group.shape[0]):
        if granted[b] > 0.0:
            seats[a], attended[a] = group[b], granted[b]
            a += 1
    value = desk.themes[BUSINESS_VALUE_THEME]
    for a in range(came):
        tell_own(c, world, desk, seats[a], value, attended[a])
    note(desk, events, CONSENSUS_MEETING, -1, -1, -1, came)
    align_around_table(c, world.params, events, seats, attended,
                       desk.spec[SpecColumn.CONSENSUS_WIDENING])  # fmt: skip


@kernel
def maze_guide_week(c, world, net, events, desk) -> None:
    """The maze guide's week: diagnose each member's job; a consensus meeting for two or more
    aligners; then rounds over the rest - influential members and those not seen for a while
    first - helping with each one's job while its hours last and someone still gives it time
    (what a week buys is contact time, whatever the length of one session)."""
    n = desk.influence.shape[0]
    jobs = np.empty(n, dtype=np.int64)
    for i in range(n):
        jobs[i] = diagnose(desk, i)
    aligners = np.flatnonzero(jobs == ALIGN)
    if aligners.shape[0] >= 2:
        consensus_meeting(c, world, events, desk, aligners)
    week = desk.state[DeskColumn.WEEK]
    rest = np.flatnonzero(jobs != ALIGN)
    priority = np.empty(rest.shape[0])
    for a in range(rest.shape[0]):
        i = rest[a]
        last = (
            desk.observed[i, ObservedColumn.SEEN_WEEK]
            if desk.observed[i, ObservedColumn.SEEN]
            else 0.0
        )
        priority[a] = desk.influence[i] * (week - last)
    ranked = rest.copy()  # by priority, highest first, then by seat
    order = np.arange(rest.shape[0])
    for a in range(1, order.shape[0]):
        item = order[a]
        b = a
        while b > 0 and priority[order[b - 1]] < priority[item]:
            order[b] = order[b - 1]
            b -= 1
        order[b] = item
    for a in range(order.shape[0]):
        ranked[a] = rest[order[a]]
    met = True
    while met and desk.state[DeskColumn.HOURS_LEFT] > SPARE:
        met = False
        for i in ranked:
            if desk.state[DeskColumn.HOURS_LEFT] <= SPARE:
                break
            met |= help_member(c, world, events, desk, i, jobs[i])


# ---- the social seller --------------------------------------------------------------------


@kernel
def connect_references(c, world, net, events, desk) -> None:
    """Introduce the members it saw validating (the most influential two) to satisfied
    customers."""
    if satisfied_customers(net, desk.vendor) == 0:
        return
    n = desk.influence.shape[0]
    count = 0
    for i in range(n):
        if (
            desk.observed[i, ObservedColumn.SEEN]
            and desk.observed[i, ObservedColumn.SAID_JOB] == VALIDATE
        ):
            count += 1
    validating = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(n):
        if (
            desk.observed[i, ObservedColumn.SEEN]
            and desk.observed[i, ObservedColumn.SAID_JOB] == VALIDATE
        ):
            validating[count] = i
            count += 1
    for i in by_influence(desk, validating)[:REFERENCE_CALLS]:
        if not can_prepare(desk, 1):
            break
        attended = prepared_meeting(c, world, events, desk, i, 1, CONNECTED_REFERENCE)
        if attended > 0.0:
            customer_call(c, world, net, i, desk.vendor, desk.source, concern(desk, i), attended,
                          seller_gauss(desk))  # fmt: skip


@kernel
def social_seller_week(c, world, net, events, desk) -> None:
    """The social seller's week: a share of its hours builds reach for its content in the
    peer network (carried over in fractions of a peer), it connects validating members with
    satisfied customers, and it guides with the rest of its week like a maze guide."""
    state, spec = desk.state, desk.spec
    network_hours = min(
        state[DeskColumn.HOURS_LEFT], state[DeskColumn.CAPACITY] * spec[SpecColumn.NETWORK_SHARE]
    )
    if network_hours > 0:
        spend(desk, network_hours)
        state[DeskColumn.REACH_BACKLOG] += network_hours * spec[SpecColumn.CONTENT_REACH]
        whole = int(state[DeskColumn.REACH_BACKLOG])
        state[DeskColumn.REACH_BACKLOG] -= whole
        added = spread_content(net, desk.mt, desk.vendor, whole)
        note(desk, events, BUILT_REACH, -1, carriers(net, desk.vendor), -1, added)
    connect_references(c, world, net, events, desk)
    maze_guide_week(c, world, net, events, desk)


FUNNEL_PUSHER = 0
MAZE_GUIDE = 1
SOCIAL_SELLER = 2


@inlined
def open_desk_week(desk, week: int) -> None:
    """A new week: the seller's capacity is its hours for this deal."""
    desk.state[DeskColumn.HOURS_LEFT] = desk.state[DeskColumn.CAPACITY]
    desk.state[DeskColumn.WEEK] = week


@kernel
def seller_week(c, world, net, events, desk) -> None:
    """A seller's week of work for the deal, within its hours left (`desk.strategy`)."""
    if desk.strategy == FUNNEL_PUSHER:
        funnel_pusher_week(c, world, net, events, desk)
    elif desk.strategy == MAZE_GUIDE:
        maze_guide_week(c, world, net, events, desk)
    else:
        social_seller_week(c, world, net, events, desk)


# ---- 3 the deal's week and its decision, compiled -----------------------------------------


# deal.shocks: float64 [horizon + 1, N_SHOCK_COLUMNS], the exogenous event of each week
@unique
class ShockColumn(IntEnum):
    """The columns of `deal.shocks`: the exogenous event drawn for each week."""

    STRIKES = 0
    FACTOR = 1
    BOOST = 2
    KIND = 3


N_SHOCK_COLUMNS = layout_width(ShockColumn)


# deal.rule: float64 [N_RULE_COLUMNS], the decision rule (`DecisionRule`) and the horizon
@unique
class RuleColumn(IntEnum):
    """The cells of `deal.rule`: the decision rule (`DecisionRule`) and the horizon."""

    SUPPORT = 0
    CONFIDENCE = 1
    MAX_UNCERTAINTY = 2
    VETOES = 3
    STALL_URGENCY = 4
    STALL_FATIGUE = 5
    HORIZON = 6
    OUR_OPTION = 7


N_RULE_COLUMNS = layout_width(RuleColumn)


# deal.status: float64 [N_STATUS_COLUMNS]
@unique
class StatusColumn(IntEnum):
    """The cells of `deal.status`: how the deal stands or ended."""

    OUTCOME = 0
    """-1 open, else `OUTCOME_*`."""
    CAUSE = 1
    """-1, or `CAUSE_*` for no decision."""
    STALL = 2
    """-1, or `STALL_*` (why it stalled)."""
    CHOSEN = 3
    VETOES = 4
    AGREEMENT = 5
    """The support of the decision taken (NaN while none)."""
    DONE = 6


N_STATUS_COLUMNS = layout_width(StatusColumn)

OUTCOME_WON = 0
OUTCOME_LOST = 1
OUTCOME_NO_DECISION = 2
CAUSE_STATUS_QUO = 0
CAUSE_STALLED = 1
STALL_LOST_URGENCY = 0
STALL_CONFLICT = 1
STALL_FATIGUE = 2


# deal.weeks: float64 [horizon, N_VIEW_COLUMNS], the committee at the end of each week
@unique
class ViewColumn(IntEnum):
    """The columns of `deal.weeks`: the committee at the end of each week
    (`CommitteeWeek`)."""

    URGENCY = 0
    LEADER = 1
    SUPPORT = 2
    CONFIDENCE = 3
    UNCERTAINTY = 4


N_VIEW_COLUMNS = layout_width(ViewColumn)

# deal line kinds (after the sellers' kinds, `PITCHED` ... `FORWARDED`)
SHOCK = 20
VETOED = 21
STALLED = 22
DECIDED = 23


@inlined
def deal_note(deal, events, week: int, kind: int, member: int, other: int, criterion: int,
              value: float) -> None:  # fmt: skip
    """One line of the deal's log (see `LineColumn`)."""
    write_line(deal.lines, deal.line_values, deal.line_count, events, week, kind, member, other,
               criterion, value)  # fmt: skip


@kernel
def account_moves(params, deal, events) -> None:
    """Urgency fades while nothing is decided; this week's exogenous event, if any, moves it
    (`ExogenousEvent.apply`)."""
    params[Param.URGENCY] *= 1.0 - params[Param.URGENCY_DECAY]
    shock = deal.shocks[int(params[Param.WEEK])]
    if shock[ShockColumn.STRIKES] != 0.0:
        before = params[Param.URGENCY]
        params[Param.URGENCY] = min(
            1.0, before * shock[ShockColumn.FACTOR] + shock[ShockColumn.BOOST]
        )
        deal_note(deal, events, int(params[Param.WEEK]), SHOCK, -1,
                  int(shock[ShockColumn.KIND]), -1, params[Param.URGENCY] - before)  # fmt: skip


@kernel
def shuffle_sellers(mt, order) -> None:
    """Who gets the committee's calendar first this week: `random.Random.shuffle` of the
    order, on the seller-order stream."""
    for i in range(order.shape[0] - 1, 0, -1):
        j = mt_randrange(mt, i + 1)
        order[i], order[j] = order[j], order[i]


@kernel
def takes_inquiries(desk) -> bool:
    """Whether the seller still answers members' questions this week: it has hours left and
    has not qualified the deal out."""
    if desk.strategy == FUNNEL_PUSHER and desk.state[DeskColumn.QUALIFIED_OUT] != 0.0:
        return False
    return desk.state[DeskColumn.HOURS_LEFT] > 0


@kernel
def open_inquiries(world, desks, n_sellers: int) -> None:
    """Sellers' hours open to members' questions this week (0: no seller, or one that no
    longer answers)."""
    world.seller_hours[:] = 0.0
    world.inquiries[:] = 0.0
    for s in range(n_sellers):
        desk = desks[s]
        if takes_inquiries(desk):
            world.seller_hours[desk.vendor] = desk.state[DeskColumn.HOURS_LEFT]


@kernel
def close_inquiries(world, desks, n_sellers: int) -> None:
    """The questions members asked cost each seller its hours (`answer_inquiry`)."""
    for s in range(n_sellers):
        desk = desks[s]
        asked = world.inquiries[desk.vendor]
        for i in range(asked.shape[0]):
            if asked[i] != 0.0:
                answer_inquiry(desk, i, asked[i])


@inlined
def python_sum(values) -> float:
    """`sum()` of floats as Python 3.12 adds them (Neumaier's compensated sum), so that
    figures match those computed in Python to the last bit."""
    total, error = 0.0, 0.0
    for x in values:
        t = total + x
        error += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    if error != 0.0 and math.isfinite(error):
        total += error
    return total


@kernel
def committee_view(preferred, influence, confidence, uncertainty, n_options: int, view) -> None:
    """Where the committee stands, from its members' columns: the leading option (most
    influence, the first on a tie), its influence share, and its supporters'
    influence-weighted confidence and remaining uncertainty, into `view` (`ViewColumn`)."""
    support = np.zeros(n_options)
    confident = np.zeros(n_options)
    uncertain = np.zeros(n_options)
    for i in range(preferred.shape[0]):
        o = preferred[i]
        weight = influence[i]
        support[o] += weight
        confident[o] += weight * confidence[i]
        uncertain[o] += weight * uncertainty[i]
    total = python_sum(support)
    leader = 0
    for o in range(1, n_options):
        if support[o] > support[leader]:
            leader = o
    backing = support[leader]
    view[ViewColumn.LEADER] = leader
    view[ViewColumn.SUPPORT] = backing / total
    view[ViewColumn.CONFIDENCE] = confident[leader] / backing
    view[ViewColumn.UNCERTAINTY] = uncertain[leader] / backing


@inlined
def rule_met(rule, view) -> bool:
    """The decision rule's first three conditions: support, its supporters' confidence and
    little enough remaining uncertainty."""
    return (
        view[ViewColumn.SUPPORT] >= rule[RuleColumn.SUPPORT]
        and view[ViewColumn.CONFIDENCE] >= rule[RuleColumn.CONFIDENCE]
        and view[ViewColumn.UNCERTAINTY] <= rule[RuleColumn.MAX_UNCERTAINTY]
    )


@inlined
def would_veto(veto: float, preferred: int, utilities, option: int) -> bool:
    """A veto holder blocks buying `option` if it prefers something else and values the
    option below doing nothing."""
    return veto != 0.0 and preferred != option and utilities[option] < utilities[STATUS_QUO]


@kernel
def record_deal_week(c, params, deal, rows, n_options: int) -> None:
    """This week's row per member (`record_week`) and where the committee stands."""
    week = int(params[Param.WEEK])
    record_week(c, rows[week - 1])
    view = deal.weeks[week - 1]
    view[ViewColumn.URGENCY] = params[Param.URGENCY]
    member = c.member
    committee_view(c.counts[:, CountColumn.PREFERRED], member[:, MemberColumn.INFLUENCE],
                   member[:, MemberColumn.CONFIDENCE], member[:, MemberColumn.UNCERTAINTY],
                   n_options, view)  # fmt: skip


@kernel
def stall_reason(fatigue, from_conflict, from_overload, urgency: float, rule) -> int:
    """Why the committee gives up this week, -1 if it does not: urgency faded below the
    floor, or the members are worn out (by clashes or by overload, whichever tired them
    more)."""
    if urgency < rule[RuleColumn.STALL_URGENCY]:
        return STALL_LOST_URGENCY
    if python_sum(fatigue) / fatigue.shape[0] >= rule[RuleColumn.STALL_FATIGUE]:
        conflict = python_sum(from_conflict)
        overload = python_sum(from_overload)
        return STALL_CONFLICT if conflict > overload else STALL_FATIGUE
    return -1


@kernel
def decide(c, params, deal, events) -> None:
    """The decision rule at the end of the week (docs/ODD.md 7.12): a decision when the
    leading option has the support, its supporters' confidence and little enough
    uncertainty, unless (for a purchase) a veto holder opposes it; else the committee may
    give up (`stall_reason`)."""
    rule, status = deal.rule, deal.status
    week = int(params[Param.WEEK])
    view = deal.weeks[week - 1]
    support = view[ViewColumn.SUPPORT]
    if rule_met(rule, view):
        option = int(view[ViewColumn.LEADER])
        blocked = False
        if rule[RuleColumn.VETOES] != 0.0 and option != STATUS_QUO:
            for i in range(c.member.shape[0]):
                if would_veto(
                    c.member[i, MemberColumn.VETO],
                    c.counts[i, CountColumn.PREFERRED],
                    c.utilities[i],
                    option,
                ):
                    if not blocked:
                        status[StatusColumn.VETOES] += 1
                    blocked = True
                    deal_note(deal, events, week, VETOED, i, option, -1, support)
        if not blocked:
            status[StatusColumn.CHOSEN] = option
            status[StatusColumn.AGREEMENT] = support
            if option == STATUS_QUO:
                status[StatusColumn.OUTCOME] = OUTCOME_NO_DECISION
                status[StatusColumn.CAUSE] = CAUSE_STATUS_QUO
            elif option == int(rule[RuleColumn.OUR_OPTION]):
                status[StatusColumn.OUTCOME] = OUTCOME_WON
            else:
                status[StatusColumn.OUTCOME] = OUTCOME_LOST
            outcome = int(status[StatusColumn.OUTCOME])
            deal_note(deal, events, week, DECIDED, -1, option, outcome, support)
            status[StatusColumn.DONE] = 1.0
            return
    member = c.member
    reason = stall_reason(member[:, MemberColumn.FATIGUE],
                          member[:, MemberColumn.FATIGUE_FROM_CONFLICT],
                          member[:, MemberColumn.FATIGUE_FROM_OVERLOAD], params[Param.URGENCY],
                          rule)  # fmt: skip
    if reason >= 0:
        status[StatusColumn.OUTCOME] = OUTCOME_NO_DECISION
        status[StatusColumn.CAUSE] = CAUSE_STALLED
        status[StatusColumn.STALL] = reason
        deal_note(deal, events, week, STALLED, -1, reason, -1, support)
    if status[StatusColumn.OUTCOME] >= 0 or week >= rule[RuleColumn.HORIZON]:
        status[StatusColumn.DONE] = 1.0


@kernel
def deal_week(c, world, net, draws, events, desks, n_sellers: int, deal, rows,
              n_options: int) -> None:  # fmt: skip
    """One week of the deal, as `BuyingCommitteeModel.step` schedules it: the account moves,
    members open their week, sellers act in a shuffled order, inquiries open, the committee
    works, inquiries are charged, the week is recorded and the committee decides."""
    params = world.params
    params[Param.WEEK] += 1
    account_moves(params, deal, events)
    open_week(c.member, params)
    shuffle_sellers(deal.order_mt, deal.order)
    for s in deal.order:
        desk = desks[s]
        open_desk_week(desk, int(params[Param.WEEK]))
        seller_week(c, world, net, events, desk)
    open_inquiries(world, desks, n_sellers)
    committee_week(c, world, net, draws, events)
    close_inquiries(world, desks, n_sellers)
    record_deal_week(c, params, deal, rows, n_options)
    decide(c, params, deal, events)


@kernel
def run_weeks(c, world, net, draws, events, desks, n_sellers: int, deal, rows, n_options: int,
              uniforms: int, normals: int, event_lines: int) -> None:  # fmt: skip
    """Weeks of the deal in one call (`deal_week`) until it ends, or until the next week might
    need more behaviour draws (`uniforms`, `normals`) or event-log room (`event_lines`) than
    are left, or more room in a seller's or the deal's line buffer than a week: the caller
    then refills them (as `BuyingCommitteeModel.step` does each week) and calls again."""
    c, world, net, draws, events, desks, deal, rows = borrowed(
        (c, world, net, draws, events, desks, deal, rows)
    )
    while deal.status[StatusColumn.DONE] == 0.0:
        if draws.uniform.shape[0] - draws.cursor[0] < uniforms:
            return
        if draws.normal.shape[0] - draws.cursor[1] < normals:
            return
        if events.codes.shape[0] - events.count[0] < event_lines:
            return
        if deal.lines.shape[0] - deal.line_count[0] < deal.lines.shape[0] // 2:
            return
        for s in range(n_sellers):
            desk = desks[s]
            if desk.lines.shape[0] - desk.line_count[0] < desk.lines.shape[0] // 2:
                return
        deal_week(c, world, net, draws, events, desks, n_sellers, deal, rows, n_options)


# ---- borrowed arrays: the deal's weeks without reference counting ---------------------------
#
# Compiled code counts references to every array it is handed, atomically, at each call and
# each field read of the namedtuples above: measured, four fifths of a deal's compiled time.
# So `run_weeks` hands the mechanisms borrowed copies of its arrays - the same data, shapes and
# strides - while its caller's arrays keep them alive. A borrowed array has its own numba type,
# `BorrowedArray`: an array whose reference counter is a plain pointer (NULL), so compiled code
# emits no counting for it at all. (Before, each field read and each call of a mechanism still
# called numba's counter functions, which found the counter NULL and returned: a sixth of the
# compiled weeks by itself, and opaque calls that kept LLVM from optimising around them;
# measured, `run_weeks` went from 0.51 to 0.22 ms a baseline pusher deal.) A slice of a
# borrowed array is an ordinary array without a counter (numba skips a NULL one), and arrays
# the mechanisms allocate themselves are counted as before. Nothing computed changes.


class BorrowedArray(types.Array):
    """numba's type of a borrowed array: an `Array` in every operation, whose data model
    (`BorrowedArrayModel`) holds no reference counter."""

    def __init__(self, dtype, ndim: int, layout: str, readonly: bool = False,
                 aligned: bool = True) -> None:  # fmt: skip
        name = f"borrowed array({dtype}, {ndim}d, {layout})"
        super().__init__(dtype, ndim, layout, readonly=readonly, name=name, aligned=aligned)


@register_model(BorrowedArray)
class BorrowedArrayModel(models.StructModel):
    """An array's fields (`numba`'s ArrayModel), the counter a plain pointer: the same machine
    layout, so every array operation reads a borrowed array as it reads any other."""

    def __init__(self, dmm, fe_type) -> None:
        members = [
            ("meminfo", types.voidptr),
            ("parent", types.pyobject),
            ("nitems", types.intp),
            ("itemsize", types.intp),
            ("data", types.CPointer(fe_type.dtype)),
            ("shape", types.UniTuple(types.intp, fe_type.ndim)),
            ("strides", types.UniTuple(types.intp, fe_type.ndim)),
        ]
        super().__init__(dmm, fe_type, members)


def borrowed(value):
    """`value` (arrays, or tuples of them, nested) with every array borrowed; as plain Python
    (NUMBA_DISABLE_JIT=1), `value` itself."""
    return value


def _borrowed_type(kind):
    """The numba type of `kind` borrowed: each array a `BorrowedArray`, tuples rebuilt."""
    if isinstance(kind, types.Array):
        return BorrowedArray(kind.dtype, kind.ndim, kind.layout, not kind.mutable, kind.aligned)
    if isinstance(kind, types.NamedUniTuple):
        return types.NamedUniTuple(_borrowed_type(kind.dtype), kind.count, kind.instance_class)
    if isinstance(kind, types.NamedTuple):
        return types.NamedTuple([_borrowed_type(t) for t in kind.types], kind.instance_class)
    if isinstance(kind, types.UniTuple):
        return types.UniTuple(_borrowed_type(kind.dtype), kind.count)
    if isinstance(kind, types.Tuple):
        return types.Tuple([_borrowed_type(t) for t in kind.types])
    return kind


def _borrowed_value(context, builder, kind, value):
    """LLVM: `value` of numba type `kind` with each array's reference counter and parent set
    to NULL (its data, shape and strides kept)."""
    if isinstance(kind, types.Array):
        source = context.make_array(kind)(context, builder, value=value)
        copy = context.make_array(kind)(context, builder)
        context.populate_array(copy, data=source.data, shape=source.shape,
                               strides=source.strides, itemsize=source.itemsize, meminfo=None,
                               parent=None)  # fmt: skip
        return copy._getvalue()
    if isinstance(kind, types.BaseTuple):
        for index, member in enumerate(kind):
            item = builder.extract_value(value, index)
            value = builder.insert_value(
                value, _borrowed_value(context, builder, member, item), index
            )
        return value
    return value


@intrinsic
def _borrow(typingctx, value):
    def codegen(context, builder, signature, args):
        return _borrowed_value(context, builder, signature.args[0], args[0])

    return _borrowed_type(value)(value), codegen


@overload(borrowed)
def _borrowed_compiled(value):
    return lambda value: _borrow(value)


# ---- seeding a seller's stream, compiled ---------------------------------------------------


def _genesis() -> np.ndarray:
    """CPython's `init_genrand(19650218)`, where every `random.Random(n)` starts (`mt_seed`)."""
    mt = [19650218]
    for i in range(1, MT_WORDS):
        previous = mt[i - 1]
        mt.append((1812433253 * (previous ^ (previous >> 30)) + i) & 0xFFFFFFFF)
    return np.array(mt, dtype=np.int64)


MT_GENESIS = _genesis()
"""The same for every seed, so computed once (numba compiles it in as a constant)."""


@kernel
def mt_seed(key, mt) -> None:
    """The state of `random.Random(n)` into `mt` (`MT_WORDS` words, then the index), `key` the
    32-bit words of n, least significant first, without leading zero words (CPython's
    `init_by_array`, after `init_genrand(19650218)`)."""
    mask = 0xFFFFFFFF
    mt[:MT_WORDS] = MT_GENESIS
    n_key = key.shape[0]
    i, j = 1, 0
    for _ in range(max(MT_WORDS, n_key)):
        previous = mt[i - 1]
        mt[i] = ((mt[i] ^ (((previous ^ (previous >> 30)) * 1664525) & mask)) + key[j] + j) & mask
        i += 1
        j += 1
        if i >= MT_WORDS:
            mt[0] = mt[MT_WORDS - 1]
            i = 1
        if j >= n_key:
            j = 0
    for _ in range(MT_WORDS - 1):
        previous = mt[i - 1]
        mt[i] = ((mt[i] ^ (((previous ^ (previous >> 30)) * 1566083941) & mask)) - i) & mask
        i += 1
        if i >= MT_WORDS:
            mt[0] = mt[MT_WORDS - 1]
            i = 1
    mt[0] = 0x80000000
    mt[MT_WORDS] = MT_WORDS


@kernel
def mt_seed_rows(keys, states) -> None:
    """`mt_seed` for each row of `keys` [stream, words] (words of n, least significant first,
    leading zero words included) into the rows of `states`."""
    for row in range(keys.shape[0]):
        used = 1
        for word in range(keys.shape[1]):
            if keys[row, word] != 0:
                used = word + 1
        mt_seed(keys[row, :used], states[row])


# ---- numpy's SeedSequence, compiled ----------------------------------------------------------
#
# A deal seeds four streams from one integer (sim/model/streams.py); numpy's `SeedSequence`
# costs about 8 us a stream in Python, more than drawing the committee. These are its hash and
# mixing steps (numpy/random/bit_generator.pyx, pool of four 32-bit words), word for word:
# `tests/test_streams_compiled.py` checks them against numpy. Products are split in 16-bit
# halves so that no step overflows 64 bits, compiled or not.

SEED_POOL_SIZE = 4
SEED_INIT_A = 0x43B0D7E5
SEED_MULT_A = 0x931E8875
SEED_INIT_B = 0x8B51F9DD
SEED_MULT_B = 0x58F38DED
SEED_MIX_MULT_L = 0xCA01F9DD
SEED_MIX_MULT_R = 0x4973F715
SEED_XSHIFT = 16
WORD_MASK = 0xFFFFFFFF


@inlined
def mul32(a: int, b: int) -> int:
    """(a * b) mod 2**32 of two 32-bit words."""
    low = a * (b & 0xFFFF)
    high = (a * (b >> 16)) & 0xFFFF
    return (low + (high << 16)) & WORD_MASK


@inlined
def seed_hashmix(value: int, hash_const: int) -> tuple[int, int]:
    """`SeedSequence`'s hashmix: the mixed value and the next hash constant."""
    value ^= hash_const
    hash_const = mul32(hash_const, SEED_MULT_A)
    value = mul32(value, hash_const)
    return value ^ (value >> SEED_XSHIFT), hash_const


@inlined
def seed_mix(x: int, y: int) -> int:
    """`SeedSequence`'s mix of two pool words."""
    result = (mul32(SEED_MIX_MULT_L, x) - mul32(SEED_MIX_MULT_R, y)) & WORD_MASK
    return result ^ (result >> SEED_XSHIFT)


@kernel
def seed_sequence_words(entropy, out) -> None:
    """Into `out`: the first `out.shape[0]` uint32 words (as int64) `generate_state` gives of a
    `SeedSequence` whose assembled entropy is `entropy` (int64 32-bit words: the seed's, least
    significant first, zero-padded to the pool size when there is a spawn key, then the key's
    words)."""
    pool = np.zeros(SEED_POOL_SIZE, dtype=np.int64)
    hash_const = SEED_INIT_A
    n = entropy.shape[0]
    for i in range(SEED_POOL_SIZE):
        value = int(entropy[i]) if i < n else 0
        pool[i], hash_const = seed_hashmix(value, hash_const)
    for source in range(SEED_POOL_SIZE):
        for target in range(SEED_POOL_SIZE):
            if source != target:
                mixed, hash_const = seed_hashmix(int(pool[source]), hash_const)
                pool[target] = seed_mix(int(pool[target]), mixed)
    for source in range(SEED_POOL_SIZE, n):
        for target in range(SEED_POOL_SIZE):
            mixed, hash_const = seed_hashmix(int(entropy[source]), hash_const)
            pool[target] = seed_mix(int(pool[target]), mixed)
    hash_const = SEED_INIT_B
    for i in range(out.shape[0]):
        value = int(pool[i % SEED_POOL_SIZE]) ^ hash_const
        hash_const = mul32(hash_const, SEED_MULT_B)
        value = mul32(value, hash_const)
        out[i] = value ^ (value >> SEED_XSHIFT)
