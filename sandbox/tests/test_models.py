"""The sandbox rows and the checks ``workspaces`` makes before it accepts a workspace or a run."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from sandbox import workspaces
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.tests.support import ECHO_CODE, make_attempt, make_run, make_user, make_workspace

pytestmark = pytest.mark.django_db


def test_workspace_is_addressed_by_uuid():
    workspace = make_workspace()

    assert len(str(workspace.pk)) == 36
    assert str(workspace.pk) in workspace.get_absolute_url()


def test_run_starts_pending_and_unfinished():
    run = make_run()

    assert run.status == Run.PENDING
    assert run.finished is False
    assert run.deliveries == 0


def test_challenge_attempt_belongs_to_one_run():
    attempt = make_attempt()

    with pytest.raises(IntegrityError):
        ChallengeAttempt.objects.create(user=attempt.user, challenge="charge-once", run=attempt.run)


def test_deleting_a_workspace_deletes_its_runs():
    run = make_run()

    run.workspace.delete()

    assert not Run.objects.filter(pk=run.pk).exists()


def test_create_workspace_saves_a_valid_world():
    owner = make_user()

    workspace = workspaces.create_workspace(
        owner, name="mine", world={"functions": {"echo": {"code": ECHO_CODE}}}, preset="invocation-models"
    )

    assert Workspace.objects.get(pk=workspace.pk).preset == "invocation-models"
    assert workspace.state is None


def test_create_workspace_names_the_field_of_a_problem():
    world = {"functions": {"echo": {"code": ECHO_CODE, "memory_mb": 64}}}

    with pytest.raises(workspaces.InvalidWorld) as raised:
        workspaces.create_workspace(make_user(), name="bad", world=world)

    assert [problem.field for problem in raised.value.problems] == ["functions.echo.memory_mb"]
    assert "memorySize" in raised.value.problems[0].message or "128" in raised.value.problems[0].message


def test_create_workspace_refuses_more_functions_than_the_limit(settings):
    settings.SANDBOX_FUNCTIONS = 2
    world = {"functions": {name: {"code": ECHO_CODE} for name in ("a", "b", "c")}}

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.create_workspace(make_user(), name="big", world=world)

    assert "3 functions" in raised.value.message
    assert "allows 2" in raised.value.message


def test_update_world_refuses_code_over_the_size_limit(settings):
    settings.SANDBOX_CODE_BYTES = 1024
    workspace = make_workspace()
    world = {"functions": {"echo": {"code": ECHO_CODE + "# padding\n" * 200}}}

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.update_world(workspace, world)

    assert "function echo" in raised.value.message
    assert Workspace.objects.get(pk=workspace.pk).world["functions"]["echo"]["code"] == ECHO_CODE


def test_update_world_refuses_layer_files_over_the_size_limit(settings):
    settings.SANDBOX_LAYER_BYTES = 1024
    workspace = make_workspace()
    versions = [{"files": {"python/shared.py": "x = 1\n" * 200}}, {"files": {"python/shared.py": "y = 2\n" * 200}}]
    world = {**workspace.world, "layers": {"shared": {"versions": versions}}}

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.update_world(workspace, world)

    assert raised.value.message == (
        "The versions of layer shared hold 2 KB of files; the sandbox accepts up to 1 KB per layer. "
        "Use extra_bytes to stand for a large library."
    )
    assert "layers" not in Workspace.objects.get(pk=workspace.pk).world


def test_start_run_records_a_pending_row_with_its_steps():
    workspace = make_workspace()
    steps = [{"invoke": {"function": "echo", "type": "Event", "payload": {"n": 2}}}]

    run = workspaces.start_run(workspace, "invoke", steps)

    assert Run.objects.get(pk=run.pk).steps == steps
    assert run.status == Run.PENDING


def test_start_run_for_a_challenge_records_an_ungraded_attempt():
    workspace = make_workspace()

    run = workspaces.start_run(workspace, "challenge", [{"invoke": {"function": "echo"}}], challenge="charge-once")

    attempt = ChallengeAttempt.objects.get(run=run)
    assert (attempt.challenge, attempt.passed, attempt.user_id) == ("charge-once", None, workspace.owner_id)


def test_start_run_refuses_too_many_runs_in_a_minute(settings):
    settings.SANDBOX_RUNS_PER_MINUTE = 2
    workspace = make_workspace()
    for _ in range(2):
        make_run(workspace=workspace, status=Run.DONE)

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.start_run(workspace, "invoke", [{"invoke": {"function": "echo"}}])

    assert "2 runs in the last minute" in raised.value.message


def test_start_run_refuses_a_payload_over_the_limit(settings):
    settings.SANDBOX_STEPS_BYTES = 10_000
    workspace = make_workspace()
    steps = [{"invoke": {"function": "echo", "payload": {"blob": "x" * 20_000}}}]

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.start_run(workspace, "invoke", steps)

    assert "20 KB" in raised.value.message
    assert not Run.objects.exists()


def test_start_run_refuses_a_burst_over_the_limit():
    workspace = make_workspace()

    with pytest.raises(workspaces.SandboxLimitError) as raised:
        workspaces.start_run(workspace, "invoke", [{"invoke": {"function": "echo", "repeat": 500, "parallel": True}}])

    assert "500 invocations" in raised.value.message


def test_start_run_names_the_step_field_of_a_problem():
    workspace = make_workspace()

    with pytest.raises(workspaces.InvalidWorld) as raised:
        workspaces.start_run(workspace, "invoke", [{"invoke": {"function": "echo", "type": "Sometimes"}}])

    assert raised.value.problems[0].field == "steps.0.invoke.type"


def test_start_run_refuses_purging_a_queue_that_does_not_exist():
    workspace = make_workspace()

    with pytest.raises(workspaces.InvalidWorld) as raised:
        workspaces.start_run(workspace, "purge", [{"purge": {"queue": "nowhere"}}])

    assert raised.value.problems[0].field == "steps.0.purge.queue"


@pytest.mark.django_db
def test_the_admin_shows_a_workspaces_access_key_id_but_never_its_secret():
    from django.test import Client

    workspace = make_workspace()
    key_id, secret = workspace.access_keys()
    staff = Client()
    staff.force_login(make_user(is_staff=True, is_superuser=True))

    page = staff.get(f"/admin/sandbox/workspace/{workspace.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert key_id in html and secret not in html
