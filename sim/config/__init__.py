"""Scenario configuration: pydantic models, the role library and file loading."""

from sim.config.catalogue import load_scenario
from sim.config.loading import ConfigError, read_yaml, validate_mapping
from sim.config.roles import DEFAULT_CRITERIA, ROLE_LIBRARY, SOURCE_KINDS, Role
from sim.config.scenario import SELLER_STRATEGIES, Scenario, SellerSpec

__all__ = [
    "DEFAULT_CRITERIA",
    "ROLE_LIBRARY",
    "SELLER_STRATEGIES",
    "SOURCE_KINDS",
    "ConfigError",
    "Role",
    "Scenario",
    "SellerSpec",
    "load_scenario",
    "read_yaml",
    "validate_mapping",
]
