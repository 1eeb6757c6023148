from django.contrib import admin

from quizzes.models import Attempt, ProblemReport, Question, QuizPreference, ReviewCard


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("key", "topic", "skill", "kind", "retired_at")
    list_filter = ("topic", "kind")
    search_fields = ("key", "stem")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("uuid", "user", "mode", "status", "started_at", "deadline_at", "correct_count", "total_count")
    list_filter = ("mode", "status")


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ("question", "reason", "user", "created_at", "resolved")
    list_filter = ("reason", "resolved")


admin.site.register(ReviewCard)


@admin.register(QuizPreference)
class QuizPreferenceAdmin(admin.ModelAdmin):
    """Staff set each student's time accommodation here; it applies to tests started afterwards."""

    list_display = ("user", "accommodation", "shortcuts")
    list_filter = ("accommodation",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
