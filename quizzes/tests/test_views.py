from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quizzes.models import Attempt, AttemptItem, ProblemReport, QuizPreference, ReviewCard
from quizzes.tests.factories import make_attempt, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def start_quick(client) -> Attempt:
    response = client.post("/practice/tests/quick/start/")
    assert response.status_code == 302
    return Attempt.objects.get(mode="quick", status="active")


def item_key(attempt: Attempt, position: int) -> list[int]:
    return [i for i, o in enumerate(attempt.items.get(position=position).options) if o["correct"]]


# --- ownership: owner / other user / anonymous -------------------------------------------------------


ATTEMPT_GETS = ["", "q/1/", "review/", "results/"]
ATTEMPT_POSTS = ["q/1/answer/", "q/1/flag/", "q/1/check/", "submit/"]


@pytest.mark.parametrize("suffix", ATTEMPT_GETS)
def test_attempt_pages_answer_their_owner(client, student, bank, suffix):
    attempt = make_attempt(student, "drill", bank[:3])
    client.force_login(student)

    response = client.get(f"/practice/attempts/{attempt.uuid}/{suffix}")

    assert response.status_code in (200, 302)


@pytest.mark.parametrize("suffix", ATTEMPT_GETS)
@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_attempt_pages_are_404_for_anyone_else(client, student, bank, suffix, who):
    attempt = make_attempt(student, "quick", bank[:3])
    if who == "other":
        client.force_login(make_user("someone-else"))

    response = client.get(f"/practice/attempts/{attempt.uuid}/{suffix}")

    assert response.status_code == 404


@pytest.mark.parametrize("suffix", ATTEMPT_POSTS)
@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_attempt_actions_are_404_for_anyone_else(client, student, bank, suffix, who):
    attempt = make_attempt(student, "drill", bank[:3])
    if who == "other":
        client.force_login(make_user("someone-else"))

    response = client.post(f"/practice/attempts/{attempt.uuid}/{suffix}", {"option": "0"})

    assert response.status_code == 404
    assert AttemptItem.objects.filter(attempt=attempt, selected=[]).count() == 3
    assert Attempt.objects.get(pk=attempt.pk).status == "active"


# --- drills -------------------------------------------------------------------------------------------


def test_drill_start_is_the_lesson_practice_link(student_client, bank):
    page = student_client.get("/practice/drill/alpha/")

    response = student_client.post("/practice/drill/alpha/")

    assert page.status_code == 200
    assert b"6 exam-style questions" in page.content
    attempt = Attempt.objects.get(mode="drill", topic="alpha")
    assert response["Location"] == f"/practice/attempts/{attempt.uuid}/"
    assert attempt.items.count() == 6


