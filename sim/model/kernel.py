"""The committee's week, compiled: every stakeholder mechanism of docs/ODD.md section 7 as one
`numba` function over the committee's state arrays (`sim/model/state.py`).

This module *is* the stakeholder model: `Stakeholder` (a Mesa agent) reads its row of the
arrays, and its methods call these functions. There is no second copy in Python. With
`NUMBA_DISABLE_JIT=1` the same functions run as plain Python over the same arrays, for
debugging and for the mechanism tests.

Reading a mechanism: find the function named as ODD.md names it (`seek`, `validate`,
`align_with`, `hear`, `appraise`, ...). Its arguments are the namedtuples of
`sim/model/state.py`; `c.member[i, FATIGUE]` is member i's fatigue, `c.beliefs[i, MEAN, o, k]`
its mean belief about option o on criterion k, `c.trust[i, s]` its trust in source s (source
indices: `INDEPENDENT_RESEARCH`, `PEERS`, `COLLEAGUES`, `REFERENCES`, then each vendor's
content and seller, see `content_source` and `seller_source`). The layout constants below name
every column.

Everything lives in this one module on purpose: numba's on-disk cache is invalidated by the
file of the function it compiled, so a mechanism and its callers must share a file for an edit
to one to recompile the others.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.compilation import inlined, kernel

# ---- layout ------------------------------------------------------------------------------

# member: float64 [n, N_MEMBER_COLUMNS], one row per stakeholder
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
WEEK_WITH_SELLERS = 19
TOTAL_HOURS = 20  # three columns, one per job
TOTAL_WITH_SELLERS = 23
HOURS_SEEKING_ALONE = 24
LAST_WEEK_HOURS = 25  # three columns per job, then the hours with sellers
CONFIDENCE = 29
UNCERTAINTY = 30
DISAGREEMENT = 31
REACTANCE = 32  # 0-1, saturating: how much it has turned against sellers' pressure
N_MEMBER_COLUMNS = 33

# counts: int64 [n, N_COUNT_COLUMNS]
PREFERRED = 0
RECENT_COUNT = 1
CLAIMS_DISCREDITED = 2
CONFLICTS = 3
WEEKS_RECORDED = 4
N_COUNT_COLUMNS = 5

# beliefs: float64 [n, N_BELIEF_FIELDS, options, criteria], sufficient statistics (7.2)
PRIOR_PRECISION = 0
PRIOR_MEAN = 1
CLAIM_WEIGHT = 2
CLAIM_SUM = 3
CLAIM_SQUARES = 4
MEAN = 5
SD = 6
N_BELIEF_FIELDS = 7

# recent: float64 [n, RECENT_CLAIMS, N_CLAIM_FIELDS], the claims kept in mind for validation,
# oldest first; counts[i, RECENT_COUNT] of them are live.
RECENT_CLAIMS = 12
"""Claims a stakeholder keeps in mind as candidates for validation; older ones are taken as
they are."""
CLAIM_OPTION = 0
CLAIM_CRITERION = 1
CLAIM_VALUE = 2
CLAIM_ORIGIN = 3
CLAIM_WEIGHT_HELD = 4
CLAIM_SD = 5
CLAIM_CHANNEL = 6
CLAIM_WEEK = 7
N_CLAIM_FIELDS = 8

# jobs: int8 [n, horizon + 1], each week's busiest job
SEEK = 0
VALIDATE = 1
ALIGN = 2
IDLE = -1
N_JOBS = 3

# sources: fixed independent kinds first, then (vendor_content, seller) per vendor option
INDEPENDENT_RESEARCH = 0
PEERS = 1
COLLEAGUES = 2
REFERENCES = 3
N_INDEPENDENT_SOURCES = 4

# params: float64 [N_PARAMS], the scenario's numbers and the account's state this week
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
N_PARAMS = 20

# the event log's fixed words (codes in sim/model/logbook.py: members first, then these)
WORD_SEEK = 0
WORD_VALIDATE = 1
WORD_ALIGN = 2
WORD_CONVERGED = 3
WORD_CLASHED = 4
N_WORDS = 5

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
    w = beliefs[i, CLAIM_WEIGHT, o, c] + weight
    if w < 1e-9:  # all claims about this cell gone: back to the prior exactly
        w, s, q = 0.0, 0.0, 0.0
    else:
        s = beliefs[i, CLAIM_SUM, o, c] + weight * value
        q = beliefs[i, CLAIM_SQUARES, o, c] + weight * value * value
    beliefs[i, CLAIM_WEIGHT, o, c] = w
    beliefs[i, CLAIM_SUM, o, c] = s
    beliefs[i, CLAIM_SQUARES, o, c] = q
    p0 = beliefs[i, PRIOR_PRECISION, o, c]
    precision = p0 + w
    beliefs[i, MEAN, o, c] = (p0 * beliefs[i, PRIOR_MEAN, o, c] + s) / precision
    spread = 0.0
    if w > 0.0:
        claims_mean = s / w
        spread = max(0.0, q / w - claims_mean * claims_mean)
    beliefs[i, SD, o, c] = math.sqrt(1.0 / precision + CONTRADICTION_WEIGHT * spread)


# ---- 7.3 absorption: hearing a claim -----------------------------------------------------


@kernel
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
    member[i, LOAD] += attended
    attention = params[ATTENTION]
    load = member[i, LOAD]
    absorption = 1.0 if load <= attention else attention / load
    weight = c.trust[i, origin] * absorption * attended * params[CLAIM_PRECISION]
    shift_belief(c.beliefs, i, option, criterion, value, weight)
    if validated:
        return weight
    recent = c.recent
    n = c.counts[i, RECENT_COUNT]
    if n == RECENT_CLAIMS:
        forget_recent(c, i, 0)
        n -= 1
    recent[i, n, CLAIM_OPTION] = option
    recent[i, n, CLAIM_CRITERION] = criterion
    recent[i, n, CLAIM_VALUE] = value
    recent[i, n, CLAIM_ORIGIN] = origin
    recent[i, n, CLAIM_WEIGHT_HELD] = weight
    recent[i, n, CLAIM_SD] = sd
    recent[i, n, CLAIM_CHANNEL] = channel
    recent[i, n, CLAIM_WEEK] = params[WEEK]
    c.counts[i, RECENT_COUNT] = n + 1
    return weight


@inlined
def forget_recent(c, i: int, k: int) -> None:
    """Take recent claim k out of member i's mind (it has been checked)."""
    recent = c.recent
    n = c.counts[i, RECENT_COUNT]
    for j in range(k, n - 1):
        for f in range(N_CLAIM_FIELDS):
            recent[i, j, f] = recent[i, j + 1, f]
    c.counts[i, RECENT_COUNT] = n - 1


