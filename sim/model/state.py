"""The committee's state as NumPy arrays, grouped as the compiled mechanisms take them.

The model owns one of each per run:

- `Committee`: per-member rows - scalars (`member`, `counts`, columns named in
  sim/model/kernel.py), `priorities` and their `anchor` [n, criteria], `trust` [n, sources],
  `utilities` [n, options], `beliefs` [n, field, options, criteria] (the sufficient statistics
  of section 7.2), `recent` claims [n, 12, field] (a fixed-size buffer, oldest first) and the
  busiest job of each week `jobs` [n, weeks];
- `World`: the true offers, each source's bias and noise, the sellers' hours open to questions
  this week, the hours members spent asking them, and the scenario's numbers (`params`);
- `Net`: the peer network as compressed rows (who knows whom, customers, content carriers);
- `Draws`: the committee's behaviour stream, drawn from its NumPy `Generator` in blocks;
- `Events`: the event log as codes (decoded by sim/model/logbook.py).

A `Stakeholder` agent reads and writes its row through properties, so stories, reports and
tests keep talking to stakeholders while the mechanisms run compiled over whole arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model import kernel as k
from sim.model import pcg


class Committee(NamedTuple):
    member: np.ndarray
    counts: np.ndarray
    priorities: np.ndarray
    anchor: np.ndarray
    trust: np.ndarray
    utilities: np.ndarray
    beliefs: np.ndarray
    recent: np.ndarray
    jobs: np.ndarray


class World(NamedTuple):
    truth: np.ndarray
    bias: np.ndarray
    noise: np.ndarray
    seller_hours: np.ndarray
    """Per option: hours its seller still answers questions this week (0: no seller or none)."""
    inquiries: np.ndarray
    """[option, member]: hours member spent asking that option's seller this week."""
    params: np.ndarray


class Net(NamedTuple):
    contacts_start: np.ndarray
    """Member i knows peers contacts[contacts_start[i]:contacts_start[i + 1]]; empty: no
    network in this scenario."""
    contacts: np.ndarray
    customer: np.ndarray
    """Per peer: the vendor option it bought, -1 if none."""
    satisfied: np.ndarray
    carrier: np.ndarray
    """[option, peer]: 1 if the peer carries that vendor's content."""
    neighbours_start: np.ndarray
    neighbours: np.ndarray
    told: np.ndarray
    """Peer claims heard so far, by kind (experience, content, hearsay, opinion)."""


class Draws(NamedTuple):
    uniform: np.ndarray
    normal: np.ndarray
    cursor: np.ndarray


class Events(NamedTuple):
    codes: np.ndarray
    values: np.ndarray
    count: np.ndarray
    members: int
    options: int
    criteria: int
    sources: int


def new_committee(
    n_members: int, n_options: int, n_criteria: int, n_sources: int, horizon: int
) -> Committee:
    """Zeroed arrays for a committee; the model fills in who they are."""
    return Committee(
        member=np.zeros((n_members, k.N_MEMBER_COLUMNS)),
        counts=np.zeros((n_members, k.N_COUNT_COLUMNS), dtype=np.int64),
        priorities=np.zeros((n_members, n_criteria)),
        anchor=np.zeros((n_members, n_criteria)),
        trust=np.zeros((n_members, n_sources)),
        utilities=np.zeros((n_members, n_options)),
        beliefs=np.zeros((n_members, k.N_BELIEF_FIELDS, n_options, n_criteria)),
        recent=np.zeros((n_members, k.RECENT_CLAIMS, k.N_CLAIM_FIELDS)),
        jobs=np.full((n_members, horizon + 1), k.IDLE, dtype=np.int8),
    )


NO_NETWORK = Net(
    contacts_start=np.zeros(0, dtype=np.int64),
    contacts=np.zeros(0, dtype=np.int64),
    customer=np.zeros(0, dtype=np.int64),
    satisfied=np.zeros(0, dtype=np.int8),
    carrier=np.zeros((0, 0), dtype=np.int8),
    neighbours_start=np.zeros(0, dtype=np.int64),
    neighbours=np.zeros(0, dtype=np.int64),
    told=np.zeros(4, dtype=np.int64),
)
"""The empty network of a scenario without one (read-only: `told` stays zero)."""


