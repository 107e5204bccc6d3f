"""The peer and reference network: the people outside the company a stakeholder can ask.

Buyers research behind closed doors and trust friends, colleagues and impartial strangers
more than salespeople ("The day the funnel broke"). Here they reach peers through a
small-world graph (Watts-Strogatz, networkx) drawn once per run from its own random stream,
so every seller strategy meets the same network (common random numbers):

- each stakeholder knows each peer directly with probability `reach`;
- some peers are a vendor's existing customers: satisfied ones report their true experience
  a little warmly, regretful ones coldly;
- peers who took up a social seller's content pass it on, honestly but warmly;
- other peers pass on hearsay from a customer they know, or else a generic opinion.

What a peer says is heard through the `peers` channel, with the trust stakeholders place in
peers; seller content that travels this way carries that trust, not the seller's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from sim.config.scenario import Network
from sim.model.information import claim_value

SATISFIED_SPIN = 0.05
REGRETFUL_SPIN = -0.15
EXPERIENCE_NOISE = 0.05
HEARSAY_NOISE = 0.10
CONTENT_SPIN = 0.05
CONTENT_NOISE = 0.06
DEFAULT_SATISFACTION = 0.7


@dataclass
class PeerNetwork:
    graph: nx.Graph
    contacts: list[list[int]]  # per stakeholder: the peers it knows directly
    customers: dict[int, tuple[int, bool]]  # peer -> (vendor option, satisfied)
    carriers: dict[int, set[int]] = field(default_factory=dict)  # vendor -> peers with content
    told: dict[str, int] = field(default_factory=dict)  # what kinds of peer claims were heard

    @classmethod
    def build(
        cls,
        settings: Network,
        n_stakeholders: int,
        vendor_options: dict[str, int],
        rng: np.random.Generator,
    ) -> PeerNetwork:
        size = settings.size
        neighbours = min(settings.neighbours, size - 1)
        neighbours -= neighbours % 2  # Watts-Strogatz needs an even number of ties
        graph = nx.watts_strogatz_graph(
            size, neighbours, settings.rewiring, seed=int(rng.integers(2**31))
        )
        knows = rng.random((n_stakeholders, size)) < settings.reach
        contacts = [list(np.flatnonzero(row)) for row in knows]
        order = rng.permutation(size)
        customers: dict[int, tuple[int, bool]] = {}
        start = 0
        for vendor, option in vendor_options.items():
            count = min(settings.installed_base.get(vendor, 0), size - start)
            satisfied_share = settings.satisfaction.get(vendor, DEFAULT_SATISFACTION)
            happy = rng.random(count) < satisfied_share
            for peer, satisfied in zip(order[start : start + count], happy, strict=True):
                customers[int(peer)] = (option, bool(satisfied))
            start += count
        return cls(graph, contacts, customers, {o: set() for o in vendor_options.values()})

    def knows_peers(self, stakeholder: int) -> bool:
        return bool(self.contacts[stakeholder])

    def satisfied_customers(self, option: int) -> list[int]:
        return sorted(p for p, (o, happy) in self.customers.items() if o == option and happy)

    experience_noise = EXPERIENCE_NOISE

    def customer_experience(self, true_quality: float, rng: random.Random) -> float:
        """What a satisfied customer reports of a criterion: the truth, a little warmly."""
        return claim_value(true_quality, 0.0, SATISFIED_SPIN + EXPERIENCE_NOISE * rng.gauss(0, 1))

    def record(self, kind: str) -> None:
        self.told[kind] = self.told.get(kind, 0) + 1

    def spread_content(self, option: int, peers: int, rng: random.Random) -> int:
        """A social seller's content reaches `peers` more peers, hubs first (weighted by
        degree); returns how many newly carry it."""
        carriers = self.carriers.setdefault(option, set())
        candidates = [p for p in self.graph.nodes if p not in carriers]
        added = 0
        for _ in range(min(peers, len(candidates))):
            weights = [self.graph.degree(p) + 1 for p in candidates]
            chosen = rng.choices(candidates, weights)[0]
            candidates.remove(chosen)
            carriers.add(chosen)
            added += 1
        return added

    def ask(
        self,
        stakeholder: int,
        option: int,
        criterion: int,
        truth: float,
        generic_noise: float,
        rng: random.Random,
        generic_bias: float = 0.0,
    ) -> tuple[float, str]:
        """What a peer the stakeholder knows says about (option, criterion), and what kind
        of claim it was: experience, content, hearsay or opinion."""
        peer = self.contacts[stakeholder][rng.randrange(len(self.contacts[stakeholder]))]
        gauss = rng.gauss(0.0, 1.0)
        customer = self.customers.get(peer)
        if customer is not None and customer[0] == option:
            kind = "experience"
            spin = SATISFIED_SPIN if customer[1] else REGRETFUL_SPIN
            value = claim_value(truth, 0.0, spin + EXPERIENCE_NOISE * gauss)
        elif peer in self.carriers.get(option, ()):
            kind = "content"
            value = claim_value(truth, 0.0, CONTENT_SPIN + CONTENT_NOISE * gauss)
        else:
            known = [self.customers[n] for n in self.graph.neighbors(peer) if n in self.customers]
            hearsay = [c for c in known if c[0] == option]
            if hearsay:
                kind = "hearsay"
                satisfied = hearsay[rng.randrange(len(hearsay))][1]
                spin = SATISFIED_SPIN if satisfied else REGRETFUL_SPIN
                value = claim_value(truth, 0.0, spin + HEARSAY_NOISE * gauss)
            else:
                kind = "opinion"
                value = claim_value(truth, generic_bias, generic_noise * gauss)
        self.record(kind)
        return value, kind