# ---- 7.4 attention -----------------------------------------------------------------------


@inlined
def weekly_budget(member, i: int) -> float:
    """Member i's hours this week: fewer when tired."""
    return member[i, WEEKLY_HOURS] * (1.0 - member[i, FATIGUE])


@kernel
def start_week(member, params, i: int) -> None:
    """Set member i's hours this week (`weekly_budget`) and the share of them sellers may
    have, before any seller asks for a meeting."""
    hours = weekly_budget(member, i)
    member[i, HOURS_LEFT] = hours
    member[i, SELLER_TIME_LEFT] = hours * params[SELLER_TIME_SHARE]


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
    return max(0.0, min(hours, member[i, SELLER_TIME_LEFT]))


@inlined
def book_seller_time(member, i: int, hours: float, job: int) -> None:
    """A seller meeting takes `hours` of member i's week, counted under `job`."""
    member[i, HOURS_LEFT] -= hours
    member[i, SELLER_TIME_LEFT] -= hours
    member[i, WEEK_HOURS + job] += hours
    member[i, WEEK_WITH_SELLERS] += hours


@kernel
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
            total += c.priorities[i, k] * c.beliefs[i, SD, o, k]
    return total


@kernel
def needs(c, params, i: int) -> tuple[float, float, float]:
    """How much member i needs each job now, each on a 0-1 scale. seek: its uncertainty about
    the vendors on what matters to it, damped by overload; validate: doubt about the recent
    claims it has not checked; align: its disagreement with the committee."""
    priorities = c.priorities
    n_options = c.beliefs.shape[2]
    seek_need = vendor_uncertainty(c, i) / ((n_options - 1) * params[PRIOR_SD])
    seek_need /= 1.0 + max(0.0, c.member[i, OVERLOAD] - 1.0)
    doubt = 0.0
    recent = c.recent
    for k in range(c.counts[i, RECENT_COUNT]):
        criterion, origin = int(recent[i, k, CLAIM_CRITERION]), int(recent[i, k, CLAIM_ORIGIN])
        doubt += priorities[i, criterion] * (1.0 - c.trust[i, origin])
    return seek_need, doubt / (doubt + 0.5), c.member[i, DISAGREEMENT]


