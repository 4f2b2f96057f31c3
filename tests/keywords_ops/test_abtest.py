"""The two-proportion test behind `wxbot keywords variants`."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keywords.abtest import Proportion, compare, two_proportion_test


def test_known_answer() -> None:
    # 50/100 vs 30/100: pooled p = 0.4, se = sqrt(0.4*0.6*0.02) → z ≈ 2.887, p ≈ 0.0039.
    tested = two_proportion_test(Proportion(50, 100), Proportion(30, 100))
    assert tested is not None
    z, p_value = tested
    assert z == pytest.approx(2.8868, abs=1e-4)
    assert p_value == pytest.approx(0.00389, abs=1e-5)


def test_a_real_difference_is_called_real() -> None:
    result = compare(Proportion(50, 100), Proportion(30, 100), "variant 1", "variant 2")
    assert "variant 1 does better than variant 2" in str(result.note)
    assert "real" in str(result.note)


def test_a_small_difference_is_not() -> None:
    result = compare(Proportion(33, 100), Proportion(30, 100), "variant 1", "variant 2")
    assert str(result.note).startswith("no real difference")


def test_too_few_followers_say_so() -> None:
    result = compare(Proportion(5, 10), Proportion(1, 10), "variant 1", "variant 2")
    assert str(result.note).startswith("too few to tell yet")


def test_all_or_nothing_cannot_differ() -> None:
    assert two_proportion_test(Proportion(40, 40), Proportion(50, 50)) is None
    assert two_proportion_test(Proportion(0, 0), Proportion(5, 50)) is None


counts = st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(counts, counts)
def test_symmetric_and_a_probability(a: tuple[int, int], b: tuple[int, int]) -> None:
    forward = two_proportion_test(Proportion(*a), Proportion(*b))
    backward = two_proportion_test(Proportion(*b), Proportion(*a))
    if forward is None or backward is None:
        assert forward == backward
        return
    assert forward[0] == pytest.approx(-backward[0])
    assert 0.0 <= forward[1] <= 1.0
    assert math.isclose(forward[1], backward[1], rel_tol=1e-9, abs_tol=1e-12)
