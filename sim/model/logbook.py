"""The deal's logs kept as arrays while it runs, read as records when someone looks.

A run writes hundreds of events and a row per member per week; building Python records for
each would cost more than the compiled week itself, and a sweep never reads them. So the
event log holds codes (an actor, action, target and effect are indices into one table of
words) and the weekly log holds numbers; both are sequences of `Event` / `WeekState` that
decode a record when it is read, and pickle as arrays.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model import kernel as k
from sim.model.decision import STALL_REASONS
from sim.model.exogenous import EVENT_KINDS
from sim.model.result import Event, NoDecisionCause, Outcome, WeekState
from sim.model.state import Events

JOB_NAMES = ("seek", "validate", "align")
FIXED_WORDS = tuple(word.name.lower() for word in sorted(k.EventWord))
"""The kernel's own words (`kernel.EventWord`), by their codes."""


FUNNEL_STAGES = ("qualify", "discovery", "demo", "proposal", "negotiation", "close")
"""The funnel pusher's stages, by `kernel.DeskColumn.STAGE`."""
MEETING_LINES = {
    k.PITCHED: "pitched",
    k.FOLLOWED_UP: "followed up",
    k.HELPED_MAKE_SENSE: "helped make sense",
    k.ARRANGED_REFERENCE: "arranged a reference",
    k.RAN_PILOT: "ran a pilot",
    k.CONNECTED_REFERENCE: "connected a reference customer",
}
"""What the event log says of each kind of one-on-one meeting (funnel ones add the stage)."""
COUNTED_LINES = frozenset(
    {k.QUALIFIED_OUT, k.MOVED_STAGE, k.PRESENTED, k.CONSENSUS_MEETING, k.BUILT_REACH}
)
"""Lines whose value is a count (weeks, a stage, attendees, peers), logged as an integer."""
OUTCOMES = (Outcome.WON, Outcome.LOST, Outcome.NO_DECISION)
"""By `kernel.OUTCOME_*`."""
CAUSES = (NoDecisionCause.STATUS_QUO, NoDecisionCause.STALLED)
DEAL = -1
"""The speaker of the deal's own lines (the world's events and the decision)."""


@dataclass(frozen=True, slots=True)
class LineWords:
    """The names the sellers' and the deal's lines (`kernel.write_line`) are decoded with."""

    members: tuple[str, ...]
    options: tuple[str, ...]
    criteria: tuple[str, ...]
    sellers: tuple[tuple[str, int], ...]
    """(name, vendor option) of each seller, by its slot in the deal."""

    def decode(self, speaker: int, kind: int, member: int, other: int, criterion: int,
               week: int, value: float) -> Event:  # fmt: skip
        """The event a line of a seller (slot `speaker`) or of the deal (`DEAL`) records."""
        members = self.members
        if speaker == DEAL:
            if kind == k.SHOCK:
                line = ("world", "event", EVENT_KINDS[other].kind, "urgency")
            elif kind == k.VETOED:
                line = (members[member], "veto", self.options[other], "blocked")
            elif kind == k.STALLED:
                line = ("committee", "stall", self.options[k.STATUS_QUO], STALL_REASONS[other])
            else:
                line = ("committee", "decide", self.options[other], OUTCOMES[criterion].value)
            return Event(week, *line, value)
        name, vendor = self.sellers[speaker]
        actor, action = name, "seller"
        if kind in MEETING_LINES:
            target, effect = members[member], MEETING_LINES[kind]
            if other >= 0:
                effect = f"{effect} ({FUNNEL_STAGES[other]})"
        elif kind == k.FORWARDED:
            actor, action = members[member], "forward"
            target, effect = members[other], f"{self.options[vendor]}.{self.criteria[criterion]}"
        elif kind == k.QUALIFIED_OUT:
            target, effect = members[member], "qualified the deal out"
        elif kind == k.MOVED_STAGE:
            target, effect = members[member], f"moved the deal to {FUNNEL_STAGES[other]}"
        elif kind == k.PRESENTED:
            target, effect = "the committee", f"presented ({FUNNEL_STAGES[other]})"
        elif kind == k.PRESSED:
            target, effect = "committee", "pressed for a close"
        elif kind == k.CONSENSUS_MEETING:
            target, effect = "the committee", "ran a consensus meeting"
        else:
            target, effect = "network", f"built reach (+{int(value)}, {other} peers)"
        if kind in COUNTED_LINES:
            value = int(value)
        return Event(week, actor, action, target, effect, value)


