"""The sandbox pages: owner / other user / anonymous, forms with AWS messages, runs, polling and replay."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from sandbox.demos import find_demo, scenario_of
from sandbox.models import Run, Workspace

RAISING = "def lambda_handler(event, context):\n    raise ValueError('boom')\n"
WORLD = {
    "functions": {"orders": {"code": "def lambda_handler(event, context):\n    return {'ok': 1}\n"}},
    "queues": {"orders-dlq": {}, "jobs": {}},
    "network": {
        "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
        "internet_gateways": {"igw-main": {"vpc": "main"}},
        "route_tables": {
            "public": {"vpc": "main", "routes": {"0.0.0.0/0": "igw-main"}},
            "private": {"vpc": "main", "routes": {}},
        },
        "subnets": {
            "public-a": {"vpc": "main", "cidr": "10.0.0.0/24", "route_table": "public"},
            "private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private"},
        },
    },
}
TRACE = {
    "responses": [
        {
            "step": 0,
            "request_id": "r1",
            "function": "orders",
            "invocation_type": "Event",
            "status_code": 202,
            "function_error": None,
            "payload": None,
            "error_type": None,
            "reason": None,
            "log_result": None,
            "executed_version": "$LATEST",
            "at_s": 0.0,
        }
    ],
    "attempts": [
        {
            "request_id": "r1",
            "function": "orders",
            "trigger": "async",
            "attempt": number,
            "start_s": start,
            "end_s": start + 0.002,
            "environment_id": "env-1",
            "cold_start": number == 1,
            "init_duration_ms": 80.0 if number == 1 else None,
            "duration_ms": 2.0,
            "outcome": "error",
            "error_type": "ValueError",
            "error_message": "boom",
            "logs": ["START RequestId: r1", "END RequestId: r1"],
        }
        for number, start in ((1, 0.0), (2, 60.0), (3, 180.0))
    ],
    "queues": {"orders-dlq": [{"message_id": "m1", "body": '{"id": 1}', "message_attributes": {}}]},
    "deliveries": [
        {
            "kind": "dlq",
            "condition": "RetriesExhausted",
            "target": "queue:orders-dlq",
            "request_id": "r1",
            "record": {},
            "at_s": 180.002,
        }
    ],
    "connections": [],
    "dropped": [],
    "metrics": {"orders": {"invocations": 3, "errors": 3, "throttles": 0, "max_concurrency": 1}},
    "end_s": 180.002,
}


def make_user(username: str = "student"):
    return get_user_model().objects.create(username=username)


def make_workspace(owner=None, **overrides) -> Workspace:
    fields = {"owner": owner or make_user(), "name": "My workspace", "world": WORLD}
    fields.update(overrides)
    return Workspace.objects.create(**fields)


def make_run(workspace: Workspace, **overrides) -> Run:
    fields = {"workspace": workspace, "kind": "invoke", "steps": [], "status": Run.DONE, "trace": TRACE}
    fields.update(overrides)
    return Run.objects.create(**fields)


@pytest.fixture
def owner_client(client):
    workspace = make_workspace()
    client.force_login(workspace.owner)
    client.workspace = workspace
    return client


OWNED_PAGES = ["", "events/", "resources/", "network/", "world/", "functions/orders/", "functions/new/"]


@pytest.mark.django_db
@pytest.mark.parametrize("tail", OWNED_PAGES)
def test_workspace_pages_answer_their_owner(owner_client, tail):
    response = owner_client.get(f"/sandbox/workspaces/{owner_client.workspace.pk}/{tail}")

    assert response.status_code == 200
    assert "My workspace" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tail", OWNED_PAGES)
def test_workspace_pages_are_404_for_another_user(client, tail):
    workspace = make_workspace()
    client.force_login(make_user("someone-else"))

    response = client.get(f"/sandbox/workspaces/{workspace.pk}/{tail}")

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("tail", OWNED_PAGES)
def test_workspace_pages_are_404_for_anonymous_visitors(client, tail):
    workspace = make_workspace()

    response = client.get(f"/sandbox/workspaces/{workspace.pk}/{tail}")

    assert response.status_code == 404


@pytest.mark.django_db
def test_run_detail_owner_other_anonymous(client):
    run = make_run(make_workspace())
    url = f"/sandbox/runs/{run.pk}/"

    anonymous = client.get(url).status_code
    client.force_login(make_user("someone-else"))
    other = client.get(url).status_code
    client.force_login(run.workspace.owner)
    owner = client.get(url)

    assert (anonymous, other, owner.status_code) == (404, 404, 200)
    assert 'class="timeline"' in owner.content.decode()


@pytest.mark.django_db
def test_posting_to_another_users_workspace_is_404_and_starts_nothing(client):
    workspace = make_workspace()
    client.force_login(make_user("someone-else"))

    response = client.post(
        f"/sandbox/workspaces/{workspace.pk}/invoke/",
        {"function": "orders", "invocation_type": "Event", "payload": "{}", "repeat": 1},
    )

    assert response.status_code == 404
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_sandbox_home_lists_presets_for_anyone(client):
    response = client.get("/sandbox/")

    assert response.status_code == 200
    assert "/sandbox/presets/error-handling/" in response.content.decode()


@pytest.mark.django_db
def test_preset_try_sends_anonymous_visitors_to_log_in(client):
    response = client.post("/sandbox/presets/error-handling/try/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sandbox/presets/error-handling/"
    assert not Workspace.objects.exists()


@pytest.mark.django_db
def test_preset_try_creates_the_workspace_once_and_then_reopens_it(client):
    user = make_user()
    client.force_login(user)

    first = client.post("/sandbox/presets/error-handling/try/")
    second = client.post("/sandbox/presets/error-handling/try/")

    workspace = Workspace.objects.get(owner=user)
    assert first["Location"] == second["Location"] == f"/sandbox/workspaces/{workspace.pk}/"
    assert workspace.preset == "error-handling"
    assert "charge" in workspace.functions
    assert "steps" not in workspace.world


@pytest.mark.django_db
def test_preset_try_of_an_unknown_preset_is_404(client):
    client.force_login(make_user())

    assert client.post("/sandbox/presets/no-such-preset/try/").status_code == 404


@pytest.mark.django_db
def test_function_save_shows_the_aws_message_next_to_the_field(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/orders/"
    data = function_data(memory_mb=64)

    response = owner_client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_memory_mb-errors"' in page
    assert "Member must have value greater than or equal to 128" in page
    owner_client.workspace.refresh_from_db()
    assert "memory_mb" not in owner_client.workspace.functions["orders"]


@pytest.mark.django_db
def test_function_save_refuses_reserved_environment_variables(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/orders/"

    response = owner_client.post(url, function_data(environment="AWS_REGION=eu-west-1"))

    page = response.content.decode()
    assert 'id="id_environment-errors"' in page
    assert "AWS_REGION" in page


@pytest.mark.django_db
def test_function_save_writes_code_and_configuration_into_the_world(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/orders/"

    response = owner_client.post(
        url, function_data(code=RAISING, memory_mb=256, environment="TABLE=orders", dead_letter="queue:orders-dlq")
    )

    assert response.status_code == 302
    spec = Workspace.objects.get(pk=owner_client.workspace.pk).functions["orders"]
    assert (spec["code"], spec["memory_mb"], spec["environment"]) == (RAISING, 256, {"TABLE": "orders"})
    assert spec["dead_letter"] == "queue:orders-dlq"


@pytest.mark.django_db
def test_function_save_over_htmx_returns_only_the_form(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/orders/"

    response = owner_client.post(url, function_data(timeout_s=901), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="function-form"')
    assert "Member must have value less than or equal to 900" in page


@pytest.mark.django_db
def test_function_create_adds_a_starter_handler(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/new/"

    response = owner_client.post(url, {"name": "thumbnails"})

    assert response.status_code == 302
    assert "lambda_handler" in Workspace.objects.get(pk=owner_client.workspace.pk).functions["thumbnails"]["code"]


@pytest.mark.django_db
def test_function_create_refuses_a_bad_name(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/functions/new/"

    response = owner_client.post(url, {"name": "no spaces allowed"})

    assert response.status_code == 200
    assert "letters, numbers, hyphens" in response.content.decode()


@pytest.mark.django_db
def test_invoke_records_a_pending_run_with_the_step(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"

    response = owner_client.post(
        url,
        {"function": "orders", "invocation_type": "Event", "payload": '{"id": 1}', "repeat": 1},
        HTTP_HX_REQUEST="true",
    )

    run = Run.objects.get()
    assert response.status_code == 200
    assert f'hx-get="/sandbox/runs/{run.pk}/status/?wait=1" hx-trigger="load"' in response.content.decode()
    assert run.status == Run.PENDING
    assert run.steps == [{"at_s": 0, "invoke": {"function": "orders", "type": "Event", "payload": {"id": 1}}}]


@pytest.mark.django_db
def test_invoke_burst_asks_for_parallel_repeats(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"

    owner_client.post(url, {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 25})

    invoke = Run.objects.get().steps[0]["invoke"]
    assert (invoke["repeat"], invoke["parallel"], invoke["log_type"]) == (25, True, "Tail")


@pytest.mark.django_db
def test_invoke_with_broken_json_says_where(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"

    response = owner_client.post(
        url,
        {"function": "orders", "invocation_type": "Event", "payload": '{"id": ', "repeat": 1},
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Retarget"] == "#invoke-form"
    assert "not valid JSON" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_invoke_refuses_an_async_payload_over_one_megabyte(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"
    payload = '{"blob": "' + "x" * (1024 * 1024) + '"}'

    response = owner_client.post(
        url, {"function": "orders", "invocation_type": "Event", "payload": payload, "repeat": 1}
    )

    assert "RequestEntityTooLargeException" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_invoke_over_the_rate_limit_shows_the_limit_message(owner_client, settings):
    settings.SANDBOX_RUNS_PER_MINUTE = 0
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"

    response = owner_client.post(
        url, {"function": "orders", "invocation_type": "Event", "payload": "{}", "repeat": 1}, HTTP_HX_REQUEST="true"
    )

    assert "The run was not started" in response.content.decode()
    assert "runs in the last minute" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("referer", ["https://attacker.example/phish", "//attacker.example/", ""])
def test_refused_run_redirects_to_the_workspace_page_never_to_the_referer(owner_client, settings, referer):
    settings.SANDBOX_RUNS_PER_MINUTE = 0
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/invoke/"

    response = owner_client.post(
        url, {"function": "orders", "invocation_type": "Event", "payload": "{}", "repeat": 1}, HTTP_REFERER=referer
    )

    assert response.status_code == 302
    assert response["Location"] == owner_client.workspace.get_absolute_url()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_event_template_arrives_as_a_payload_partial(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/events/?template=sqs"

    partial = owner_client.get(url, HTTP_HX_REQUEST="true")
    page = owner_client.get(url)

    assert partial.content.decode().lstrip().startswith('<div id="payload-field">')
    assert "aws:sqs" in partial.content.decode()
    assert "<html" in page.content.decode() and "aws:sqs" in page.content.decode()


@pytest.mark.django_db
def test_run_status_polls_while_pending(owner_client):
    run = make_run(owner_client.workspace, status=Run.PENDING, trace=None)

    response = owner_client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()


@pytest.mark.django_db
def test_run_status_stops_polling_with_286_and_the_results(owner_client):
    run = make_run(owner_client.workspace)

    response = owner_client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 286
    assert "every 1s" not in page
    assert 'class="timeline"' in page and "Dead-letter message" in page


@pytest.mark.django_db
def test_run_results_list_the_sdk_calls_with_refusals_in_aws_words(owner_client):
    refused = (
        "User: arn:aws:sts::123456789012:assumed-role/orders-role/orders is not authorized to perform: sqs:sendmessage"
    )
    calls = [
        {
            "function": "orders",
            "request_id": "r1",
            "service": "sts",
            "operation": "GetCallerIdentity",
            "at_s": 0.01,
            "duration_ms": 0.0,
            "outcome": "ok",
            "error_code": None,
            "error_message": None,
            "status": 200,
        },
        {
            "function": "orders",
            "request_id": "r1",
            "service": "sqs",
            "operation": "SendMessage",
            "at_s": 0.02,
            "duration_ms": 0.0,
            "outcome": "error",
            "error_code": "AccessDenied",
            "error_message": refused,
            "status": 403,
        },
    ]
    run = make_run(owner_client.workspace, trace={**TRACE, "sdk_calls": calls})

    page = owner_client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true").content.decode()

    assert "AWS SDK calls" in page and page.count('class="sdk-call"') == 2
    assert "<code>sts GetCallerIdentity</code>" in page and "✓ answered" in page
    assert "✗ AccessDenied</span> " + refused in page
    assert 'class="tl-mark sdk-error' in page


@pytest.mark.django_db
def test_run_status_when_finished_refreshes_the_recent_runs_list(owner_client):
    run = make_run(owner_client.workspace)

    page = owner_client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true").content.decode()

    assert '<ul id="recent-runs" class="row-list" hx-swap-oob="true">' in page
    assert f'href="/sandbox/runs/{run.pk}/"' in page.split('id="recent-runs"')[1]


@pytest.mark.django_db
def test_run_status_of_a_failed_run_gives_the_reason(owner_client):
    run = make_run(owner_client.workspace, status=Run.FAILED, trace=None, error="the worker stopped")

    response = owner_client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")

    assert response.status_code == 286
    assert "the worker stopped" in response.content.decode()


@pytest.mark.django_db
def test_timeline_replay_step_returns_the_partial_with_only_earlier_steps(owner_client):
    run = make_run(owner_client.workspace)

    response = owner_client.get(f"/sandbox/runs/{run.pk}/?step=2", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="timeline"')
    assert 'data-step="2"' in page and 'data-step="3"' not in page
    assert "Step 2 of 4" in page
    assert f'href="/sandbox/runs/{run.pk}/?step=3#timeline"' in page


@pytest.mark.django_db
def test_timeline_play_schedules_the_next_step(owner_client):
    run = make_run(owner_client.workspace)

    page = owner_client.get(f"/sandbox/runs/{run.pk}/?step=1&play=1", HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="load delay:900ms"' in page
    assert "?step=2&amp;play=1" in page


@pytest.mark.django_db
def test_network_add_nat_gateway_routes_the_private_subnet(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/network/add-nat/"

    response = owner_client.post(url, {"name": "nat-a", "subnet": "public-a", "route_table": "private"})

    assert response.status_code == 302
    network = Workspace.objects.get(pk=owner_client.workspace.pk).world["network"]
    assert network["nat_gateways"]["nat-a"] == {"subnet": "public-a"}
    assert network["route_tables"]["private"]["routes"]["0.0.0.0/0"] == "nat-a"


@pytest.mark.django_db
def test_network_page_draws_the_vpc(owner_client):
    page = owner_client.get(f"/sandbox/workspaces/{owner_client.workspace.pk}/network/").content.decode()

    assert 'class="vpc-diagram"' in page
    assert "private-a" in page and "isolated" in page


@pytest.mark.django_db
def test_resource_send_and_purge_start_runs_with_their_steps(owner_client):
    base = f"/sandbox/workspaces/{owner_client.workspace.pk}/resources/"

    owner_client.post(base + "send/", {"queue": "jobs", "body": "hello", "count": 2})
    owner_client.post(base + "purge/", {"queue": "jobs"})

    steps = [run.steps[0] for run in Run.objects.order_by("created_at")]
    assert steps[0]["send"] == {"queue": "jobs", "messages": [{"body": "hello"}, {"body": "hello"}]}
    assert steps[1] == {"purge": {"queue": "jobs"}}


@pytest.mark.django_db
def test_resource_add_mapping_and_disable_it(owner_client):
    base = f"/sandbox/workspaces/{owner_client.workspace.pk}/resources/"

    owner_client.post(base + "add-mapping/", {"function": "orders", "source": "queue:jobs", "batch_size": 5})
    owner_client.post(base + "toggle-mapping/", {"index": 0})

    mapping = Workspace.objects.get(pk=owner_client.workspace.pk).world["event_source_mappings"][0]
    assert (mapping["source"], mapping["batch_size"], mapping["enabled"]) == ("queue:jobs", 5, False)


@pytest.mark.django_db
def test_a_tables_stream_can_be_mapped_from_the_resources_page(owner_client):
    workspace = owner_client.workspace
    workspace.world = {**workspace.world, "tables": {"carts": {"stream": "NEW_IMAGE"}, "plain": {}}}
    workspace.save()
    base = f"/sandbox/workspaces/{workspace.pk}/resources/"

    page = owner_client.get(base).content.decode()
    owner_client.post(base + "add-mapping/", {"function": "orders", "source": "table:carts", "batch_size": 5})

    mapping = Workspace.objects.get(pk=workspace.pk).world["event_source_mappings"][0]
    assert '<option value="table:carts">' in page and "table:plain" not in page
    assert (mapping["source"], mapping["starting_position"]) == ("table:carts", "TRIM_HORIZON")


@pytest.mark.django_db
def test_world_yaml_editor_reports_problems_by_field(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/world/"

    response = owner_client.post(url, {"text": "functions:\n  orders:\n    code: 'x'\n    timeout_s: 0\n"})

    assert response.status_code == 200
    assert "functions.orders.timeout_s" in response.content.decode()


@pytest.mark.django_db
def test_run_page_says_when_the_trace_was_cut(owner_client):
    note = "The trace is larger than the 2.0 MB the sandbox keeps per run, so it was cut."
    cut = make_run(owner_client.workspace, trace={**TRACE, "cut": [note]})
    whole = make_run(owner_client.workspace)

    cut_page = owner_client.get(f"/sandbox/runs/{cut.pk}/").content.decode()
    whole_page = owner_client.get(f"/sandbox/runs/{whole.pk}/").content.decode()

    assert note in cut_page
    assert "keeps per run" not in whole_page


ALIAS_BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.django_db
@pytest.mark.parametrize("tail", ["world/", "network/edit/"])
def test_yaml_editors_refuse_an_alias_bomb_and_keep_the_world(owner_client, tail):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/{tail}"
    before = Workspace.objects.get(pk=owner_client.workspace.pk).world

    response = owner_client.post(url, {"text": ALIAS_BOMB})

    assert response.status_code == 200
    assert "expands to more than" in response.content.decode()
    assert Workspace.objects.get(pk=owner_client.workspace.pk).world == before


@pytest.mark.django_db
def test_world_yaml_shows_code_as_a_block_and_saving_it_unchanged_keeps_the_world(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/world/"
    before = Workspace.objects.get(pk=owner_client.workspace.pk).world

    page = owner_client.get(url)
    shown = page.context["form"]["text"].value()
    saved = owner_client.post(url, {"text": shown})

    assert "    code: |\n      def lambda_handler(event, context):\n          return {'ok': 1}\n" in shown
    assert 'wrap="off"' in page.content.decode()  # lines keep their indentation on a phone; the box scrolls
    assert saved.status_code == 302
    assert Workspace.objects.get(pk=owner_client.workspace.pk).world == before


@pytest.mark.django_db
def test_world_yaml_editor_names_a_duplicate_key(owner_client):
    url = f"/sandbox/workspaces/{owner_client.workspace.pk}/world/"

    response = owner_client.post(url, {"text": "queues:\n  jobs: {}\n  jobs: {}\n"})

    assert response.status_code == 200
    assert "duplicate key" in response.content.decode()


def function_data(**overrides) -> dict:
    data = {
        "code": "def lambda_handler(event, context):\n    return 1\n",
        "handler": "lambda_function.lambda_handler",
        "memory_mb": 128,
        "timeout_s": 3,
        "ephemeral_storage_mb": 512,
        "environment": "",
        "reserved_concurrency": "",
        "provisioned_concurrency": 0,
        "maximum_retry_attempts": 2,
        "maximum_event_age_s": 21600,
        "dead_letter": "",
        "on_success": "",
        "on_failure": "",
        "vpc_subnets": "",
        "vpc_security_groups": "",
        "policies": "",
        "role_actions": "",
    }
    data.update(overrides)
    return data


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_invoke_runs_through_celery_and_the_status_partial_shows_the_result(client, celery_worker):
    workspace = make_workspace()
    client.force_login(workspace.owner)

    client.post(
        f"/sandbox/workspaces/{workspace.pk}/invoke/",
        {"function": "orders", "invocation_type": "RequestResponse", "payload": "{}", "repeat": 1},
        HTTP_HX_REQUEST="true",
    )
    run = Run.objects.get()
    response = poll_status(client, run)

    page = response.content.decode()
    assert response.status_code == 286
    assert "status 200" in page and "&quot;ok&quot;: 1" in page
    assert "START RequestId" in page


def poll_status(client, run, timeout_s: float = 60):
    """Poll the status partial the way the browser does, until it says stop (286)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(f"/sandbox/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
        if response.status_code == 286:
            return response
        time.sleep(0.1)
    pytest.fail(f"run {run.pk} did not finish within {timeout_s} s")


@pytest.mark.django_db
def test_function_page_keeps_the_preset_destinations_when_only_the_code_changes(client):
    user = make_user()
    client.force_login(user)
    client.post("/sandbox/presets/error-handling/try/")
    workspace = Workspace.objects.get(owner=user)
    url = f"/sandbox/workspaces/{workspace.pk}/functions/charge/"
    form = client.get(url).context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}

    client.post(url, {**data, "code": RAISING})

    spec = Workspace.objects.get(pk=workspace.pk).functions["charge"]
    assert spec["code"] == RAISING
    assert spec["dead_letter"] == "queue:charge-dlq"
    assert spec["async"]["on_failure"] == "queue:charge-failures"
    assert "role" not in spec  # left to the emulator, which grants what the DLQ and destination need


