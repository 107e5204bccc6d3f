"""Claims, sources and beliefs: how information reaches a stakeholder and what it does there.

A *claim* says "option o scores v on criterion c" and comes from a source. Its value is the
option's true quality, shifted by the source's bias when the source speaks for the vendor it
describes, plus the source's noise:

    v = clip(q[o, c] + bias * (1 - q[o, c]) + Normal(0, noise), 0, 1)

so a vendor overclaims most where its product is weakest (`claim_value`, compiled in
sim/model/kernel.py like every mechanism).

A stakeholder's *beliefs* about (o, c) are Gaussian and are exactly the sufficient
statistics of the claims it currently holds, on top of a prior:

    precision  P = P0 + sum_k w_k
    mean       m = (P0 m0 + sum_k w_k v_k) / P
    variance   s2 = 1 / P + kappa * D,   D = weighted variance of the held claims' values

The claim weight is w = trust(origin) * absorption * attended / claim_sd^2, `attended` the
hours of contact that conveyed it (1 for a claim found alone)
(`behaviour.claim_sd`). `D` makes contradictory claims *raise* uncertainty (information
overload), and because the statistics are sums, a claim discredited by validation is removed
exactly.

Claims keep their provenance: `origin` is who first made the claim (the trust key of a source,
e.g. 'seller:rival'), `channel` who delivered it (the same, or 'colleagues' when a colleague
relays it), and `sd` the noise its origin is known to have. A relayed claim is weighed and,
when found wrong, blamed by its origin, never by the colleague who passed it on.

The statistics live in arrays (a member's slice of `Committee.beliefs`); `Beliefs` is the
Python view of one such slice and `InformationEnvironment` names the world's sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import kernel as k
from sim.model.kernel import CONTRADICTION_WEIGHT, claim_value

__all__ = [
    "CONTRADICTION_WEIGHT",
    "Beliefs",
    "Claim",
    "InformationEnvironment",
    "claim_value",
    "source_keys",
    "vendor_of",
]


@dataclass(slots=True)
class Claim:
    """One piece of information a stakeholder holds. `origin` and `channel` are trust keys
    such as 'independent_research', 'vendor_content:ours', 'colleagues' or 'seller:ours'."""

    option: int
    criterion: int
    value: float
    origin: str
    weight: float
    week: int
    validated: bool = False
    channel: str = ""
    """Who delivered it; empty when the origin told the stakeholder directly."""
    sd: float = 0.0
    """The noise the claim's origin is known to have (the claim's stated uncertainty)."""

    @property
    def relayed(self) -> bool:
        return bool(self.channel) and self.channel != self.origin


def vendor_of(source: str) -> str:
    """The vendor a source speaks for ('seller:rival' -> 'rival'), '' for independent ones."""
    return source.partition(":")[2]


def source_keys(vendors: list[str]) -> list[str]:
    """Every trust key in the order of the arrays' source index: the independent kinds, then
    each vendor's content and seller (see kernel.content_source / seller_source)."""
    keys = ["independent_research", "peers", "colleagues", "references"]
    for vendor in vendors:
        keys += [f"vendor_content:{vendor}", f"seller:{vendor}"]
    return keys


