"""A/B statistics for reply variants: the two-proportion z-test, told in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from filecheck.wording import N_, Wording

SIGNIFICANCE = 0.05  # the usual 5 % level: a 1-in-20 chance of calling noise real
MIN_PER_VARIANT = 30  # below this the normal approximation of the test is not trusted


@dataclass(frozen=True)
class Proportion:
    """`successes` out of `trials` (followers who got a variant and went on)."""

    successes: int
    trials: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else 0.0


@dataclass(frozen=True)
class Comparison:
    """The z statistic and two-sided p-value of `a` against `b` (None: not computable)."""

    z: float | None
    p_value: float | None
    note: Wording


def two_proportion_test(a: Proportion, b: Proportion) -> tuple[float, float] | None:
    """The pooled two-proportion z-test: (z, two-sided p); None if it is undefined."""
    if not a.trials or not b.trials:
        return None
    pooled = (a.successes + b.successes) / (a.trials + b.trials)
    variance = pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials)
    if variance <= 0:
        return None  # everyone or no one went on: the groups cannot differ
    z = (a.rate - b.rate) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))


def compare(
    a: Proportion, b: Proportion, a_name: str | Wording, b_name: str | Wording
) -> Comparison:
    """A comparison with a note ops can act on."""
    if min(a.trials, b.trials) < MIN_PER_VARIANT:
        note = Wording(
            N_("too few to tell yet (need at least %(needed)s per variant)"),
            {"needed": MIN_PER_VARIANT},
        )
        tested = two_proportion_test(a, b)
        if tested is None:
            return Comparison(None, None, note)
        return Comparison(tested[0], tested[1], note)
    tested = two_proportion_test(a, b)
    if tested is None:
        alike = N_("no difference: %(a)s and %(b)s convert alike")
        return Comparison(None, None, Wording(alike, {"a": a_name, "b": b_name}))
    z, p_value = tested
    better, worse = (a_name, b_name) if z > 0 else (b_name, a_name)
    if p_value < SIGNIFICANCE:
        note = Wording(
            N_("%(better)s does better than %(worse)s; the difference is real (p=%(p)s)"),
            {"better": better, "worse": worse, "p": f"{p_value:.3f}"},
        )
    else:
        note = Wording(
            N_("no real difference between %(a)s and %(b)s yet (p=%(p)s)"),
            {"a": a_name, "b": b_name, "p": f"{p_value:.2f}"},
        )
    return Comparison(z, p_value, note)
