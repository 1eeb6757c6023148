from quizzes.scoring import Outcome, Response, discrimination, is_correct, item_statistics, pace, scaled_estimate, score


def test_is_correct_needs_exactly_the_correct_options():
    assert is_correct([1, 3], [3, 1])
    assert not is_correct([1], [1, 3])  # no partial credit
    assert not is_correct([1, 2, 3], [1, 3])  # an extra option spoils it
    assert not is_correct([], [])  # unanswered is wrong


def test_scaled_estimate_maps_72_percent_to_the_720_pass_line():
    assert scaled_estimate(0) == 100
    assert scaled_estimate(72) == 720
    assert scaled_estimate(100) == 1000
    assert scaled_estimate(36) == 410
    assert scaled_estimate(86) == 860


def test_score_breaks_down_per_topic_and_skill():
    outcomes = [
        Outcome("alpha", "1.2.2", answered=True, correct=True, seconds=100),
        Outcome("alpha", "1.2.10", answered=True, correct=False, seconds=200),
        Outcome("beta", "1.2.2", answered=False, correct=False, seconds=0),
    ]

    result = score(outcomes)

    assert (result.correct, result.total, result.unanswered, result.percent) == (1, 3, 1, 33)
    assert [(t.key, t.correct, t.total) for t in result.by_topic] == [("alpha", 1, 2), ("beta", 0, 1)]
    assert [t.key for t in result.by_skill] == ["1.2.2", "1.2.10"]  # numeric order, not text order
    assert result.seconds_per_question == 100
    assert result.passed is False


def test_score_of_a_perfect_attempt_passes():
    result = score([Outcome("alpha", "1.2.2", True, True)] * 4)

    assert (result.percent, result.scaled, result.passed) == (100, 1000, True)


def test_pace_compares_with_the_two_minute_norm():
    assert pace(120) == "on pace"
    assert pace(181) == "slow"
    assert pace(20) == "quick"


def test_discrimination_is_upper_minus_lower_group_facility():
    # Ten attempts: the strongest three got the item right, the weakest three got it wrong.
    scored = [(s / 10, s >= 5) for s in range(10)]

    assert discrimination(scored) == 1.0
    assert discrimination(scored[:4]) is None  # too few responses to say


def test_item_statistics_counts_choices_and_facility():
    responses = [
        Response("a1", "q1", (0,), True),
        Response("a2", "q1", (1,), False),
        Response("a3", "q1", (0,), True),
        Response("a4", "q1", (0, 2), False),
    ]

    [stats] = item_statistics(responses, {"a1": 0.9, "a2": 0.2}, {"q1": 4})

    assert stats.responses == 4
    assert stats.facility == 0.5
    assert stats.option_counts == (3, 1, 1, 0)
    assert stats.discrimination is None
