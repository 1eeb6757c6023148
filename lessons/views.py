from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lessons.models import Lesson, LessonProgress
from lessons.search import search


def progress_by_lesson(user) -> dict[int, LessonProgress]:
    if not user.is_authenticated:
        return {}
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user=user)}


@require_GET
def lesson_list(request):
    lessons = list(Lesson.objects.filter(published=True).defer("source", "html", "sections"))
    progress = progress_by_lesson(request.user)
    for lesson in lessons:
        lesson.user_progress = progress.get(lesson.pk)
    groups = [(name, list(items)) for name, items in groupby(lessons, key=lambda lesson: lesson.group)]
    studied = sum(1 for p in progress.values() if p.studied)
    return render(request, "lessons/lesson_list.html", {"groups": groups, "studied": studied, "total": len(lessons)})


ANONYMOUS_PAGE_SECONDS = 60


@require_GET
def lesson_detail(request, slug: str):
    """The lesson page. Anonymous visitors all see the same page, kept for a minute per process."""
    if not request.user.is_authenticated:
        key = f"lesson-page:{slug}"
        page = cache.get(key)
        if page is None:
            response = lesson_page(request, slug)
            cache.set(key, response.content, ANONYMOUS_PAGE_SECONDS)
            return response
        return HttpResponse(page)
    return lesson_page(request, slug)


def lesson_page(request, slug: str):
    lesson = get_object_or_404(Lesson.objects.defer("source", "sections"), slug=slug, published=True)
    siblings = list(Lesson.objects.filter(published=True).values_list("slug", "title", "order"))
    position = [row[0] for row in siblings].index(lesson.slug)
    previous = siblings[position - 1] if position > 0 else None
    following = siblings[position + 1] if position + 1 < len(siblings) else None
    progress = None
    if request.user.is_authenticated:
        progress, created = LessonProgress.objects.get_or_create(user=request.user, lesson=lesson)
        if not created:
            LessonProgress.objects.filter(pk=progress.pk).update(last_viewed_at=timezone.now())
    context = {"lesson": lesson, "progress": progress, "previous": previous, "following": following}
    return render(request, "lessons/lesson_detail.html", context)


@require_POST
def lesson_study(request, slug: str):
    lesson = get_object_or_404(Lesson, slug=slug, published=True)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(f"/accounts/login/?next={lesson.get_absolute_url()}")
    progress, _ = LessonProgress.objects.get_or_create(user=request.user, lesson=lesson)
    progress.studied_at = None if request.POST.get("studied") == "0" else timezone.now()
    progress.save(update_fields=["studied_at"])
    return render(request, "lessons/lesson_detail.html#study-toggle", {"lesson": lesson, "progress": progress})


@require_GET
@vary_on_headers("HX-Request")
def lesson_search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = search(query) if query else []
    template = "lessons/lesson_search.html"
    if request.htmx:
        template += "#search-results"
    return render(request, template, {"query": query, "hits": hits})


@require_GET
@login_required
def progress_detail(request):
    lessons = list(Lesson.objects.filter(published=True).only("slug", "title", "group", "order", "reading_minutes"))
    progress = progress_by_lesson(request.user)
    rows = [(lesson, progress.get(lesson.pk)) for lesson in lessons]
    studied = sum(1 for _, p in rows if p and p.studied)
    return render(request, "lessons/progress_detail.html", {"rows": rows, "studied": studied, "total": len(rows)})
