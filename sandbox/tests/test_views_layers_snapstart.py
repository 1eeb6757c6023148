"""Layers and SnapStart through the sandbox pages: the function form, invoking a version, runs on Celery."""

from __future__ import annotations

import pytest

from sandbox import workspaces
from sandbox.models import Run, Workspace
from sandbox.tests.support import make_user
from sandbox.tests.test_views import function_data, make_workspace, poll_status

SHARED = "def lambda_handler(event, context):\n    import shared\n    return {'value': shared.VALUE}\n"
SNAP = (
    "import uuid\n"
    "from snapshot_restore_py import register_after_restore\n"
    "PREFIX = uuid.uuid4().hex\n"
    "@register_after_restore\n"
    "def restored():\n"
    "    print('after restore ran')\n"
    "def lambda_handler(event, context):\n"
    "    import shared\n"
    "    return {'prefix': PREFIX, 'value': shared.VALUE}\n"
)
WORLD = {
    "layers": {
        "shared": {
            "versions": [
                {"files": {"python/shared.py": "VALUE = 'one'\n"}},
                {"files": {"python/shared.py": "VALUE = 'two'\n"}},
            ]
        }
    },
    "functions": {"orders": {"code": SHARED}},
}


@pytest.fixture
def owner(client):
    workspace = make_workspace(world=WORLD)
    client.force_login(workspace.owner)
    client.workspace = workspace
    return client


def function_url(client) -> str:
    return f"/sandbox/workspaces/{client.workspace.pk}/functions/orders/"


@pytest.mark.django_db
def test_the_function_page_shows_the_layers_and_snapstart_fields(owner):
    page = owner.get(function_url(owner)).content.decode()

    assert "<legend>Layers and SnapStart</legend>" in page
    assert 'name="layers"' in page and 'name="snap_start"' in page


@pytest.mark.django_db
def test_saving_layers_and_snapstart_writes_them_into_the_world(owner):
    response = owner.post(function_url(owner), function_data(code=SHARED, layers="shared:2", snap_start="on"))

    assert response.status_code == 302
    spec = Workspace.objects.get(pk=owner.workspace.pk).functions["orders"]
    assert spec["layers"] == ["shared:2"]
    assert spec["snap_start"] == {"apply_on": "PublishedVersions"}
    page = owner.get(function_url(owner)).content.decode()
    assert '<input type="text" name="layers" value="shared:2"' in page
    assert 'name="snap_start" aria-describedby="id_snap_start_helptext" id="id_snap_start" checked>' in page


