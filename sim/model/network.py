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

The graph is built here with networkx; asking a peer (`kernel.ask_peer`) runs compiled over
the network's arrays (`PeerNetwork.arrays`: compressed contact and neighbour lists, who is a
customer, who carries which vendor's content).
"""

from __future__ import annotations

import random

import networkx as nx
import numpy as np

from sim.config.scenario import Network
from sim.model import kernel as k
from sim.model.kernel import (
    CONTENT_NOISE,
    CONTENT_SPIN,
    EXPERIENCE_NOISE,
    HEARSAY_NOISE,
    REGRETFUL_SPIN,
    SATISFIED_SPIN,
)
from sim.model.state import Draws, Net, World

__all__ = [
    "CONTENT_NOISE",
    "CONTENT_SPIN",
    "DEFAULT_SATISFACTION",
    "EXPERIENCE_NOISE",
    "HEARSAY_NOISE",
    "PEER_CLAIM_KINDS",
    "REGRETFUL_SPIN",
    "SATISFIED_SPIN",
    "PeerNetwork",
]

DEFAULT_SATISFACTION = 0.7
PEER_CLAIM_KINDS = ("experience", "content", "hearsay", "opinion")
"""Kinds of peer claim, in the order of kernel.EXPERIENCE ... kernel.OPINION."""


def _compressed(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of indices as (start offsets, concatenated indices)."""
    start = np.zeros(len(rows) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(row) for row in rows])
    flat = np.array([i for row in rows for i in row], dtype=np.int64)
    return start, flat


class PeerNetwork:
    """The peers outside the company, drawn once per run (see the module docstring)."""

    experience_noise = EXPERIENCE_NOISE

    def __init__(
        self,
        graph: nx.Graph,
        contacts: list[list[int]],
        customers: dict[int, tuple[int, bool]],
        n_options: int,
    ) -> None:
        self.graph = graph
        self._contacts = contacts
        self._customers = customers
        self.carrier = np.zeros((n_options, graph.number_of_nodes()), dtype=np.int8)
        """[option, peer]: 1 if the peer carries that vendor's content."""
        self.told_counts = np.zeros(len(PEER_CLAIM_KINDS), dtype=np.int64)
        self._arrays: Net | None = None

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
        contacts = [np.flatnonzero(row).tolist() for row in knows]
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
        return cls(graph, contacts, customers, 1 + max(vendor_options.values(), default=0))

    # ---- who knows whom (set at build; settable for experiments) -------------------------

    @property
    def contacts(self) -> list[list[int]]:
        """Per stakeholder: the peers it knows directly."""
        return self._contacts

    @contacts.setter
    def contacts(self, contacts: list[list[int]]) -> None:
        self._contacts = contacts
        self._arrays = None

    @property
    def customers(self) -> dict[int, tuple[int, bool]]:
        """Peer -> (vendor option it bought, satisfied)."""
        return self._customers

    @customers.setter
    def customers(self, customers: dict[int, tuple[int, bool]]) -> None:
        self._customers = customers
        self._arrays = None

    @property
    def arrays(self) -> Net:
        """The network as the compiled mechanisms read it (shares `carrier` and the counts)."""
        if self._arrays is None:
            contacts_start, contacts = _compressed(self._contacts)
            nodes = self.graph.number_of_nodes()
            neighbours_start, neighbours = _compressed(
                [sorted(self.graph.neighbors(p)) for p in range(nodes)]
            )
            customer = np.full(nodes, -1, dtype=np.int64)
            satisfied = np.zeros(nodes, dtype=np.int8)
            for peer, (option, happy) in self._customers.items():
                customer[peer], satisfied[peer] = option, happy
            self._arrays = Net(
                contacts_start, contacts, customer, satisfied, self.carrier,
                neighbours_start, neighbours, self.told_counts,
            )  # fmt: skip
        return self._arrays

    @property
    def carriers(self) -> dict[int, set[int]]:
        """Vendor option -> the peers carrying its content."""
        return {o: set(np.flatnonzero(row).tolist()) for o, row in enumerate(self.carrier) if o}

    @property
    def told(self) -> dict[str, int]:
        """What kinds of peer claim were heard, by kind."""
        return {
            kind: int(n) for kind, n in zip(PEER_CLAIM_KINDS, self.told_counts, strict=True) if n
        }

    def satisfied_customers(self, option: int) -> list[int]:
        return sorted(p for p, (o, happy) in self._customers.items() if o == option and happy)

    def record(self, kind: str) -> None:
        self.told_counts[PEER_CLAIM_KINDS.index(kind)] += 1

    def spread_content(self, option: int, peers: int, rng: random.Random) -> int:
        """A social seller's content reaches `peers` more peers, hubs first (weighted by
        degree; `kernel.spread_content`, drawing on `rng`); returns how many newly carry it."""
        version, words, gauss_next = rng.getstate()
        mt = np.array(words, dtype=np.int64)
        added = int(k.spread_content(self.arrays, mt, option, peers))
        rng.setstate((version, tuple(mt.tolist()), gauss_next))
        return added

    def ask(
        self,
        stakeholder: int,
        option: int,
        criterion: int,
        truth: float,
        generic_noise: float,
        rng: np.random.Generator,
        generic_bias: float = 0.0,
    ) -> tuple[float, str]:
        """What a peer the stakeholder knows says about (option, criterion) of true quality
        `truth`, and what kind of claim it was (`kernel.ask_peer`, outside a model: for
        probing the network on its own)."""
        n_options = self.carrier.shape[0]
        truths = np.zeros((n_options, criterion + 1))
        truths[option, criterion] = truth
        bias = np.zeros((k.N_INDEPENDENT_SOURCES, n_options))
        bias[k.PEERS, option] = generic_bias
        noise = np.zeros(k.N_INDEPENDENT_SOURCES)
        noise[k.PEERS] = generic_noise
        world = World(truths, bias, noise, np.zeros(n_options), np.zeros((n_options, 1)),
                      np.zeros(k.N_PARAMS))  # fmt: skip
        draws = Draws(rng.random(3), rng.standard_normal(1), np.zeros(2, dtype=np.int64))
        before = self.told_counts.copy()
        value = k.ask_peer(self.arrays, world, draws, stakeholder, option, criterion)
        kind = PEER_CLAIM_KINDS[int(np.argmax(self.told_counts - before))]
        return value, kind
