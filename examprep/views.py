from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from lessons.models import Lesson, LessonProgress
from quizzes import review
from quizzes.models import ReviewCard


@require_GET
def home(request):
    lessons = list(Lesson.objects.filter(published=True).only("slug", "title", "summary", "order", "group"))
    context = {"lessons": lessons, "total": len(lessons)}
    if request.user.is_authenticated:
        progress = LessonProgress.objects.filter(user=request.user, lesson__published=True).select_related("lesson")
        studied_ids = {p.lesson_id for p in progress if p.studied}
        recent = progress.order_by("-last_viewed_at").first()
        upcoming = next((lesson for lesson in lessons if lesson.pk not in studied_ids), None)
        context.update(
            studied=len(studied_ids),
            percent=round(100 * len(studied_ids) / len(lessons)) if lessons else 0,
            recent=recent.lesson if recent else None,
            upcoming=upcoming,
            due=ReviewCard.objects.filter(user=request.user, due__lt=review.end_of_day(timezone.now())).count(),
        )
    return render(request, "examprep/home.html", context)


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return FileResponse((settings.BASE_DIR / "static" / "favicon.ico").open("rb"), content_type="image/x-icon")


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def bare(request):
    """The lightest possible view, the baseline of bench/pages.py."""
    return JsonResponse({"ok": True})