class BehaviourStream:
    """The committee's behaviour draws, from one PCG64 stream (`pcg`, what a NumPy `Generator`
    on it would draw), handed to the compiled week in blocks: a block always holds more than
    the next call can use, so the kernel never calls back into Python for a number. The draws
    are those of the stream, in order, whether the kernel is compiled or not."""

    BLOCK = 4096

    def __init__(self, state: np.ndarray) -> None:
        self._state = state
        self.draws = Draws(np.zeros(0), np.zeros(0), np.zeros(2, dtype=np.int64))

    def ready(self, uniforms: int, normals: int) -> Draws:
        """Draws with at least `uniforms` and `normals` unused numbers left."""
        draws = self.draws
        left_u = draws.uniform.shape[0] - draws.cursor[0]
        left_n = draws.normal.shape[0] - draws.cursor[1]
        if left_u >= uniforms and left_n >= normals:
            return draws
        state = self._state
        uniform = np.concatenate(
            (draws.uniform[draws.cursor[0] :], pcg.uniforms(state, max(self.BLOCK, 2 * uniforms)))
        )
        normal = np.concatenate(
            (draws.normal[draws.cursor[1] :], pcg.normals(state, max(self.BLOCK, 2 * normals)))
        )
        self.draws = Draws(uniform, normal, np.zeros(2, dtype=np.int64))
        return self.draws


class Desk(NamedTuple):
    """One seller's arrays: all its decisions read (sim/model/kernel.py, section 7.15)."""

    state: np.ndarray
    """Its hours, funnel stage, main contact and reach backlog (`kernel.DeskColumn`)."""
    spec: np.ndarray
    """Its strategy's settings (`kernel.SpecColumn`)."""
    observed: np.ndarray
    """[member, field]: what each member said when last met (`kernel.ObservedColumn`)."""
    reached: np.ndarray
    """[member]: 1 once the member spent time with it."""
    influence: np.ndarray
    """The org chart: each member's influence, its role's top criterion, champion or not."""
    role_top: np.ndarray
    champion: np.ndarray
    themes: np.ndarray
    """The criterion of each funnel stage's pitch, then that of business value."""
    rivals: np.ndarray
    mt: np.ndarray
    """Its draws: `random.Random` state as `kernel.mt_word` reads it."""
    gauss_next: np.ndarray
    lines: np.ndarray
    """This week's log lines (`kernel.LineColumn`), values in `line_values`."""
    line_values: np.ndarray
    line_count: np.ndarray
    vendor: int
    source: int
    n_criteria: int
    strategy: int


class Deal(NamedTuple):
    """The deal's own arrays: its exogenous events, decision rule, status, the committee's
    standing each week, the order in which sellers get the calendar, and its log lines (the
    world's events and the decision's, decoded in Python)."""

    shocks: np.ndarray
    rule: np.ndarray
    status: np.ndarray
    weeks: np.ndarray
    order_mt: np.ndarray
    order: np.ndarray
    lines: np.ndarray
    line_values: np.ndarray
    line_count: np.ndarray


def desk_slots(desks: tuple[Desk, ...], vendors: int) -> tuple[Desk, ...]:
    """The sellers' desks padded with desks of no seller to one per vendor (at least one):
    the compiled week is compiled once per length of this tuple, so a deal where a vendor has
    no seller (`none`) runs the same compiled code as one where every vendor has one, and a
    fresh worker loads it once. The padding is never read: the week visits `n_sellers`."""
    return desks + tuple(no_desk() for _ in range(max(vendors, 1) - len(desks)))


def no_desk() -> Desk:
    """A desk of no seller (a deal without sellers still hands the compiled week a tuple of
    desks of one type)."""
    return Desk(
        state=np.zeros(k.N_DESK_COLUMNS),
        spec=np.zeros(k.N_SPEC_COLUMNS),
        observed=np.zeros((0, k.N_OBSERVED_COLUMNS)),
        reached=np.zeros(0, dtype=np.int8),
        influence=np.zeros(0),
        role_top=np.zeros(0, dtype=np.int64),
        champion=np.zeros(0, dtype=np.int8),
        themes=np.zeros(0, dtype=np.int64),
        rivals=np.zeros(0, dtype=np.int64),
        mt=np.zeros(k.MT_WORDS + 1, dtype=np.int64),
        gauss_next=np.zeros(2),
        lines=np.zeros((1, k.N_LINE_COLUMNS), dtype=np.int64),
        line_values=np.zeros(1),
        line_count=np.zeros(1, dtype=np.int64),
        vendor=0,
        source=0,
        n_criteria=0,
        strategy=-1,
    )
