from django.contrib import admin

from lessons.models import Lesson, LessonProgress


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("order", "title", "group", "topic", "word_count", "published")
    search_fields = ("title", "slug")


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "studied_at", "last_viewed_at")
