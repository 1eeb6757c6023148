from django.contrib import admin

from sandbox.models import ChallengeAttempt, Run, Workspace


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "preset", "challenge", "updated_at")
    list_filter = ("preset", "challenge")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    # The workspace's secret access key is its owner's alone: staff see which key it has, never the secret.
    exclude = ("secret_access_key",)
    readonly_fields = ("access_key_id",)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "workspace", "kind", "status", "deliveries", "created_at", "finished_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("workspace",)
    readonly_fields = ("created_at", "started_at", "finished_at")


@admin.register(ChallengeAttempt)
class ChallengeAttemptAdmin(admin.ModelAdmin):
    list_display = ("challenge", "user", "passed", "created_at")
    list_filter = ("challenge", "passed")
    raw_id_fields = ("user", "run")
