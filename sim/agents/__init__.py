"""Mesa agents: the committee's stakeholders and the vendors' sellers."""

from sim.agents.sellers import SELLER_CLASSES, Seller
from sim.agents.stakeholder import JOBS, BuyingJob, Stakeholder

__all__ = ["JOBS", "SELLER_CLASSES", "BuyingJob", "Seller", "Stakeholder"]
