"""Which questions a drill or a practice test draws. Pure: the random generator is a parameter."""

from __future__ import annotations

import random


def draw_across_topics(by_topic: dict[str, list[int]], count: int, rng: random.Random) -> list[int]:
    """Up to ``count`` question ids spread evenly across topics: one from each topic in turn, in random order."""
    pools = {topic: rng.sample(ids, len(ids)) for topic, ids in sorted(by_topic.items()) if ids}
    order = rng.sample(sorted(pools), len(pools))
    drawn: list[int] = []
    while len(drawn) < count and any(pools.values()):
        for topic in order:
            if pools[topic] and len(drawn) < count:
                drawn.append(pools[topic].pop())
    return rng.sample(drawn, len(drawn))


def drill_order(ids: list[int], missed: set[int], rng: random.Random) -> list[int]:
    """All of a topic's questions, the ones this student missed before first, each group shuffled."""
    first = [i for i in ids if i in missed]
    rest = [i for i in ids if i not in missed]
    return rng.sample(first, len(first)) + rng.sample(rest, len(rest))
