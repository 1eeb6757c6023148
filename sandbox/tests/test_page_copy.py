"""Small things a student sees on the sandbox pages: logs, links, refreshed lists and wording."""

import pytest

from sandbox.tests.test_views import make_run, make_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    workspace = make_workspace()
    client.force_login(workspace.owner)
    client.workspace = workspace
    return client


def test_run_page_shows_each_attempts_log_lines(owner_client):
    run = make_run(owner_client.workspace)

    html = owner_client.get(f"/sandbox/runs/{run.pk}/").content.decode()

    assert "START RequestId: r1\nEND RequestId: r1\n</pre>" in html
    assert "item.logs" not in html


def test_run_page_does_not_link_to_itself(owner_client):
    run = make_run(owner_client.workspace)

    page = owner_client.get(f"/sandbox/runs/{run.pk}/").content.decode()
    polled = owner_client.get(
        f"/sandbox/runs/{run.pk}/status/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/sandbox/runs/{run.pk}/",
    ).content.decode()

    assert "Open this run on its own page" not in page
    assert "Open this run on its own page" not in polled


def test_a_run_finished_on_the_events_page_links_to_its_page_and_sends_no_stray_list(owner_client):
    workspace = owner_client.workspace
    run = make_run(workspace)

    polled = owner_client.get(
        f"/sandbox/runs/{run.pk}/status/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/sandbox/workspaces/{workspace.pk}/events/",
    ).content.decode()

    assert f'<a href="/sandbox/runs/{run.pk}/">Open this run on its own page</a>' in polled
    assert 'id="recent-runs"' not in polled


def test_a_run_finished_on_the_workspace_page_refreshes_its_recent_runs(owner_client):
    workspace = owner_client.workspace
    run = make_run(workspace)

    polled = owner_client.get(
        f"/sandbox/runs/{run.pk}/status/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/sandbox/workspaces/{workspace.pk}/",
    ).content.decode()

    assert '<ul id="recent-runs" class="row-list" hx-swap-oob="true">' in polled


def test_preset_page_names_acronyms_properly_and_shows_no_command_to_students(client):
    html = client.get("/sandbox/presets/vpc-access/").content.decode()

    assert "<h1>VPC access</h1>" in html
    assert "Vpc" not in html
    assert "manage.py" not in html
