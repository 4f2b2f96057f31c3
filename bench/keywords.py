"""Benchmark: µs per message for keyword tables of 100, 10 000 and 100 000 keywords.

Run: .venv/bin/python -m bench.keywords  (as a module: run as a file, this script's name
would shadow the `keywords` package)
Tables mix contains/exact/word keywords (random Chinese and latin product-like names)
with a few regex rules, plus the demo's realistic rules, so every size sees the same
real hits; what grows is everything the messages must not pay for.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from keywords.matcher import KeywordMatcher, Signal
from keywords.rules import MatchMode, Rule, Trigger
from keywords.segmenter import Segmenter

SIZES = (100, 10_000, 100_000)
KEYWORDS_PER_RULE = 2
ROUNDS = 5
NOW = datetime(2024, 5, 1, 4, tzinfo=UTC)
MESSAGES = (
    "请问这款车价格多少",
    "我想周末去试驾星途揽月",
    "你们店在哪里，怎么走",
    "我的电话是13812345678，请联系我",
    "hello，有没有优惠活动？",
    "转人工",
    "Model Y 和 星途瑶光 哪个好",
    "😊😊",
    "谢谢",
    "你好，我在上海嘉定，想了解一下2024款的配置和落地价，可以分期吗？",
)
REAL_RULES = (
    Rule("price", ("价格", "多少钱"), ("r",), tags=("询价",), score=30, priority=10),
    Rule("drive", ("试驾",), ("r",), match=MatchMode.WORD, priority=10),
    Rule("address", ("地址", "在哪"), ("r",)),
    Rule("phone", ("1[3-9]\\d{9}",), ("r",), match=MatchMode.REGEX, priority=20),
    Rule("human", ("人工",), ("r",), match=MatchMode.EXACT),
    Rule("fallback", (), ("r",), trigger=Trigger.DEFAULT),
)
_LATIN = "abcdefghijklmnopqrstuvwxyz0123456789"


def random_keyword(rng: random.Random) -> str:
    """A product-ish name: 3-5 CJK characters, or a latin model code."""
    if rng.random() < 0.8:  # mostly Chinese, like real tables
        return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(3, 5)))
    return "".join(rng.choice(_LATIN) for _ in range(rng.randint(5, 8)))


def build_rules(keyword_count: int, rng: random.Random) -> list[Rule]:
    modes = (MatchMode.CONTAINS, MatchMode.CONTAINS, MatchMode.EXACT, MatchMode.WORD)
    rules = list(REAL_RULES)
    for number in range(keyword_count // KEYWORDS_PER_RULE):
        keywords = tuple(random_keyword(rng) for _ in range(KEYWORDS_PER_RULE))
        rules.append(
            Rule(
                f"r{number}", keywords, ("r",), match=rng.choice(modes), priority=rng.randint(0, 3)
            )
        )
    rules.extend(  # a few regexes, as real tables have
        Rule(f"x{number}", (f"订单号[A-Z]{{{number + 3}}}\\d+",), ("r",), match=MatchMode.REGEX)
        for number in range(5)
    )
    return rules


def per_message_us(matcher: KeywordMatcher) -> float:
    signals = [Signal(Trigger.TEXT, text) for text in MESSAGES]
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(200):
            for signal in signals:
                matcher.match(signal, NOW)
        best = min(best, (time.perf_counter() - start) / (200 * len(signals)))
    return best * 1e6


def main() -> None:
    rng = random.Random(42)
    figures: dict[int, float] = {}
    for size in SIZES:
        segmenter = Segmenter()
        segmenter.initialize()
        rules = build_rules(size, rng)
        start = time.perf_counter()
        matcher = KeywordMatcher(rules, segmenter)
        build_s = time.perf_counter() - start
        figures[size] = per_message_us(matcher)
        print(f"{size:>7} keywords: {figures[size]:6.1f} µs/message (build {build_s:5.1f} s)")
    print(f"ratio {SIZES[-1]}/{SIZES[0]}: {figures[SIZES[-1]] / figures[SIZES[0]]:.2f}x")


if __name__ == "__main__":
    main()
