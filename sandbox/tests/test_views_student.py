"""What a student meets on the sandbox pages: default events that fit the handler, forms that say what they
did, edits that are never lost without a word, and results that arrive as soon as the run is done."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection

from sandbox import locks
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.tests.test_views import TRACE, make_run, make_user, make_workspace


@pytest.fixture
def owner_client(client):
    workspace = make_workspace()
    client.force_login(workspace.owner)
    client.workspace = workspace
    return client


def preset_workspace(client, preset: str = "error-handling") -> Workspace:
    user = make_user()
    client.force_login(user)
    client.post(f"/sandbox/presets/{preset}/try/")
    return Workspace.objects.get(owner=user)


# --- defaults and copy ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_page_defaults_to_the_event_the_preset_sends_its_handler(client):
    workspace = preset_workspace(client)

    form = client.get(f"/sandbox/workspaces/{workspace.pk}/events/?function=charge").context["form"]

    assert json.loads(form["payload"].value()) == {"order": 42}


@pytest.mark.django_db
def test_events_page_keeps_a_template_the_student_chose(client):
    workspace = preset_workspace(client)

    form = client.get(f"/sandbox/workspaces/{workspace.pk}/events/?function=charge&template=sqs").context["form"]

    assert "Records" in json.loads(form["payload"].value())


@pytest.mark.django_db
def test_add_nat_gateway_offers_a_free_name(owner_client):
    world = {**owner_client.workspace.world}
    world["network"] = {**world["network"], "nat_gateways": {"nat-a": {"subnet": "public-a"}}}
    Workspace.objects.filter(pk=owner_client.workspace.pk).update(world=world)

    form = owner_client.get(f"/sandbox/workspaces/{owner_client.workspace.pk}/network/").context["forms"]["add_nat"]

    assert form["name"].value() == "nat-b"


@pytest.mark.django_db
def test_add_nat_gateway_refuses_an_existing_name_and_saves_nothing(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/network/add-nat/"
    owner_client.post(url, {"name": "nat-a", "subnet": "public-a", "route_table": ""})
    before = Workspace.objects.get(pk=owner_client.workspace.pk).world

    response = owner_client.post(url, {"name": "nat-a", "subnet": "private-a", "route_table": "private"})

    assert response.status_code == 200
    assert "A NAT gateway named nat-a already exists" in response.content.decode()
    assert Workspace.objects.get(pk=owner_client.workspace.pk).world == before


@pytest.mark.django_db
def test_network_change_that_changes_nothing_does_not_say_saved(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/network/set-route/"

    response = owner_client.post(
        url, {"route_table": "public", "destination": "0.0.0.0/0", "target": "igw-main"}, follow=True
    )

    page = response.content.decode()
    assert "Nothing changed" in page
    assert "Network saved" not in page


@pytest.mark.django_db
def test_recent_runs_say_whether_a_challenge_passed(owner_client):
    workspace = owner_client.workspace
    passed = make_run(workspace, kind="challenge")
    ChallengeAttempt.objects.create(user=workspace.owner, challenge="failed-orders-to-dlq", run=passed, passed=True)
    failed = make_run(workspace, kind="challenge")
    ChallengeAttempt.objects.create(user=workspace.owner, challenge="failed-orders-to-dlq", run=failed, passed=False)

    page = owner_client.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    runs = page.split('id="recent-runs"')[1].split("</ul>")[0]

    assert "Passed" in runs and "Not yet" in runs


# --- click to result --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_run_status_waits_for_the_worker_and_answers_with_the_results_in_one_poll(owner_client):
    run = make_run(owner_client.workspace, status=Run.RUNNING, trace=None)

    def worker_finishes():
        time.sleep(0.3)
        Run.objects.filter(pk=run.pk).update(status=Run.DONE, trace=TRACE)
        locks.announce_finished(run.pk)
        connection.close()

    worker = threading.Thread(target=worker_finishes)
    worker.start()
    response = owner_client.get(f"/sandbox/runs/{run.pk}/status/?wait=1", HTTP_HX_REQUEST="true")
    worker.join()

    assert response.status_code == 286
    assert 'class="timeline"' in response.content.decode()


@pytest.mark.django_db
def test_an_accepted_run_asks_for_its_status_at_once_with_a_long_poll(owner_client):
    response = owner_client.post(
        f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/",
        {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 1},
        HTTP_HX_REQUEST="true",
    )

    run = Run.objects.get(kind="invoke")
    assert f'hx-get="/sandbox/runs/{run.pk}/status/?wait=1" hx-trigger="load"' in response.content.decode()


@pytest.mark.django_db
def test_after_the_long_poll_a_run_still_going_is_polled_every_second(owner_client):
    run = make_run(owner_client.workspace, status=Run.RUNNING, trace=None)

    response = owner_client.get(f"/sandbox/runs/{run.pk}/status/?wait=1", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in page and "wait=1" not in page


# --- undo and restore -------------------------------------------------------------------------------------------


def change_charge(client, workspace: Workspace, code: str) -> None:
    url = f"/sandbox/workspaces/{workspace.pk}/functions/charge/"
    form = client.get(url).context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    client.post(url, {**data, "code": code})


MINE = "def lambda_handler(event, context):\n    return 'my version'\n"


@pytest.mark.django_db
def test_undo_my_changes_asks_first_and_changes_nothing_on_get(client):
    workspace = preset_workspace(client)
    change_charge(client, workspace, MINE)

    overview = client.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    confirm = client.get(f"/sandbox/workspaces/{workspace.pk}/reset/")

    assert f'href="/sandbox/workspaces/{workspace.pk}/reset/"' in overview
    assert "Yes, undo my changes" in confirm.content.decode()
    assert Workspace.objects.get(pk=workspace.pk).functions["charge"]["code"] == MINE


@pytest.mark.django_db
def test_undo_keeps_the_students_version_and_restore_brings_it_back(client):
    workspace = preset_workspace(client)
    change_charge(client, workspace, MINE)

    client.post(f"/sandbox/workspaces/{workspace.pk}/reset/")
    undone = Workspace.objects.get(pk=workspace.pk)
    overview = client.get(f"/sandbox/workspaces/{workspace.pk}/").content.decode()
    client.post(f"/sandbox/workspaces/{workspace.pk}/restore/")
    restored = Workspace.objects.get(pk=workspace.pk)

    assert undone.functions["charge"]["code"] != MINE
    assert "Restore my last version" in overview
    assert restored.functions["charge"]["code"] == MINE
    assert restored.undone_world is None


@pytest.mark.django_db
def test_restore_without_an_earlier_version_says_so_and_changes_nothing(client):
    workspace = preset_workspace(client)
    change_charge(client, workspace, MINE)

    response = client.post(f"/sandbox/workspaces/{workspace.pk}/restore/", follow=True)

    assert "no earlier version" in response.content.decode()
    assert Workspace.objects.get(pk=workspace.pk).functions["charge"]["code"] == MINE


# --- unsaved changes --------------------------------------------------------------------------------------------


def function_form_data(client, workspace: Workspace, **changes) -> dict:
    form = client.get(f"/sandbox/workspaces/{workspace.pk}/functions/charge/").context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    return {**data, **changes}


@pytest.mark.django_db
def test_saving_on_the_way_to_the_events_page_saves_then_redirects(client):
    workspace = preset_workspace(client)
    events = f"/sandbox/workspaces/{workspace.pk}/events/?function=charge"

    response = client.post(
        f"/sandbox/workspaces/{workspace.pk}/functions/charge/",
        function_form_data(client, workspace, code=MINE, next=events),
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Redirect"] == events
    assert Workspace.objects.get(pk=workspace.pk).functions["charge"]["code"] == MINE


@pytest.mark.django_db
def test_a_refused_save_on_the_way_out_stays_on_the_editor_and_says_why(client):
    workspace = preset_workspace(client)
    before = Workspace.objects.get(pk=workspace.pk).functions["charge"]["code"]

    response = client.post(
        f"/sandbox/workspaces/{workspace.pk}/functions/charge/",
        function_form_data(client, workspace, code=MINE, memory_mb=64, next=f"/sandbox/workspaces/{workspace.pk}/"),
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert "HX-Redirect" not in response
    assert "Nothing was saved" in page and 'data-unsaved="true"' in page
    assert Workspace.objects.get(pk=workspace.pk).functions["charge"]["code"] == before


@pytest.mark.django_db
def test_saving_never_redirects_to_another_site(client):
    workspace = preset_workspace(client)

    response = client.post(
        f"/sandbox/workspaces/{workspace.pk}/functions/charge/",
        function_form_data(client, workspace, code=MINE, next="https://elsewhere.example/"),
    )

    assert response["Location"] == f"/sandbox/workspaces/{workspace.pk}/functions/charge/"
