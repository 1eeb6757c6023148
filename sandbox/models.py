"""The sandbox's rows: a student's workspaces, the runs that advance them, and challenge attempts.

A workspace holds the *world* (a scenario without steps: functions, queues, topics, streams, buses,
buckets, mappings, network, account) and the emulator *state* between runs. A run is one action
(invoke, send, publish, configure, preset, challenge...) applied by the Celery task
``sandbox.advance_workspace``; its row is the source of truth for whether the work happened.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

# The warm path's statements are plain SQL: each runs once per invoke, and the ORM took longer to build
# them than SQLite took to answer. Rare paths (take-overs, retries, configuration changes) use the ORM.


def db_value(model, field: str, value):
    """``value`` as the database stores ``model.field`` (UUIDs, datetimes, JSON)."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class WorkspaceQuerySet(models.QuerySet):
    def load_state(self, workspace_id) -> Workspace:
        """Only the id, owner, world and state of a workspace: what a run needs."""
        table = self.model._meta.db_table
        sql = f"SELECT id, owner_id, world, state FROM {table} WHERE id = %s"
        workspace = next(iter(self.raw(sql, [db_value(self.model, "id", workspace_id)])), None)
        if workspace is None:
            raise self.model.DoesNotExist(workspace_id)
        return workspace

    def save_state(self, workspace_id, state: dict) -> None:
        model = self.model
        execute(
            f"UPDATE {model._meta.db_table} SET state = %s, updated_at = %s WHERE id = %s",
            [
                db_value(model, "state", state),
                db_value(model, "updated_at", timezone.now()),
                db_value(model, "id", workspace_id),
            ],
        )


class Workspace(models.Model):
    KEY_USER = "developer"  # the IAM user of the world (``users``) the workspace's access key belongs to

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_workspaces")
    name = models.CharField(max_length=100)
    world = models.JSONField(default=dict, blank=True)
    state = models.JSONField(null=True, blank=True)
    # the student's world as it was before the last "Undo my changes", until it is restored
    undone_world = models.JSONField(null=True, blank=True)
    preset = models.SlugField(max_length=100, blank=True)
    challenge = models.SlugField(max_length=100, blank=True)
    # The workspace's AWS access key (Signature Version 4), made the first time it is needed
    access_key_id = models.CharField(max_length=20, blank=True)
    secret_access_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sandbox:workspace-detail", args=[self.pk])

    @property
    def functions(self) -> dict:
        return dict(self.world.get("functions") or {})

    def access_keys(self) -> tuple[str, str]:
        """(access key id, secret access key), made and saved on first use."""
        if not self.access_key_id:
            upper = string.ascii_uppercase + string.digits
            self.access_key_id = "AKIA" + "".join(secrets.choice(upper) for _ in range(16))
            self.secret_access_key = "".join(
                secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40)
            )
            Workspace.objects.filter(pk=self.pk, access_key_id="").update(
                access_key_id=self.access_key_id, secret_access_key=self.secret_access_key
            )
            self.refresh_from_db(fields=["access_key_id", "secret_access_key"])
        return self.access_key_id, self.secret_access_key

    def latest_run(self):
        return self.runs.order_by("-created_at").first()


@dataclass(frozen=True)
class Claim:
    """A worker's hold on a run: which delivery it is, and whether it took over from a worker that died."""

    delivery: int
    taken_over: bool = False
    exhausted: bool = False  # taken over too many times already: the run must end failed


