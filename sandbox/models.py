"""The sandbox's rows: a student's workspaces, the runs that advance them, and challenge attempts.

A workspace holds the *world* (a scenario without steps: functions, queues, topics, streams, buses,
buckets, mappings, network, account) and the emulator *state* between runs. A run is one action
(invoke, send, publish, configure, preset, challenge...) applied by the Celery task
``sandbox.advance_workspace``; its row is the source of truth for whether the work happened.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse


class Workspace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_workspaces")
    name = models.CharField(max_length=100)
    world = models.JSONField(default=dict, blank=True)
    state = models.JSONField(null=True, blank=True)
    preset = models.SlugField(max_length=100, blank=True)
    challenge = models.SlugField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        try:
            return reverse("sandbox:workspace-detail", args=[self.pk])
        except NoReverseMatch:
            return f"/sandbox/workspaces/{self.pk}/"

    @property
    def functions(self) -> dict:
        return dict(self.world.get("functions") or {})

    def latest_run(self):
        return self.runs.order_by("-created_at").first()


class Run(models.Model):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [(PENDING, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]
    FINISHED = (DONE, FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=20)
    steps = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    trace = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    deliveries = models.PositiveSmallIntegerField(default=0)  # how many times a worker claimed or took it over
    queued_on = models.CharField(max_length=64, blank=True)  # the Redis run_id its message was sent to
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def owner_id(self):
        return self.workspace.owner_id


class ChallengeAttempt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_attempts")
    challenge = models.SlugField(max_length=100)
    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="challenge_attempt")
    passed = models.BooleanField(null=True)  # null until the run has been graded
    checks = models.JSONField(default=list, blank=True)  # [{name, passed, detail}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "challenge"])]

    def __str__(self) -> str:
        return f"{self.challenge}: {'passed' if self.passed else 'not passed'}"