class Beliefs:
    """Gaussian beliefs over (option, criterion): a view of one member's sufficient statistics
    in `stats` [member, field, option, criterion] (fields: `kernel.BeliefField`)."""

    __slots__ = ("member", "stats")

    def __init__(self, prior_mean: list[list[float]], prior_sd: list[list[float]]) -> None:
        mean, sd = np.array(prior_mean, dtype=float), np.array(prior_sd, dtype=float)
        self.stats = np.zeros((1, k.N_BELIEF_FIELDS, *mean.shape))
        self.member = 0
        self.stats[0, k.BeliefField.PRIOR_PRECISION] = 1.0 / (sd * sd)
        self.stats[0, k.BeliefField.PRIOR_MEAN] = mean
        self.stats[0, k.BeliefField.MEAN] = mean
        self.stats[0, k.BeliefField.SD] = sd

    @classmethod
    def of(cls, stats: np.ndarray, member: int) -> Beliefs:
        """Member `member`'s beliefs in the committee's `stats`."""
        beliefs = cls.__new__(cls)
        beliefs.stats, beliefs.member = stats, member
        return beliefs

    def __deepcopy__(self, memo: dict) -> Beliefs:
        """A snapshot: this member's statistics, copied."""
        return Beliefs.of(self.stats[self.member : self.member + 1].copy(), 0)

    @property
    def mean(self) -> np.ndarray:
        return self.stats[self.member, k.BeliefField.MEAN]

    @property
    def sd(self) -> np.ndarray:
        return self.stats[self.member, k.BeliefField.SD]

    @property
    def claim_weight(self) -> np.ndarray:
        """Total weight of the claims held per cell."""
        return self.stats[self.member, k.BeliefField.CLAIM_WEIGHT]

    @property
    def sd_by_criterion(self) -> np.ndarray:
        """Sum over options of sd per criterion: a cheap 'how uncertain am I'."""
        return self.stats[self.member, k.BeliefField.SD].sum(axis=0)

    def add(self, claim: Claim) -> None:
        """Take a claim into account."""
        self._shift(claim, claim.weight)

    def remove(self, claim: Claim) -> None:
        """Forget a claim entirely (it was discredited)."""
        self._shift(claim, -claim.weight)

    def reweight(self, claim: Claim, factor: float) -> None:
        """Change how much a held claim counts (a confirmed claim counts more)."""
        self._shift(claim, claim.weight * (factor - 1.0))
        claim.weight *= factor

    def _shift(self, claim: Claim, weight: float) -> None:
        k.shift_belief(self.stats, self.member, claim.option, claim.criterion, claim.value, weight)


class InformationEnvironment:
    """The world's side of information: the true qualities and the sources that report them,
    as the arrays the compiled mechanisms read (`bias` [source, option], `noise` [source]).

    Stakeholders never read `truth`; they only receive claims drawn here.
    """

    __slots__ = ("bias", "index", "keys", "n_criteria", "noise_by_source", "option_names",
                 "truth", "vendor_indices")  # fmt: skip

    def __init__(
        self,
        option_names: list[str],
        truth: list[list[float]],
        vendor_indices: list[int],
        sources: dict[str, tuple[float, float]],
    ) -> None:
        """`sources` maps a trust key to (bias, noise). Vendor content and sellers speak for
        one vendor: their key is 'kind:vendor' and their bias applies to that vendor only.
        Keys not given keep bias and noise 0."""
        self.option_names = option_names
        self.truth = np.array(truth, dtype=float)
        self.vendor_indices = vendor_indices
        self.n_criteria = self.truth.shape[1]
        self.keys = source_keys([option_names[o] for o in vendor_indices])
        self.index = {key: s for s, key in enumerate(self.keys)}
        self.bias = np.zeros((len(self.keys), len(option_names)))
        self.noise_by_source = np.zeros(len(self.keys))
        for key, (bias, noise) in sources.items():
            s = self.index[key]
            self.noise_by_source[s] = noise
            speaks_for = vendor_of(key)
            for o in vendor_indices:
                if not speaks_for or option_names[o] == speaks_for:
                    self.bias[s, o] = bias

    def noise(self, source: str) -> float:
        """The noise a source is known to have: what a check expects of an honest claim."""
        return float(self.noise_by_source[self.index[source]])

    def state(self, source: str, option: int, criterion: int, gauss: float) -> float:
        """What `source` says about (option, criterion), given a standard-normal draw."""
        s = self.index[source]
        return k.claim_value(
            self.truth[option, criterion],
            self.bias[s, option],
            self.noise_by_source[s] * gauss,
        )
