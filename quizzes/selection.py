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


def shuffled_options(options: list[dict], seed: str) -> list[dict]:
    """The options in an order fixed by ``seed`` (one attempt and one question), each remembering its place in the
    bank file as ``bank_index``, so a student cannot learn answers by position and statistics can map back."""
    order = random.Random(seed).sample(range(len(options)), len(options))
    return [{**options[index], "bank_index": index} for index in order]


def bank_indexes(options: list[dict], selected: list[int]) -> tuple[int, ...]:
    """The chosen options as positions in the bank file (items drawn before shuffling keep the bank order)."""
    return tuple(sorted(options[i].get("bank_index", i) if i < len(options) else i for i in selected))
