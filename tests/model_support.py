"""Helpers for tests that set a stakeholder's history by hand (its rows of the arrays)."""

from __future__ import annotations

from sim.model import kernel as k
from sim.model.stakeholder import BuyingJob, Stakeholder


def record_job(member: Stakeholder, job: str) -> None:
    """Record one more past week in which `member` was mostly on `job`."""
    committee = member.model.committee
    week = committee.counts[member.seat, k.CountColumn.WEEKS_RECORDED]
    committee.jobs[member.seat, week] = BuyingJob(job).code
    committee.counts[member.seat, k.CountColumn.WEEKS_RECORDED] = week + 1
