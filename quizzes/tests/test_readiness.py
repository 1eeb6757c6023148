from quizzes.readiness import MIN_ANSWERS, RECENT_ANSWERS, readiness


def by_domain(rows):
    return {row.number: row for row in rows}


def test_readiness_groups_answers_by_exam_domain():
    rows = by_domain(readiness([("1.1.2", True), ("1.2.2", False), ("4.3.2", True)]))

    assert (rows["1"].correct, rows["1"].total) == (1, 2)
    assert (rows["4"].correct, rows["4"].total) == (1, 1)
    assert rows["2"].total == 0


def test_readiness_needs_a_few_answers_before_a_verdict():
    rows = by_domain(readiness([("1.1.2", True)] * (MIN_ANSWERS - 1)))

    assert rows["1"].verdict == "Not enough answers yet"


def test_readiness_verdicts_follow_the_pass_mark():
    ready = by_domain(readiness([("1.1.2", True)] * 10))["1"]
    weak = by_domain(readiness([("1.1.2", True)] * 5 + [("1.1.2", False)] * 5))["1"]

    assert (ready.verdict, ready.level) == ("Ready", "ready")
    assert (weak.verdict, weak.level) == ("Needs work", "weak")


def test_readiness_counts_only_the_most_recent_answers():
    newest_first = [("3.1.1", True)] * RECENT_ANSWERS + [("3.1.1", False)] * 10

    row = by_domain(readiness(newest_first))["3"]

    assert (row.correct, row.total) == (RECENT_ANSWERS, RECENT_ANSWERS)