def test_drill_start_asks_anonymous_visitors_to_log_in(client, bank):
    response = client.get("/practice/drill/alpha/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_drill_start_is_404_for_an_unknown_topic(student_client, bank):
    assert student_client.get("/practice/drill/no-such-topic/").status_code == 404


def test_drill_check_shows_choice_against_key_with_every_explanation(student_client, student, bank):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")
    key = item_key(attempt, 1)
    wrong = [i for i in range(4) if i not in key][: len(key)]  # as many choices as the question asks for

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": wrong}, **HTMX)

    html = response.content.decode()
    item = attempt.items.get(position=1)
    assert "Not quite." in html and "Your choice" in html and "Correct answer" in html
    assert all(option["explanation"] in html for option in item.options)
    assert 'href="/lessons/alpha/#memory"' in html
    assert "Report a problem with this question" in html
    assert item.checked_at is not None and item.correct is False
    assert ReviewCard.objects.filter(user=student, question=item.question).exists()


def test_drill_answer_is_final_once_checked(student_client, bank):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")
    key = item_key(attempt, 1)
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": key})

    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": [9]})

    assert attempt.items.get(position=1).selected == key


def test_drill_results_count_checked_questions(student_client, bank):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": item_key(attempt, 1)})

    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")
    response = student_client.get(f"/practice/attempts/{attempt.uuid}/results/")

    assert response.status_code == 200
    assert b"1 of 1 correct" in response.content


# --- timed tests --------------------------------------------------------------------------------------


def test_quick_test_stores_its_deadline_at_start(student_client, bank):
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        attempt = start_quick(student_client)

    assert attempt.deadline_at.isoformat() == "2026-03-02T09:40:00+00:00"
    assert attempt.items.count() == 12  # the whole (small) bank, spread across topics
    assert {item.question.topic for item in attempt.items.all()} == {"alpha", "beta"}


def test_one_active_timed_attempt_per_test(student_client, bank):
    first = start_quick(student_client)

    response = student_client.post("/practice/tests/quick/start/")

    assert response["Location"] == f"/practice/attempts/{first.uuid}/"
    assert Attempt.objects.filter(mode="quick").count() == 1


def test_accommodation_extends_the_deadline(student_client, student, bank):
    QuizPreference.objects.create(user=student, accommodation="plus30")

    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        attempt = start_quick(student_client)

    assert attempt.time_limit_minutes == 70
    assert attempt.deadline_at.isoformat() == "2026-03-02T10:10:00+00:00"


def test_untimed_accommodation_sets_no_deadline(student_client, student, bank):
    QuizPreference.objects.create(user=student, accommodation="untimed")

    attempt = start_quick(student_client)
    page = student_client.get(f"/practice/attempts/{attempt.uuid}/q/1/")

    assert attempt.deadline_at is None
    assert b'role="timer"' not in page.content
    assert b"Untimed" in page.content


def test_timed_page_carries_the_server_deadline_for_the_countdown(student_client, bank):
    attempt = start_quick(student_client)

    html = student_client.get(f"/practice/attempts/{attempt.uuid}/q/1/").content.decode()

    assert f'data-deadline-ms="{int(attempt.deadline_at.timestamp() * 1000)}"' in html
    assert 'role="timer"' in html and 'aria-live="polite"' in html
    assert "js/quiz-timer.js" in html and "<script>" not in html


def test_answer_autosave_saves_and_says_so(student_client, bank):
    attempt = start_quick(student_client)

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/2/answer/", {"option": ["1"]}, **HTMX)

    assert "Saved at" in response.content.decode()
    assert 'id="cell-answered-2" class="mark answered" hx-swap-oob="true"' in response.content.decode()
    assert attempt.items.get(position=2).selected == [1]


def test_answer_with_next_saves_and_moves_on(student_client, bank):
    attempt = start_quick(student_client)

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": ["2"], "go": "next"})

    assert response["Location"] == f"/practice/attempts/{attempt.uuid}/q/2/"
    assert attempt.items.get(position=1).selected == [2]


def test_resume_returns_to_the_question_the_student_was_on(student_client, bank):
    attempt = start_quick(student_client)
    student_client.get(f"/practice/attempts/{attempt.uuid}/q/7/")

    response = student_client.get(f"/practice/attempts/{attempt.uuid}/")

    assert response["Location"] == f"/practice/attempts/{attempt.uuid}/q/7/"


def test_late_answer_is_refused_with_a_clear_message(student_client, bank):
    attempt = start_quick(student_client)

    with time_machine.travel(attempt.deadline_at + timedelta(seconds=1), tick=False):
        response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": ["1"]}, **HTMX)

    assert (
        "Time is up: this answer reached the server after the deadline, so it was not saved."
        in response.content.decode()
    )
    attempt.refresh_from_db()
    assert attempt.items.get(position=1).selected == []
    assert (attempt.status, attempt.submit_reason) == ("submitted", "deadline")


def test_any_request_after_the_deadline_submits_the_test(student_client, bank):
    attempt = start_quick(student_client)
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": item_key(attempt, 1)}, **HTMX)

    with time_machine.travel(attempt.deadline_at, tick=False):
        response = student_client.get(f"/practice/attempts/{attempt.uuid}/q/3/")

    attempt.refresh_from_db()
    assert response["Location"] == f"/practice/attempts/{attempt.uuid}/results/#q-3"
    assert (attempt.status, attempt.submit_reason, attempt.correct_count) == ("submitted", "deadline", 1)


def test_answers_to_a_submitted_test_are_refused(student_client, bank):
    attempt = start_quick(student_client)
    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": ["1"]}, **HTMX)

    assert "already been submitted" in response.content.decode()
    assert attempt.items.get(position=1).selected == []


def test_two_tabs_saving_different_questions_lose_nothing(client, student, bank):
    attempt = start_quick_for(student)
    tab_one, tab_two = client_for(student), client_for(student)
    tab_one.get(f"/practice/attempts/{attempt.uuid}/q/1/")
    tab_two.get(f"/practice/attempts/{attempt.uuid}/q/2/")

    tab_two.post(f"/practice/attempts/{attempt.uuid}/q/2/answer/", {"option": ["3"]}, **HTMX)
    tab_one.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": ["0"]}, **HTMX)
    tab_one.post(f"/practice/attempts/{attempt.uuid}/q/1/flag/", **HTMX)

    items = {item.position: item for item in attempt.items.all()}
    assert (items[1].selected, items[1].flagged, items[2].selected) == ([0], True, [3])


def start_quick_for(user) -> Attempt:
    from quizzes.attempts import start_test

    return start_test(user, "quick", timezone.now())[0]


def client_for(user):
    from django.test import Client

    tab = Client()
    tab.force_login(user)
    return tab


def test_flag_toggles_and_updates_the_palette(student_client, bank):
    attempt = start_quick(student_client)

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/4/flag/", **HTMX)

    html = response.content.decode()
    assert 'aria-pressed="true"' in html
    assert 'id="cell-flag-4" class="mark flagged" hx-swap-oob="true"' in html
    assert attempt.items.get(position=4).flagged is True


def test_review_screen_lists_unanswered_and_flagged(student_client, bank):
    attempt = start_quick(student_client)
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/answer/", {"option": ["0"]}, **HTMX)
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/5/flag/", **HTMX)

    html = student_client.get(f"/practice/attempts/{attempt.uuid}/review/").content.decode()

    assert "Not answered (11)" in html
    assert "Flagged for review (1)" in html
    assert f'href="/practice/attempts/{attempt.uuid}/q/5/">Question 5</a>' in html


def test_submit_marks_all_or_nothing_and_shows_results_per_topic(student_client, student, bank):
    attempt = start_quick(student_client)
    for item in attempt.items.all():
        key = [i for i, o in enumerate(item.options) if o["correct"]]
        answer = key if item.question.topic == "alpha" else key[:1] + [(key[0] + 1) % 4]
        student_client.post(f"/practice/attempts/{attempt.uuid}/q/{item.position}/answer/", {"option": answer}, **HTMX)

    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")
    html = student_client.get(f"/practice/attempts/{attempt.uuid}/results/").content.decode()

    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.total_count, attempt.submit_reason) == (6, 12, "student")
    assert "50%" in html and "6 of 12 correct" in html
    assert "This is an estimate:" in html
    assert ReviewCard.objects.filter(user=student).count() == 6  # the six beta mistakes
    assert "6 of the 6 questions you missed are in your spaced-repetition queue" in html


