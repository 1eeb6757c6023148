from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Q
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from examprep.accounts import over_limit, throttled
from examprep.health import report
from lessons.models import Lesson, LessonProgress
from quizzes import attempts, review, timer
from quizzes.models import Attempt, AttemptItem, ReviewCard
from quizzes.readiness import readiness


@require_GET
def home(request):
    lessons = list(Lesson.objects.filter(published=True).only("slug", "title", "summary", "order", "group"))
    context = {"lessons": lessons, "total": len(lessons)}
    if request.user.is_authenticated:
        context.update(dashboard(request.user, lessons, timezone.now()))
    return render(request, "examprep/home.html", context)


def dashboard(user, lessons: list[Lesson], now) -> dict:
    """The signed-in student's home: lesson progress, where to carry on, open tests, review and readiness."""
    progress = list(LessonProgress.objects.filter(user=user, lesson__published=True).select_related("lesson"))
    studied_ids = {p.lesson_id for p in progress if p.studied}
    unstudied = sorted((p for p in progress if not p.studied), key=lambda p: p.last_viewed_at, reverse=True)
    open_tests = [
        attempts.close_if_expired(attempt, now)
        for attempt in Attempt.objects.filter(user=user, status=Attempt.ACTIVE, mode__in=Attempt.TIMED)
    ]
    answers = final_answers(user)
    return {
        "returning": bool(progress) or Attempt.objects.filter(user=user).exists(),
        "studied": len(studied_ids),
        "percent": round(100 * len(studied_ids) / len(lessons)) if lessons else 0,
        "recent": unstudied[0].lesson if unstudied else None,
        "upcoming": next((lesson for lesson in lessons if lesson.pk not in studied_ids), None),
        "due": ReviewCard.objects.filter(user=user, due__lt=review.end_of_day(timezone.localtime(now))).count(),
        "open_tests": [
            (attempt, timer.clock_text(timer.seconds_left(attempt.deadline_at, now) or 0))
            for attempt in open_tests
            if not attempt.submitted
        ],
        "readiness": readiness(answers) if answers else [],
    }


def final_answers(user) -> list[tuple[str, bool]]:
    """(skill, correct) of the student's marked answers, newest first: submitted tests and checked drill answers."""
    rows = (
        AttemptItem.objects.filter(attempt__user=user)
        .filter(Q(checked_at__isnull=False) | Q(attempt__status=Attempt.SUBMITTED, attempt__mode__in=Attempt.TIMED))
        .exclude(selected=[], seconds_spent=0, flagged=False)
        .order_by("-attempt__started_at", "-position")
        .values_list("question__skill", "correct")[:1000]
    )
    return [(skill, bool(correct)) for skill, correct in rows]


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and over_limit(request, "signup-ip", settings.SIGNUP_RATE_PER_IP):
        return throttled(request, "sign-ups", settings.SIGNUP_RATE_PER_IP)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return FileResponse((settings.BASE_DIR / "static" / "favicon.ico").open("rb"), content_type="image/x-icon")


@require_GET
def health(request):
    body, status = report()
    return JsonResponse(body, status=status)


@require_GET
def bare(request):
    """The lightest possible view, the baseline of bench/pages.py."""
    return JsonResponse({"ok": True})