class RunQuerySet(models.QuerySet):
    def counts_for(self, workspace: Workspace) -> tuple[int, int, int, int]:
        """In one statement: runs the owner started in the last 60 s, and unfinished (pending or running)
        runs of this workspace, of all the owner's workspaces, and of the whole site.

        The counts use the (owner), (workspace, created_at) and (status, created_at) indexes.
        """
        since = timezone.now() - timedelta(seconds=60)
        runs, workspaces = self.model._meta.db_table, Workspace._meta.db_table
        unfinished = "status IN (%s, %s)"
        sql = (
            f"SELECT (SELECT COUNT(*) FROM {runs} r INNER JOIN {workspaces} w ON r.workspace_id = w.id"
            f" WHERE w.owner_id = %s AND r.created_at >= %s),"
            f" (SELECT COUNT(*) FROM {runs} WHERE workspace_id = %s AND {unfinished}),"
            f" (SELECT COUNT(*) FROM {runs} r INNER JOIN {workspaces} w ON r.workspace_id = w.id"
            f" WHERE w.owner_id = %s AND r.{unfinished}),"
            f" (SELECT COUNT(*) FROM {runs} WHERE {unfinished})"
        )
        statuses = [Run.PENDING, Run.RUNNING]
        params = [
            workspace.owner_id,
            self.model._meta.get_field("created_at").get_db_prep_value(since, connection),
            Workspace._meta.pk.get_db_prep_value(workspace.pk, connection),
            *statuses,
            workspace.owner_id,
            *statuses,
            *statuses,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            recent, in_workspace, for_owner, on_site = cursor.fetchone()
        return int(recent), int(in_workspace), int(for_owner), int(on_site)

    def load_for_task(self, run_id) -> Run | None:
        """The run (without trace and error) and ``waiting``: does an earlier run of its workspace wait?

        Kind, steps and created_at never change; status and deliveries are re-checked by the claim.
        """
        runs = self.model._meta.db_table
        sql = (
            f"SELECT r.id, r.workspace_id, r.kind, r.steps, r.status, r.deliveries, r.created_at,"
            f" EXISTS(SELECT 1 FROM {runs} e WHERE e.workspace_id = r.workspace_id AND e.created_at < r.created_at"
            f" AND e.status IN (%s, %s)) AS waiting FROM {runs} r WHERE r.id = %s"
        )
        return next(iter(self.raw(sql, [Run.PENDING, Run.RUNNING, db_value(Run, "id", run_id)])), None)

    def claim(self, run_id, seen: Run | None = None, *, max_deliveries: int) -> Claim | None:
        """Take the run: pending -> running, or take over one still running (call it holding the workspace
        lock, so a run marked running has lost its worker). None when the run is not this worker's to do.

        ``seen`` is the row as read before the lock: when it was pending and nothing changed since, one
        conditional UPDATE both claims it and tells its delivery number.
        """
        now = timezone.now()
        if seen is not None and seen.status == Run.PENDING and self._claim_seen(seen, now):
            return Claim(seen.deliveries + 1)
        if self.filter(pk=run_id, status=Run.PENDING).update(
            status=Run.RUNNING, started_at=now, deliveries=F("deliveries") + 1
        ):
            return Claim(self.values_list("deliveries", flat=True).get(pk=run_id))
        current = self.filter(pk=run_id, status=Run.RUNNING).values_list("deliveries", flat=True).first()
        if current is None:
            return None
        if current >= max_deliveries:
            return Claim(current, taken_over=True, exhausted=True)
        if self.filter(pk=run_id, status=Run.RUNNING, deliveries=current).update(
            started_at=now, deliveries=current + 1
        ):
            return Claim(current + 1, taken_over=True)
        return None

    def _claim_seen(self, seen: Run, now) -> bool:
        """pending -> running in one conditional UPDATE, when the row is still as ``seen`` read it."""
        sql = (
            f"UPDATE {self.model._meta.db_table} SET status = %s, started_at = %s, deliveries = %s"
            " WHERE id = %s AND status = %s AND deliveries = %s"
        )
        params = [Run.RUNNING, db_value(Run, "started_at", now), seen.deliveries + 1, db_value(Run, "id", seen.pk)]
        return execute(sql, [*params, Run.PENDING, seen.deliveries]) == 1

    def finish(self, run_id, delivery: int, status: str, *, trace: dict | None = None, error: str = "") -> bool:
        """Record the outcome, if this delivery still holds the run; False when another worker took it over."""
        sql = (
            f"UPDATE {self.model._meta.db_table} SET status = %s, trace = %s, error = %s, finished_at = %s"
            " WHERE id = %s AND status = %s AND deliveries = %s"
        )
        params = [status, db_value(Run, "trace", trace), error, db_value(Run, "finished_at", timezone.now())]
        return bool(execute(sql, [*params, db_value(Run, "id", run_id), Run.RUNNING, delivery]))

    def release(self, run_id, delivery: int) -> bool:
        """Give a claimed run back (running -> pending) so that it is tried again."""
        return bool(self.filter(pk=run_id, status=Run.RUNNING, deliveries=delivery).update(status=Run.PENDING))


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

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("sandbox:run-detail", args=[self.pk])

    @property
    def kind_label(self) -> str:
        """What started the run, in words: "URL request", "AWS call", "Put events", "Preset"."""
        special = {"url_request": "URL request", "aws_call": "AWS call"}
        return special.get(self.kind) or self.kind.replace("_", " ").capitalize()

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
