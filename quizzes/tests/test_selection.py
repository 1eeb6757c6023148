import random
from collections import Counter

from quizzes.selection import draw_across_topics, drill_order


def test_draw_across_topics_spreads_questions_evenly():
    by_topic = {topic: [f"{topic}{i}" for i in range(12)] for topic in "abcdefghijklmnop"}  # 16 topics

    drawn = draw_across_topics(by_topic, 65, random.Random(7))

    per_topic = Counter(question[0] for question in drawn)
    assert len(drawn) == len(set(drawn)) == 65
    assert set(per_topic.values()) == {4, 5}


def test_draw_across_topics_returns_all_when_the_bank_is_small():
    drawn = draw_across_topics({"a": [1, 2], "b": [3]}, 20, random.Random(1))

    assert sorted(drawn) == [1, 2, 3]


def test_drill_order_puts_missed_questions_first():
    order = drill_order([1, 2, 3, 4, 5], {4, 2}, random.Random(3))

    assert set(order[:2]) == {2, 4}
    assert sorted(order) == [1, 2, 3, 4, 5]
