from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Lesson(models.Model):
    """One lesson page, imported from lessons/content/NN-slug.md."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    group = models.CharField(max_length=100)
    topic = models.CharField(max_length=20)
    skills = models.JSONField(default=list)
    summary = models.TextField()
    preset = models.CharField(max_length=100, blank=True)
    source = models.TextField()
    html = models.TextField()
    toc = models.JSONField(default=list)
    sections = models.JSONField(default=list)
    word_count = models.PositiveIntegerField(default=0)
    reading_minutes = models.PositiveIntegerField(default=1)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:lesson-detail", args=[self.slug])


class LessonProgress(models.Model):
    """A student's relation to one lesson: when they last read it and whether they studied it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    studied_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_lesson")]
        indexes = [models.Index(fields=["user", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    @property
    def studied(self) -> bool:
        return self.studied_at is not None


class LessonSection(models.Model):
    """One heading's passage of a published lesson: the rows lesson search looks in (see lessons/search.py)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="section_rows")
    position = models.PositiveIntegerField()
    anchor = models.CharField(max_length=200, blank=True)
    heading = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        ordering = ["lesson__order", "position"]

    def __str__(self) -> str:
        return f"{self.lesson_id} › {self.heading}"