def test_review_session_serves_due_mistakes(student_client, student, bank):
    attempt = start_quick(student_client)
    for item in attempt.items.all():
        wrong = next(i for i, o in enumerate(item.options) if not o["correct"])
        student_client.post(f"/practice/attempts/{attempt.uuid}/q/{item.position}/answer/", {"option": [wrong]}, **HTMX)
    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")  # twelve mistakes

    page = student_client.get("/practice/review/")
    response = student_client.post("/practice/review/")

    assert b"Review 12 questions due today" in page.content
    session = Attempt.objects.get(mode="review")
    assert response["Location"] == f"/practice/attempts/{session.uuid}/"
    assert session.items.count() == 12


def test_report_a_problem_after_the_answer_is_final(student_client, student, bank):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")
    item = attempt.items.get(position=1)
    blocked = student_client.post(f"/practice/questions/{item.question.key}/report/", {"reason": "ambiguous"})
    choice = [str(i) for i in range(item.select_count)]
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": choice})

    response = student_client.post(
        f"/practice/questions/{item.question.key}/report/", {"reason": "outdated", "detail": "Limit changed."}, **HTMX
    )

    assert blocked.status_code == 404
    assert b"your report reached the authors" in response.content
    report = ProblemReport.objects.get()
    assert (report.user, report.question, report.reason) == (student, item.question, "outdated")


def test_shortcuts_can_be_turned_off(student_client, student, bank):
    student_client.post("/practice/settings/", {})  # checkbox unticked: shortcuts off
    attempt = start_quick(student_client)

    html = student_client.get(f"/practice/attempts/{attempt.uuid}/q/1/").content.decode()

    assert QuizPreference.objects.get(user=student).shortcuts is False
    assert 'data-shortcuts="off"' in html


def test_history_draws_scores_as_svg(student_client, bank):
    attempt = start_quick(student_client)
    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")

    html = student_client.get("/practice/history/").content.decode()

    assert "<svg" in html and 'class="score-point"' in html and "pass 720" in html


def test_item_statistics_are_for_staff_only(client, student, bank):
    staff = make_user("staff", is_staff=True)
    attempt = make_attempt(student, "quick", bank[:2])
    from quizzes.attempts import finalize

    finalize(attempt.pk, "student", timezone.now())
    client.force_login(student)
    refused = client.get("/practice/staff/items/")
    client.force_login(staff)

    response = client.get("/practice/staff/items/")

    assert refused.status_code == 404
    assert response.status_code == 200
    assert bank[0].key.encode() in response.content


def test_practice_home_lists_topics_and_tests(student_client, bank):
    html = student_client.get("/practice/").content.decode()

    assert 'href="/practice/drill/alpha/"' in html
    assert "Start the quick practice test" in html and "Start the full mock exam" in html


def test_drill_check_without_a_choice_asks_for_one_in_place(student_client, bank):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")

    response = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose an answer first, then check it." in html
    assert "<html" not in html  # the question partial, not a whole page
    assert attempt.items.get(position=1).checked_at is None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_at_the_same_moment_lose_nothing(student):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    from quizzes.tests.factories import make_question

    questions = [make_question() for _ in range(8)]
    attempt = make_attempt(student, "quick", questions, deadline_at=timezone.now() + timedelta(minutes=40))
    barrier = Barrier(2, timeout=20)
    tabs = iter([client_for(student), client_for(student)])

    def tab(positions: range) -> list[int]:
        browser_tab = next(tabs)
        barrier.wait()
        codes = [
            browser_tab.post(
                f"/practice/attempts/{attempt.uuid}/q/{n}/answer/", {"option": [n % 4]}, **HTMX
            ).status_code
            for n in positions
        ]
        connection.close()
        return codes

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(tab, [range(1, 9, 2), range(2, 9, 2)]))

    assert results == [[200] * 4, [200] * 4]
    assert {item.position: item.selected for item in attempt.items.all()} == {n: [n % 4] for n in range(1, 9)}
