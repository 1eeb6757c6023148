from quizzes.chart import score_chart


def test_score_chart_places_points_left_to_right_and_scores_bottom_to_top():
    chart = score_chart([("01 Mar", 100), ("02 Mar", 1000), ("03 Mar", 720)], width=640, height=260)

    xs = [p.x for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert chart.points[0].y == chart.bottom
    assert chart.points[1].y == chart.top
    assert chart.points[2].y == chart.pass_y
    assert chart.polyline.count(",") == 3


def test_score_chart_centres_a_single_point():
    chart = score_chart([("01 Mar", 550)])

    assert chart.points[0].x == (chart.left + chart.right) / 2