@pytest.mark.django_db
def test_a_layer_version_that_does_not_exist_is_shown_next_to_the_layers_field(owner):
    response = owner.post(function_url(owner), function_data(code=SHARED, layers="shared:3"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_layers-errors"' in page
    assert "Layer version arn:aws:lambda:us-east-1:123456789012:layer:shared:3 does not exist." in page
    assert "layers" not in Workspace.objects.get(pk=owner.workspace.pk).functions["orders"]


@pytest.mark.django_db
def test_snapstart_with_provisioned_concurrency_is_refused_next_to_the_field(owner):
    response = owner.post(
        function_url(owner), function_data(code=SHARED, layers="shared:1", snap_start="on", provisioned_concurrency=1)
    )

    page = response.content.decode()
    assert 'id="id_provisioned_concurrency-errors"' in page
    assert "SnapStart and provisioned concurrency can&#x27;t be used together" in page


@pytest.mark.django_db
def test_invoking_a_version_records_the_qualifier_and_a_bad_one_is_refused(owner):
    url = f"/sandbox/workspaces/{owner.workspace.pk}/invoke/"
    data = {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 2}

    owner.post(url, {**data, "qualifier": "1"})
    refused = owner.post(url, {**data, "qualifier": "not a version"})

    assert Run.objects.get().steps[0]["invoke"]["qualifier"] == "1"
    assert "is not a version number, an alias name or $LATEST." in refused.content.decode()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_snapstart_version_with_a_layer_restores_through_celery(client, celery_worker):
    world = {
        **WORLD,
        "functions": {
            "orders": {
                "code": SNAP,
                "layers": ["shared:2"],
                "snap_start": {"apply_on": "PublishedVersions"},
                "versions": {"1": {}},
            }
        },
    }
    workspace = make_workspace(world=world)
    client.force_login(workspace.owner)

    client.post(
        f"/sandbox/workspaces/{workspace.pk}/invoke/",
        {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 2, "qualifier": "1"},
        HTTP_HX_REQUEST="true",
    )
    run = Run.objects.get()
    page = poll_status(client, run).content.decode()

    run.refresh_from_db()
    assert run.status == Run.DONE, run.error
    assert [s["version"] for s in run.trace["snapshots"]] == ["1"]
    payloads = [r["payload"] for r in run.trace["responses"]]
    assert [p["value"] for p in payloads] == ["two", "two"]
    assert payloads[0]["prefix"] == payloads[1]["prefix"]  # the uniqueness trap, through the web sandbox
    assert "Restore Duration" in page and "Billed Restore Duration" in page
    assert "after restore ran" in page
    detail = client.get(f"/sandbox/runs/{run.pk}/").content.decode()
    assert "SnapStart snapshot of <code>orders</code> version 1" in detail


def finished(client, response) -> Run:
    assert response.status_code == 200, response.content.decode()
    run = Run.objects.order_by("-created_at").first()
    poll_status(client, run)
    run.refresh_from_db()
    assert run.status == Run.DONE, run.error
    return run


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_publishing_a_layer_version_from_the_resources_page_changes_no_function_until_it_names_it(
    client, celery_worker
):
    world = {**WORLD, "functions": {"orders": {"code": SHARED, "layers": ["shared:2"]}}}
    workspace = make_workspace(world=world)
    client.force_login(workspace.owner)
    base = f"/sandbox/workspaces/{workspace.pk}"
    invoke = {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 1}

    published = finished(
        client,
        client.post(
            f"{base}/resources/publish-layer-version/",
            {"layer": "shared", "files": "python/shared.py: |\n  VALUE = 'three'\n"},
            HTTP_HX_REQUEST="true",
        ),
    )
    before = finished(client, client.post(f"{base}/invoke/", invoke, HTTP_HX_REQUEST="true"))
    saved = client.post(f"{base}/functions/orders/", function_data(code=SHARED, layers="shared:3"))
    after = finished(client, client.post(f"{base}/invoke/", invoke, HTTP_HX_REQUEST="true"))

    assert published.trace["layer_versions"][0]["version"] == 3
    assert len(Workspace.objects.get(pk=workspace.pk).world["layers"]["shared"]["versions"]) == 3
    assert before.trace["responses"][0]["payload"] == {"value": "two"}
    assert saved.status_code == 302
    assert after.trace["responses"][0]["payload"] == {"value": "three"}
    assert not before.trace["fresh"] and not after.trace["fresh"]
    page = client.get(f"{base}/resources/").content.decode()
    assert "Version 3: listed by <code>orders</code>" in page


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_publishing_a_snapstart_version_from_the_resources_page_takes_its_snapshot(client, celery_worker):
    world = {
        **WORLD,
        "functions": {
            "orders": {"code": SNAP, "layers": ["shared:1"], "snap_start": {"apply_on": "PublishedVersions"}}
        },
    }
    workspace = make_workspace(world=world)
    client.force_login(workspace.owner)
    base = f"/sandbox/workspaces/{workspace.pk}"

    run = finished(
        client, client.post(f"{base}/resources/publish-version/", {"function": "orders"}, HTTP_HX_REQUEST="true")
    )

    newer = SNAP.replace("'value': shared.VALUE", "'value': 'edited'")
    saved = client.post(f"{base}/functions/orders/", function_data(code=newer, layers="shared:1", snap_start="on"))
    invoke = {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 1}
    version = finished(client, client.post(f"{base}/invoke/", {**invoke, "qualifier": "1"}, HTTP_HX_REQUEST="true"))
    latest = finished(client, client.post(f"{base}/invoke/", invoke, HTTP_HX_REQUEST="true"))

    assert [(p["function"], p["version"], p["created"]) for p in run.trace["publishes"]] == [("orders", "1", True)]
    assert [(s["version"], s["status"]) for s in run.trace["snapshots"]] == [("1", "success")]
    assert saved.status_code == 302
    assert version.trace["responses"][0]["payload"]["value"] == "one"  # version 1 keeps the code it was published with
    assert version.trace["attempts"][0]["logs"][0].startswith("RESTORE_START")
    assert latest.trace["responses"][0]["payload"]["value"] == "edited"
    assert "Init Duration" in latest.trace["attempts"][0]["logs"][-1]
    page = client.get(f"{base}/resources/").content.decode()
    assert "<h3>Function orders</h3>" in page
    assert "Version 1, 128 MB: code published earlier, not $LATEST's" in page


@pytest.mark.django_db
def test_the_resources_page_lists_each_functions_versions_and_aliases(client):
    world = {
        "functions": {
            "orders": {
                "code": SHARED,
                "versions": {"1": {}, "2": {"memory_mb": 256}},
                "aliases": {"live": {"version": "1", "weights": {"2": 0.1}}},
            },
            "plain": {"code": SHARED},
        }
    }
    workspace = workspaces.create_workspace(make_user(), name="versions", world=world)
    client.force_login(workspace.owner)

    page = client.get(f"/sandbox/workspaces/{workspace.pk}/resources/").content.decode()

    assert "<h3>Function orders</h3>" in page and "Function plain" not in page
    assert "Version 1, 128 MB: the same code as $LATEST" in page
    assert "Version 2, 256 MB: the same code as $LATEST" in page
    assert "Alias <code>live</code> → version 1, 10% to version 2" in page
    assert "No published function versions." not in page