def written_lines(lines: np.ndarray, values: np.ndarray, count: np.ndarray, speaker: int
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The lines a buffer (`kernel.write_line`) holds, each led by its `speaker`; the buffer
    is emptied."""
    n = int(count[0])
    rows = np.empty((n, k.N_LINE_COLUMNS + 1), dtype=np.int64)
    rows[:, 0] = speaker
    rows[:, 1:] = lines[:n]
    count[0] = 0
    return rows, values[:n].copy()


class Records[T](Sequence[T]):
    """A read-only sequence decoded on access; equal to a list of the same records."""

    @abstractmethod
    def __len__(self) -> int:
        """How many records."""

    @abstractmethod
    def _record(self, index: int) -> T:
        """Record `index` (0 <= index < len), decoded."""

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        return self._record(index)

    def __iter__(self) -> Iterator[T]:
        return (self._record(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class EventLog(Records[Event]):
    """Who did what to whom, week by week. The compiled mechanisms write codes for their
    fixed vocabulary (members, jobs, cells, sources) into `arrays`; `add` keeps the Python
    side's lines (sellers, the world, the decision) as they are, each marked with how many
    compiled lines preceded it, so reading merges both in the order they happened."""

    def __init__(self, members: list[str], cells: list[str], sources: list[str], n_options: int,
                 n_criteria: int) -> None:  # fmt: skip
        self.words = [*members, *FIXED_WORDS, *cells, *sources]
        self.words += [f"confirmed:{s}" for s in sources]
        self.words += [f"discredited:{s}" for s in sources]
        self.lines: list[tuple[int, Event]] = []
        """Python-side lines: (compiled lines before it, the event)."""
        self.line_words: LineWords | None = None
        """How the sellers' and the deal's lines decode (set once the sellers are known)."""
        self._written: list[tuple[np.ndarray, np.ndarray]] = []
        """Lines of the compiled steps not yet decoded (`add_written`), in order."""
        self._pending = 0
        self.arrays = Events(
            codes=np.zeros((256, 5), dtype=np.int32),
            values=np.zeros(256),
            count=np.zeros(2, dtype=np.int64),  # compiled lines, Python-side lines
            members=len(members),
            options=n_options,
            criteria=n_criteria,
            sources=len(sources),
        )
        self._order: list[int] | None = None
        self._order_size = -1

    def room(self, lines: int) -> Events:
        """The arrays, with room for at least `lines` more compiled lines."""
        events = self.arrays
        count = int(events.count[0])
        if count + lines > events.codes.shape[0]:
            size = max(2 * events.codes.shape[0], count + lines)
            codes = np.zeros((size, 5), dtype=np.int32)
            values = np.zeros(size)
            codes[:count], values[:count] = events.codes[:count], events.values[:count]
            self.arrays = events = events._replace(codes=codes, values=values)
        return events

    def add(self, week: int, actor: str, action: str, target: str, effect: str,
            value: float) -> None:  # fmt: skip
        self._decode_written()
        count = self.arrays.count
        count[1] += 1
        self.lines.append((int(count[0]), Event(week, actor, action, target, effect, value)))

    def add_written(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Lines of the compiled steps (`written_lines`, in the order they were written),
        decoded only when the log is read: a batch that never reads them never pays."""
        if len(rows):
            self._written.append((rows, values))
            self._pending += len(rows)

    def _decode_written(self) -> None:
        if not self._written:
            return
        decode = self.line_words.decode
        for rows, values in self._written:
            for row, value in zip(rows.tolist(), values.tolist(), strict=True):
                event = decode(row[0], row[1 + k.LineColumn.KIND], row[1 + k.LineColumn.MEMBER],
                               row[1 + k.LineColumn.OTHER], row[1 + k.LineColumn.CRITERION],
                               row[1 + k.LineColumn.WEEK], value)  # fmt: skip
                self.lines.append((row[1 + k.LineColumn.BEFORE], event))
        self._written.clear()
        self._pending = 0

    def __len__(self) -> int:
        return int(self.arrays.count[0]) + len(self.lines) + self._pending

    def _merged(self) -> list[int]:
        """Read order: >= 0 a compiled line's index, < 0 a Python line's (-1 - index)."""
        self._decode_written()
        if self._order is None or self._order_size != len(self):
            order: list[int] = []
            compiled = 0
            for index, (before, _) in enumerate(self.lines):
                order.extend(range(compiled, before))
                compiled = before
                order.append(-1 - index)
            order.extend(range(compiled, int(self.arrays.count[0])))
            self._order, self._order_size = order, len(self)
        return self._order

    def _record(self, index: int) -> Event:
        position = self._merged()[index]
        if position < 0:
            return self.lines[-1 - position][1]
        week, actor, action, target, effect = self.arrays.codes[position].tolist()
        words = self.words
        value = float(self.arrays.values[position])
        return Event(week, words[actor], words[action], words[target], words[effect], value)

    def __getstate__(self) -> dict[str, Any]:
        self._decode_written()
        n = int(self.arrays.count[0])
        arrays = self.arrays._replace(
            codes=self.arrays.codes[:n].copy(), values=self.arrays.values[:n].copy()
        )
        return {"words": self.words, "lines": self.lines, "arrays": tuple(arrays)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.words = state["words"]
        self.lines = state["lines"]
        self.arrays = Events(*state["arrays"])
        self._order, self._order_size = None, -1
        self.line_words, self._written, self._pending = None, [], 0


WEEK_FIELDS = tuple(field.name.lower() for field in sorted(k.WeekField))
"""The fields of a weekly row (`kernel.WeekField`), by column: `WeekState`'s after the week and
the stakeholder."""


class WeeklyLog(Records[WeekState]):
    """Each member at the end of each week (the swimlanes and preference timelines)."""

    def __init__(self, members: list[str], options: list[str], horizon: int) -> None:
        self.members = members
        self.options = options
        self.rows = np.zeros((horizon, len(members), k.N_WEEK_FIELDS))
        self.weeks = 0

    def __len__(self) -> int:
        return self.weeks * len(self.members)

    def job_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each member's main job week by week (the `job` of its records, read in one go) as
        `metrics.job_flows` reads it: codes [member, week] and each member's weeks."""
        codes = np.ascontiguousarray(self.rows[: self.weeks, :, k.WeekField.JOB].T, dtype=np.int8)
        return codes, np.full(len(self.members), self.weeks, dtype=np.int64)

    def _record(self, index: int) -> WeekState:
        week, i = divmod(index, len(self.members))
        fields = dict(zip(WEEK_FIELDS, self.rows[week, i].tolist(), strict=True))
        job, preferred = int(fields["job"]), int(fields["preferred"])
        fields["job"] = JOB_NAMES[job] if job >= 0 else "idle"
        fields["preferred"] = self.options[preferred]
        return WeekState(week=week + 1, stakeholder=self.members[i], **fields)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "options": self.options,
            "rows": self.rows[: self.weeks].copy(),
            "weeks": self.weeks,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