@kernel
def choose_job(c, params, draws, i: int) -> int:
    """Softmax over needs with temperature `behaviour.choice_noise`; no validating without a
    claim to check, no aligning alone."""
    seek_need, validate_need, align_need = needs(c, params, i)
    temperature = params[CHOICE_NOISE]
    w_seek = math.exp(seek_need / temperature)
    w_validate = math.exp(validate_need / temperature) if c.counts[i, RECENT_COUNT] > 0 else 0.0
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


@kernel
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


@kernel
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


@kernel
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
        draw -= p[i, k] * beliefs[i, SD, o, k]
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
        attended = min(1.0, world.seller_hours[option], c.member[i, SELLER_TIME_LEFT])
        world.seller_hours[option] -= attended
        world.inquiries[option, i] += attended
        c.member[i, SELLER_TIME_LEFT] -= attended
        c.member[i, WEEK_WITH_SELLERS] += attended
        with_seller = attended
    found = params[CLAIMS_FOUND]
    n_claims = int(found) + (1 if uniform(draws) < found - int(found) else 0)
    noise = world.noise[source]
    for k in range(n_claims):
        about = criterion if k == 0 else randbelow(draws, n_criteria)
        value = claim_from(net, world, draws, i, source, option, about)
        hear(c, params, i, option, about, value, source, noise, source, False, attended)
    log(
        events,
        int(params[WEEK]),
        i,
        word(events, WORD_SEEK),
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
    c.counts[i, CLAIMS_DISCREDITED] += 1
    loss = params[TRUST_LOSS]
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
    criterion = int(c.recent[i, k, CLAIM_CRITERION])
    origin = int(c.recent[i, k, CLAIM_ORIGIN])
    return c.priorities[i, criterion] * (1.0 - c.trust[i, origin])


@kernel
def validate(c, world, net, draws, events, i: int) -> tuple[int, float, float, int, int]:
    """Member i checks a recent claim - the more doubtful of two drawn, weighted by what
    matters - against the most trusted independent source (see `fails_check`); a failed claim
    is dropped and its origin blamed (`discredit`), a confirmed one counts more and its origin
    earns trust. The check itself is heard as a checked claim. Returns the check: (checker,
    its value, the weight it was heard with, option, criterion)."""
    params = world.params
    recent = c.recent
    n = c.counts[i, RECENT_COUNT]
    first, second = randbelow(draws, n), randbelow(draws, n)
    chosen = first if claim_doubt(c, i, first) >= claim_doubt(c, i, second) else second
    option = int(recent[i, chosen, CLAIM_OPTION])
    criterion = int(recent[i, chosen, CLAIM_CRITERION])
    value = recent[i, chosen, CLAIM_VALUE]
    origin = int(recent[i, chosen, CLAIM_ORIGIN])
    weight = recent[i, chosen, CLAIM_WEIGHT_HELD]
    claim_sd = recent[i, chosen, CLAIM_SD]
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
    week = int(params[WEEK])
    target = cell_code(events, option, criterion)
    if fails_check(value, claim_sd, check, check_sd, params[VALIDATION_Z]):
        discredit(c, params, i, option, criterion, value, weight, origin)
        log(events, week, i, word(events, WORD_VALIDATE), target,
            source_code(events, origin, 2), check)  # fmt: skip
    else:
        shift_belief(
            c.beliefs, i, option, criterion, value, weight * (params[CONFIRMATION_BOOST] - 1.0)
        )
        trust[i, origin] += params[TRUST_GAIN] * (1.0 - trust[i, origin])
        log(events, week, i, word(events, WORD_VALIDATE), target,
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
    s_i, s_j = c.member[i, STUBBORNNESS], c.member[j, STUBBORNNESS]
    for k in range(p.shape[1]):
        mine, theirs = p[i, k], p[j, k]
        p[i, k] = friedkin_johnsen(s_i, c.anchor[i, k], mine, theirs, convergence)
        p[j, k] = friedkin_johnsen(s_j, c.anchor[j, k], theirs, mine, convergence)


@kernel
def share_beliefs_with(c, params, speaker: int, listener: int, hours: float) -> None:
    """The speaker tells the listener its view of the vendor on which they differ most, on
    the criterion that matters most to the listener, heard for the `hours` they spent."""
    mean = c.beliefs
    priorities = c.priorities
    criterion = 0
    for k in range(1, priorities.shape[1]):
        if priorities[listener, k] > priorities[listener, criterion]:
            criterion = k
    option, widest = 1, -1.0
    for o in range(1, mean.shape[2]):
        gap = abs(mean[speaker, MEAN, o, criterion] - mean[listener, MEAN, o, criterion])
        if gap > widest:
            option, widest = o, gap
    hear(c, params, listener, option, criterion, mean[speaker, MEAN, option, criterion],
         COLLEAGUES, mean[speaker, SD, option, criterion], COLLEAGUES, False, hours)  # fmt: skip


@kernel
def align_with(c, params, events, i: int, j: int, hours: float) -> bool:
    """Members i and j meet for `hours` (an hour of a member's own alignment is one meeting;
    a seller's consensus meeting gives what its attendees spent in it): within the
    bounded-confidence radius (widened by any consensus help this week) they converge and
    share beliefs in proportion to the hours, else they clash, which tires both. True if
    they converged."""
    member = c.member
    distance = priority_distance(c.priorities, i, j)
    radius = member[i, OPEN_MINDEDNESS] + max(member[i, CONSENSUS_HELP], member[j, CONSENSUS_HELP])
    week = int(params[WEEK])
    if distance <= radius:
        converge(c, i, j, params[CONVERGENCE] * min(1.0, hours))
        share_beliefs_with(c, params, i, j, hours)
        share_beliefs_with(c, params, j, i, hours)
        log(events, week, i, word(events, WORD_ALIGN), j, word(events, WORD_CONVERGED), distance)
        return True
    for side in (i, j):
        member[side, FATIGUE] = min(1.0, member[side, FATIGUE] + params[CONFLICT_FATIGUE])
        member[side, FATIGUE_FROM_CONFLICT] += params[CONFLICT_FATIGUE]
    c.counts[i, CONFLICTS] += 1
    log(events, week, i, word(events, WORD_ALIGN), j, word(events, WORD_CLASHED), distance)
    return False


@inlined
def partner_weight(c, i: int, j: int) -> float:
    """How likely member i seeks out colleague j: its influence, doubled if j favours another
    option."""
    differs = c.counts[j, PREFERRED] != c.counts[i, PREFERRED]
    return c.member[j, INFLUENCE] * (2.0 if differs else 1.0)


@kernel
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
        member[0, DISAGREEMENT] = 0.0
        return
    total = 0.0
    for j in range(n):
        total += member[j, INFLUENCE]
    for i in range(n):
        against, distance = 0.0, 0.0
        for j in range(n):
            if c.counts[j, PREFERRED] != c.counts[i, PREFERRED]:
                against += member[j, INFLUENCE]
            distance += priority_distance(c.priorities, i, j)
        against /= total - member[i, INFLUENCE]
        member[i, DISAGREEMENT] = against + 0.5 * distance / (n - 1)


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
    sureness = max(0.0, 2.0 * member[i, CONFIDENCE] - 1.0)
    if c.counts[i, PREFERRED] == vendor:
        member[i, FELT_DEADLINE] += pressure * sureness * (1.0 - member[i, FELT_DEADLINE])
    raised = reactance * (1.0 - sureness) * (1.0 - member[i, REACTANCE])
    member[i, REACTANCE] += raised
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
        weighted_sd = c.priorities[i, k] * c.beliefs[i, SD, o, k]
        variance += weighted_sd * weighted_sd
    return variance


@kernel
def appraise(c, params, i: int) -> None:
    """Member i values every option (mean-variance utility under its priorities; the status
    quo carries the pain of the problem times the urgency, its own felt deadline included),
    how sure it is that its favourite is best (`confidence`) and how uncertain it still is
    about that favourite's value (`uncertainty`, the sd of its utility)."""
    member, beliefs, priorities, utilities = c.member, c.beliefs, c.priorities, c.utilities
    rho = member[i, RISK_AVERSION] * (1.0 + member[i, REACTANCE])
    n_options, n_criteria = beliefs.shape[2], beliefs.shape[3]
    for o in range(n_options):
        value = 0.0
        for k in range(n_criteria):
            value += priorities[i, k] * beliefs[i, MEAN, o, k]
        if o == STATUS_QUO:
            value -= params[PAIN] * (params[URGENCY] + member[i, FELT_DEADLINE])
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
        member[i, CONFIDENCE] = normal_cdf(gap / math.sqrt(spread + 1e-6))
    else:
        member[i, CONFIDENCE] = 1.0
    c.counts[i, PREFERRED] = best
    member[i, UNCERTAINTY] = math.sqrt(value_variance(c, i, best))


@kernel
def appraise_committee(c, params) -> None:
    """`appraise` for every member."""
    for i in range(c.member.shape[0]):
        appraise(c, params, i)


# ---- 7.9 end of week ---------------------------------------------------------------------


@kernel
def end_week(c, params, i: int) -> None:
    """Overload turns into fatigue, the load clears partly, a felt deadline fades like the
    account's urgency, member i re-appraises, and the week's hours are recorded."""
    member = c.member
    member[i, OVERLOAD] = member[i, LOAD] / params[ATTENTION]
    from_overload = params[OVERLOAD_FATIGUE] * max(0.0, member[i, OVERLOAD] - 1.0)
    member[i, FATIGUE_FROM_OVERLOAD] += from_overload
    fatigue = member[i, FATIGUE] + from_overload - params[FATIGUE_RECOVERY]
    member[i, FATIGUE] = min(1.0, max(0.0, fatigue))
    member[i, PEAK_FATIGUE] = max(member[i, PEAK_FATIGUE], member[i, FATIGUE])
    member[i, LOAD] *= 1.0 - params[OVERLOAD_RECOVERY]
    member[i, FELT_DEADLINE] *= 1.0 - params[URGENCY_DECAY]
    appraise(c, params, i)
    busiest = SEEK
    for job in range(1, N_JOBS):
        if member[i, WEEK_HOURS + job] > member[i, WEEK_HOURS + busiest]:
            busiest = job
    week = c.counts[i, WEEKS_RECORDED]
    if week < c.jobs.shape[1]:
        c.jobs[i, week] = busiest if member[i, WEEK_HOURS + busiest] > 0 else IDLE
    c.counts[i, WEEKS_RECORDED] = week + 1
    for job in range(N_JOBS):
        member[i, LAST_WEEK_HOURS + job] = member[i, WEEK_HOURS + job]
        member[i, TOTAL_HOURS + job] += member[i, WEEK_HOURS + job]
        member[i, WEEK_HOURS + job] = 0.0
    member[i, LAST_WEEK_HOURS + N_JOBS] = member[i, WEEK_WITH_SELLERS]
    member[i, TOTAL_WITH_SELLERS] += member[i, WEEK_WITH_SELLERS]
    member[i, WEEK_WITH_SELLERS] = 0.0
    member[i, CONSENSUS_HELP] = 0.0


@kernel
def record_week(c, rows) -> None:
    """Each member at the end of the week, one row each of `rows` [member, field]: the busiest
    job, the hours of each job and with sellers, the option it favours, its confidence,
    fatigue and overload (the fields of `WeekState`)."""
    member = c.member
    for i in range(member.shape[0]):
        week = min(c.counts[i, WEEKS_RECORDED], c.jobs.shape[1]) - 1
        rows[i, 0] = c.jobs[i, week] if week >= 0 else IDLE
        for f in range(N_JOBS + 1):
            rows[i, 1 + f] = member[i, LAST_WEEK_HOURS + f]
        rows[i, 5] = c.counts[i, PREFERRED]
        rows[i, 6] = member[i, CONFIDENCE]
        rows[i, 7] = member[i, FATIGUE]
        rows[i, 8] = member[i, OVERLOAD]


# ---- a member's week and the committee's ------------------------------------------------


@kernel
def spend_hours(c, world, net, draws, events, i: int) -> None:
    """Member i spends this week's remaining hours on buying jobs, an hour each; a fraction of
    an hour left over becomes one more hour with that probability (so hours count fully on
    average, and no threshold of whole hours decides anything)."""
    member = c.member
    hours = max(0.0, member[i, HOURS_LEFT])
    whole = math.floor(hours)
    actions = int(whole) + (1 if uniform(draws) < hours - whole else 0)
    for _ in range(actions):
        job = choose_job(c, world.params, draws, i)
        if job == SEEK:
            member[i, HOURS_SEEKING_ALONE] += 1.0 - seek(c, world, net, draws, events, i)
        elif job == VALIDATE:
            validate(c, world, net, draws, events, i)
        else:
            align(c, world.params, draws, events, i)
        member[i, WEEK_HOURS + job] += 1.0
    member[i, HOURS_LEFT] = 0.0


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
    weeks = c.counts[i, WEEKS_RECORDED]
    job = SEEK
    if weeks > 0 and weeks <= c.jobs.shape[1] and c.jobs[i, weeks - 1] != IDLE:
        job = c.jobs[i, weeks - 1]
    prefers = c.utilities[i, vendor] >= c.utilities[i, STATUS_QUO]
    if draw >= params[DISCLOSURE] * c.trust[i, source]:
        return job, c.counts[i, PREFERRED], prefers, role_top, role_top
    p, beliefs = c.priorities, c.beliefs
    top, concern = 0, 0
    for k in range(1, p.shape[1]):
        if p[i, k] > p[i, top]:
            top = k
        if p[i, k] * beliefs[i, SD, vendor, k] > p[i, concern] * beliefs[i, SD, vendor, concern]:
            concern = k
    return job, c.counts[i, PREFERRED], prefers, top, concern


@kernel
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