def test_world_summary_matches_singular_and_plural():
    from sandbox.presenting import world_summary

    world = {"functions": {"charge": {}}, "queues": {"a": {}, "b": {}}, "buses": {"default": {}, "other": {}}}

    assert world_summary(world) == [("function", 1), ("queues", 2), ("event buses", 2)]


@pytest.mark.django_db
def test_a_questions_demo_link_opens_the_demo_page_with_what_to_watch(client):

    demo = find_demo("async-retries")

    link = client.get("/sandbox/demos/async-retries/")
    page = client.get(link["Location"])

    assert link.status_code == 302
    assert link["Location"] == "/sandbox/presets/demo-async-retries/"
    assert page.status_code == 200
    assert "What to watch" in page.content.decode()
    assert demo.watch in page.content.decode()
    assert client.get("/sandbox/demos/no-such-demo/").status_code == 404


@pytest.mark.django_db
def test_trying_a_demo_opens_a_workspace_with_the_demo_world(client):

    user = make_user()
    client.force_login(user)
    functions = set(scenario_of(find_demo("async-retries"))["functions"])

    response = client.post("/sandbox/presets/demo-async-retries/try/")

    workspace = Workspace.objects.get(owner=user)
    assert response["Location"] == f"/sandbox/workspaces/{workspace.pk}/"
    assert workspace.preset == "demo-async-retries"
    assert set(workspace.functions) == functions
