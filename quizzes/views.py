from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lessons.models import Lesson
from quizzes import attempts, integrity, result_filters, review, scoring, timer
from quizzes.chart import score_chart
from quizzes.forms import PreferenceForm, ReportForm
from quizzes.models import Attempt, AttemptItem, ProblemReport, Question, QuizPreference, ReviewCard
from quizzes.presenting import (
    feedback_options,
    lesson_titles,
    palette_of,
    public_options,
    result_rows,
    statistics_rows,
)
from quizzes.review_queue import queue_rows


def item_url(attempt: Attempt, position: int) -> str:
    return f"/practice/attempts/{attempt.uuid}/q/{position}/"


def results_url(attempt: Attempt) -> str:
    return f"/practice/attempts/{attempt.uuid}/results/"


@require_GET
def practice_home(request):
    counts = dict(attempts.live_questions().values_list("topic").annotate(count=Count("pk")).order_by("topic"))
    lessons = {slug: (order, title) for slug, title, order in Lesson.objects.values_list("slug", "title", "order")}
    order = sorted(counts, key=lambda slug: (lessons.get(slug, (10**6, slug))[0], slug))  # lesson order
    context = {"topics": [(slug, lessons.get(slug, (0, slug))[1], counts[slug]) for slug in order]}
    if request.user.is_authenticated:
        now = timezone.now()
        context["open_attempts"] = list(Attempt.objects.filter(user=request.user, status=Attempt.ACTIVE))
        context["due"] = ReviewCard.objects.filter(
            user=request.user, due__lt=review.end_of_day(timezone.localtime(now))
        ).count()
        context["preference"] = QuizPreference.for_user(request.user)
    context["tests"] = [
        (shape, timer.time_limit(shape.minutes, context.get("preference", QuizPreference()).accommodation))
        for shape in timer.TESTS.values()
    ]
    return render(request, "quizzes/practice_home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def drill_start(request, topic: str):
    count = attempts.live_questions().filter(topic=topic).count()
    lesson = Lesson.objects.filter(slug=topic).only("slug", "title").first()
    if not count and not lesson:
        raise Http404("No such topic.")
    if request.method == "POST" and count:
        attempt = attempts.start_drill(request.user, topic, timezone.now())
        return redirect(attempt.get_absolute_url())
    current = attempts.active_attempt(request.user, Attempt.DRILL, topic)
    context = {"topic": topic, "lesson": lesson, "count": count, "current": current}
    return render(request, "quizzes/drill_start.html", context)


@require_POST
@login_required
def test_start(request, mode: str):
    if mode not in timer.TESTS:
        raise Http404("No such test.")
    if not attempts.live_questions().exists():
        messages.error(request, "The question bank is empty: run python manage.py import_questions.")
        return redirect("quizzes:practice-home")
    attempt, created = attempts.start_test(request.user, mode, timezone.now())
    if not created:
        messages.info(request, "You already have this test open, so it has been resumed where you left off.")
    return redirect(attempt.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def review_start(request):
    now = timezone.now()
    if request.method == "POST":
        attempt = attempts.start_review(request.user, now)
        if attempt:
            return redirect(attempt.get_absolute_url())
        messages.info(request, "Nothing is due for review right now.")
    cards = list(ReviewCard.objects.filter(user=request.user).select_related("question").order_by("due"))
    local_now = timezone.localtime(now)
    due = queue_rows(request.user, [card for card in cards if card.due < review.end_of_day(local_now)], local_now)
    upcoming = queue_rows(
        request.user, [card for card in cards if card.due >= review.end_of_day(local_now)][:20], local_now
    )
    current = Attempt.objects.filter(user=request.user, mode=Attempt.REVIEW, status=Attempt.ACTIVE).first()
    context = {"due": due, "upcoming": upcoming, "current": current, "total": len(cards)}
    return render(request, "quizzes/review_start.html", context)


@require_GET
def attempt_resume(request, uuid):
    attempt = attempts.close_if_expired(attempts.owned(request.user, uuid), timezone.now())
    if attempt.submitted:
        return redirect(results_url(attempt))
    return redirect(item_url(attempt, attempt.position))


def open_attempt(request, uuid) -> Attempt:
    """The owner's attempt, after the server-side deadline check (404 for anyone else)."""
    return attempts.close_if_expired(attempts.owned(request.user, uuid), timezone.now())


@require_GET
@vary_on_headers("HX-Request")
def item_detail(request, uuid, position: int):
    attempt = open_attempt(request, uuid)
    if attempt.submitted:
        return redirect(results_url(attempt) + f"#q-{position}")
    item = get_object_or_404(attempt.items.select_related("question"), position=position)
    now = timezone.now()
    if position != attempt.position:
        attempts.visit(attempt, position, now)
    context = item_context(request, attempt, item, now)
    template = "quizzes/item_detail.html" + ("#question" if request.htmx else "")
    return render(request, template, context)


def item_context(request, attempt: Attempt, item: AttemptItem, now) -> dict:
    final = item.checked_at is not None
    held_ids = integrity.held_back(request.user, now) if attempt.instant_feedback else set()
    if item.question_id in held_ids:
        final = False  # checked before the timed test began: the feedback waits until that test is over
    return {
        "attempt": attempt,
        "item": item,
        "position": item.position,
        "flagged": item.flagged,
        "final": final,
        "options": feedback_options(item) if final else public_options(item),
        "palette": palette_of(attempt, held_ids),
        **clock_context(attempt, now),
        "preference": QuizPreference.for_user(request.user),
        "lesson_title": lesson_titles([item.question.topic]).get(item.question.topic) if final else "",
        "report_form": ReportForm() if final else None,
        **({"error": integrity.HELD_BACK} if item.question_id in held_ids else {}),
    }


def clock_context(attempt: Attempt, now) -> dict:
    """What the countdown needs: the server's deadline and clock in epoch milliseconds, never a tick count."""
    left = timer.seconds_left(attempt.deadline_at, now)
    return {
        "now": now,
        "seconds_left": left,
        "clock": timer.clock_text(left or 0),
        "deadline_ms": int(attempt.deadline_at.timestamp() * 1000) if attempt.deadline_at else "",
        "now_ms": int(now.timestamp() * 1000),
        "announce": ",".join(str(m) for m in timer.ANNOUNCE_MINUTES),
    }


NAVIGATION = {"prev": -1, "next": 1}


@require_POST
def item_answer(request, uuid, position: int):
    selected = attempts.clean_selection(request.POST.getlist("option"))
    now = timezone.now()
    outcome, attempt = attempts.save_answer(request.user, uuid, position, selected, now)
    if request.htmx:
        context = {
            "attempt": attempt,
            "outcome": outcome,
            "position": position,
            "answered": bool(selected),
            "saved_at": now,
            "refused": refused_message(outcome.refused) if outcome.refused else "",
        }
        return render(request, "quizzes/item_detail.html#save-status", context)
    attempt = attempt or attempts.owned(request.user, uuid)
    if outcome.refused in ("late", "closed"):
        messages.error(request, refused_message(outcome.refused))
        return redirect(results_url(attempt))
    go = request.POST.get("go", "")
    if go == "review":
        return redirect(f"/practice/attempts/{attempt.uuid}/review/")
    if go == "flag":
        attempts.toggle_flag(attempt, position)
    target = min(max(1, position + NAVIGATION.get(go, 0)), attempt.total_count or 1)
    return redirect(item_url(attempt, target))


def refused_message(reason: str) -> str:
    if reason == "final":
        return "This answer was already checked, so it cannot change."
    if reason == "late":
        return (
            "Time is up: this answer reached the server after the deadline, so it was not saved. "
            "Your test was submitted with the answers saved before the deadline."
        )
    return "This test has already been submitted, so the answer was not saved."


@require_POST
def item_flag(request, uuid, position: int):
    attempt = open_attempt(request, uuid)
    if attempt.submitted:
        return HttpResponseClientRedirect(results_url(attempt)) if request.htmx else redirect(results_url(attempt))
    flagged = attempts.toggle_flag(attempt, position)
    if not request.htmx:
        return redirect(item_url(attempt, position))
    context = {"attempt": attempt, "flagged": flagged, "position": position, "oob": True}
    return render(request, "quizzes/item_detail.html#flag-button", context)


@require_POST
def item_check(request, uuid, position: int):
    attempt = open_attempt(request, uuid)
    if not attempt.instant_feedback or attempt.submitted:
        raise Http404("Answers are checked only in drills and reviews.")
    selected = attempts.clean_selection(request.POST.getlist("option"))
    now = timezone.now()
    item = get_object_or_404(attempt.items, position=position)
    if item.question_id in integrity.held_back(request.user, now):
        if not request.htmx:
            return redirect(item_url(attempt, position))  # the page says why
        item.question = Question.objects.get(pk=item.question_id)
        return render(request, "quizzes/item_detail.html#question", item_context(request, attempt, item, now))
    error = selection_error(attempt, position, selected)
    item = attempts.check_item(attempt, position, [] if error else selected, now)
    error = error or ("" if item.checked_at else "Choose an answer first, then check it.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(item_url(attempt, position))
    item.question = Question.objects.get(pk=item.question_id)
    if error:
        item.selected = selected  # keep the student's choice on screen
    context = item_context(request, attempt, item, now)
    context["error"] = error
    return render(request, "quizzes/item_detail.html#question", context)


COUNT_WORDS = {2: "TWO", 3: "THREE", 4: "FOUR"}


def selection_error(attempt: Attempt, position: int, selected: list[int]) -> str:
    """A multiple-response question is checked only with as many choices as it asks for."""
    item = attempt.items.filter(position=position).only("content", "checked_at").first()
    if item is None or item.checked_at or not item.multiple or not selected or len(selected) == item.select_count:
        return ""
    wanted = COUNT_WORDS.get(item.select_count, str(item.select_count))
    return f"This question asks you to select {wanted} answers; you chose {len(selected)}. Change your choice, then check it."


@require_POST
def item_grade(request, uuid, position: int):
    attempt = attempts.owned(request.user, uuid)
    grade = request.POST.get("grade", "")
    if grade not in review.SELF_GRADES:
        return HttpResponseBadRequest("The grade must be 'knew' or 'guessed'.")
    attempts.self_grade(attempt, position, grade, timezone.now())
    if not request.htmx:
        return redirect(item_url(attempt, position))
    item = get_object_or_404(attempt.items, position=position)
    return render(
        request, "quizzes/item_detail.html#self-grade", {"attempt": attempt, "item": item, "self_grade": grade}
    )


@require_GET
def attempt_review(request, uuid):
    attempt = open_attempt(request, uuid)
    if attempt.submitted:
        return redirect(results_url(attempt))
    held_ids = integrity.held_back(request.user, timezone.now()) if attempt.instant_feedback else set()
    palette = palette_of(attempt, held_ids)
    context = {
        "attempt": attempt,
        "palette": palette,
        "unanswered": [cell for cell in palette if not cell["answered"]],
        "flagged_cells": [cell for cell in palette if cell["flagged"]],
        "preference": QuizPreference.for_user(request.user),
        **clock_context(attempt, timezone.now()),
    }
    return render(request, "quizzes/attempt_review.html", context)


@require_POST
def attempt_submit(request, uuid):
    attempt = open_attempt(request, uuid)
    if not attempt.submitted:
        attempts.finalize(attempt.pk, "student", timezone.now())
    return redirect(results_url(attempt))


@require_GET
def attempt_results(request, uuid):
    attempt = open_attempt(request, uuid)
    if not attempt.submitted:
        return redirect(item_url(attempt, attempt.position))
    items = list(attempt.items.select_related("question"))
    marked = [item for item in items if item.checked_at] if attempt.instant_feedback else items
    held = integrity.held_back(request.user, timezone.now())  # questions of another timed test still open
    if any(item.question_id in held for item in marked):
        marked = [item for item in marked if item.question_id not in held]
        messages.info(request, "Some answers are left out below. " + integrity.HELD_BACK)
    result = scoring.score(result_rows(marked))
    titles = lesson_titles([item.question.topic for item in marked])
    missed = [item.question_id for item in marked if not item.correct]
    queued = ReviewCard.objects.filter(user=request.user, question_id__in=missed).count()
    end = min(attempt.submitted_at, attempt.deadline_at) if attempt.deadline_at else attempt.submitted_at
    chosen = result_filters.ResultFilter.from_query(request.GET, {item.question.topic for item in marked})
    context = {
        "attempt": attempt,
        "result": result,
        "items": marked,
        "titles": titles,
        "queued": queued,
        "missed": len(missed),
        "seconds_used": max(0, int((end - attempt.started_at).total_seconds())),
        "review": [
            (item, feedback_options(item), scoring.pace(item.seconds_spent)) for item in marked if chosen.keeps(item)
        ],
        "filter": chosen,
        "filter_counts": result_filters.counts(marked),
        "filter_choices": result_filters.SHOW,
        "pass_scaled": scoring.PASS_SCALED,
        "pace_seconds": timer.PACE_SECONDS,
    }
    return render(request, "quizzes/attempt_results.html", context)


@require_GET
@login_required
def attempt_history(request):
    rows = list(Attempt.objects.filter(user=request.user, status=Attempt.SUBMITTED).order_by("submitted_at"))
    timed = [row for row in rows if row.timed and row.total_count]
    points = [
        (row.submitted_at.strftime("%d %b"), scoring.scaled_estimate(100 * row.correct_count / row.total_count))
        for row in timed
    ]
    context = {"rows": list(reversed(rows)), "chart": score_chart(points) if points else None}
    return render(request, "quizzes/attempt_history.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def preference_update(request):
    preference = QuizPreference.for_user(request.user)
    # Only a checkbox is left on this form, so an unticked box posts nothing: bind on the method, not the data.
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved. They apply to tests you start from now on.")
        return redirect("quizzes:preference-update")
    return render(request, "quizzes/preference_update.html", {"form": form})


@require_POST
def question_report(request, key: str):
    """Report a problem with a question the student has already seen answered (404 otherwise)."""
    question = get_object_or_404(Question, key=key)
    final = Q(checked_at__isnull=False) | Q(attempt__status=Attempt.SUBMITTED)
    if (
        not request.user.is_authenticated
        or not AttemptItem.objects.filter(final, attempt__user=request.user, question=question).exists()
    ):
        raise Http404("No such question.")
    form = ReportForm(request.POST)
    if form.is_valid():
        ProblemReport.objects.create(user=request.user, question=question, **form.cleaned_data)
    context = {"question": question, "report_form": form, "reported": form.is_valid()}
    if request.htmx:
        return render(request, "quizzes/report.html#report", context)
    if form.is_valid():
        messages.success(request, "Thank you: the report was sent to the authors.")
    return redirect(request.POST.get("back") if url_is_local(request.POST.get("back", "")) else "/practice/")


def url_is_local(url: str) -> bool:
    return url.startswith("/practice/") and "//" not in url


@require_GET
def item_statistics(request):
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404("No such page.")
    rows = statistics_rows()
    return render(request, "quizzes/item_statistics.html", {"rows": rows})
