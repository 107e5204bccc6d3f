"""The buying-committee model: one account's purchase, week by week."""

from sim.model.model import BuyingCommitteeModel, simulate
from sim.model.result import DealResult, Event, NoDecisionCause, Outcome, WeekState

__all__ = [
    "BuyingCommitteeModel",
    "DealResult",
    "Event",
    "NoDecisionCause",
    "Outcome",
    "WeekState",
    "simulate",
]
