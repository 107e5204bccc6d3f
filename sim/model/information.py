"""Claims, sources and beliefs: how information reaches a stakeholder and what it does there.

A *claim* says "option o scores v on criterion c" and comes from a source. Its value is the
option's true quality, shifted by the source's bias when the source speaks for the vendor it
describes, plus the source's noise:

    v = clip(q[o, c] + bias * (1 - q[o, c]) + Normal(0, noise), 0, 1)

so a vendor overclaims most where its product is weakest.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CONTRADICTION_WEIGHT = 0.5
"""kappa: how much disagreement among held claims adds to perceived variance."""


def claim_value(true_quality: float, bias: float, noise_draw: float) -> float:
    """The value a source states, given the truth, its bias toward the option, and noise."""
    value = true_quality + bias * (1.0 - true_quality) + noise_draw
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


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


class Beliefs:
    """Gaussian beliefs over (option, criterion), kept as sums over the claims held."""

    __slots__ = (
        "_claim_sq",
        "_claim_sum",
        "_claim_weight",
        "mean",
        "prior",
        "sd",
        "sd_by_criterion",
    )

    def __init__(self, prior_mean: list[list[float]], prior_sd: list[list[float]]) -> None:
        self.prior = [
            [(1.0 / (sd * sd), m) for m, sd in zip(row_m, row_sd, strict=True)]
            for row_m, row_sd in zip(prior_mean, prior_sd, strict=True)
        ]
        n_options, n_criteria = len(prior_mean), len(prior_mean[0])
        self._claim_weight = [[0.0] * n_criteria for _ in range(n_options)]
        self._claim_sum = [[0.0] * n_criteria for _ in range(n_options)]
        self._claim_sq = [[0.0] * n_criteria for _ in range(n_options)]
        self.mean = [list(row) for row in prior_mean]
        self.sd = [list(row) for row in prior_sd]
        self.sd_by_criterion = [sum(column) for column in zip(*prior_sd, strict=True)]
        """Sum over options of sd per criterion, kept current for a cheap 'how uncertain am I'."""

    def add(self, claim: Claim) -> None:
        """Take a claim into account."""
        self._shift(claim.option, claim.criterion, claim.value, claim.weight)

    def remove(self, claim: Claim) -> None:
        """Forget a claim entirely (it was discredited)."""
        self._shift(claim.option, claim.criterion, claim.value, -claim.weight)

    def reweight(self, claim: Claim, factor: float) -> None:
        """Change how much a held claim counts (a confirmed claim counts more)."""
        self._shift(claim.option, claim.criterion, claim.value, claim.weight * (factor - 1.0))
        claim.weight *= factor

    def _shift(self, o: int, c: int, value: float, weight: float) -> None:
        w = self._claim_weight[o][c] + weight
        if w < 1e-9:  # all claims about this cell gone: back to the prior exactly
            w, s, q = 0.0, 0.0, 0.0
        else:
            s = self._claim_sum[o][c] + weight * value
            q = self._claim_sq[o][c] + weight * value * value
        self._claim_weight[o][c], self._claim_sum[o][c], self._claim_sq[o][c] = w, s, q
        p0, m0 = self.prior[o][c]
        precision = p0 + w
        self.mean[o][c] = (p0 * m0 + s) / precision
        spread = 0.0
        if w > 0.0:
            claims_mean = s / w
            spread = max(0.0, q / w - claims_mean * claims_mean)
        sd = math.sqrt(1.0 / precision + CONTRADICTION_WEIGHT * spread)
        self.sd_by_criterion[c] += sd - self.sd[o][c]
        self.sd[o][c] = sd


class InformationEnvironment:
    """The world's side of information: the true qualities and the sources that report them.

    Stakeholders never read `truth`; they only receive claims drawn here.
    """

    __slots__ = ("_bias", "_noise", "n_criteria", "option_names", "truth", "vendor_indices")

    def __init__(
        self,
        option_names: list[str],
        truth: list[list[float]],
        vendor_indices: list[int],
        sources: dict[str, tuple[float, float]],
    ) -> None:
        """`sources` maps a source kind to (bias, noise). Vendor content and sellers speak for
        one vendor: their key is 'kind:vendor' and their bias applies to that vendor only."""
        self.option_names = option_names
        self.truth = truth
        self.vendor_indices = vendor_indices
        self.n_criteria = len(truth[0])
        self._bias: dict[tuple[str, int], float] = {}
        self._noise: dict[str, float] = {}
        for kind, (bias, noise) in sources.items():
            self.add_source(kind, bias, noise)

    def add_source(self, key: str, bias: float, noise: float) -> None:
        """Register a source. A key 'kind:vendor' is biased only about that vendor."""
        speaks_for = key.partition(":")[2]
        self._noise[key] = noise
        for o in self.vendor_indices:
            if not speaks_for or self.option_names[o] == speaks_for:
                self._bias[key, o] = bias

    def sources_about(self, option: int) -> list[str]:
        """Where a stakeholder can look for claims about `option` on its own."""
        return ["independent_research", "peers", f"vendor_content:{self.option_names[option]}"]

    def noise(self, source: str) -> float:
        """The noise a source is known to have: what a check expects of an honest claim."""
        return self._noise[source]

    def state(self, source: str, option: int, criterion: int, gauss: float) -> float:
        """What `source` says about (option, criterion), given a standard-normal draw."""
        return claim_value(
            self.truth[option][criterion],
            self._bias.get((source, option), 0.0),
            self._noise[source] * gauss,
        )
