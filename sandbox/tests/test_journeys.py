"""Browser journeys through the sandbox, in Chromium, with every run going through a real Celery worker."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from lessons.importing import import_lessons
from sandbox import workspaces
from sandbox.models import ChallengeAttempt, Run

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"
RAISING = 'def lambda_handler(event, context):\n    raise RuntimeError("card declined for order %s" % event["order"])\n'
FETCHER = """import socket

def lambda_handler(event, context):
    try:
        socket.create_connection(("api.partner.example", 443), timeout=2).close()
    except OSError as error:
        return {"partner": type(error).__name__}
    return {"partner": "connected"}
"""
NO_NAT_WORLD = {
    "functions": {
        "fetcher": {
            "code": FETCHER,
            "timeout_s": 5,
            "vpc": {"subnets": ["private-a"], "security_groups": ["sg-fn"]},
            "role": {"policies": ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"]},
        }
    },
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
        "security_groups": {
            "sg-fn": {"vpc": "main", "egress": [{"protocol": "tcp", "ports": "all", "to": "0.0.0.0/0"}]}
        },
        "hosts": {"partner": {"name": "api.partner.example", "port": 443, "internet": True}},
    },
}


def log_in(page, base_url: str, next_path: str, username: str = "sandbox-student"):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return user


def test_journey_preset_handler_raises_async_retries_reach_the_dlq(live_server, page, celery_worker):
    import_lessons()
    log_in(page, live_server.url, "/lessons/error-handling/")

    page.get_by_role("link", name="Open the error-handling preset").click()
    page.get_by_role("button", name="Try it").click()
    page.get_by_role("link", name="charge", exact=True).click()
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(RAISING)
    page.get_by_role("button", name="Save function").click()
    expect(page.get_by_text("Saved. The next invocation runs the new code")).to_be_visible()

    page.get_by_role("link", name="Invoke charge with an event").click()
    page.wait_for_load_state("load")
    page.get_by_label("Invocation type").select_option("Event")
    page.get_by_label("Event (JSON)").fill('{"order": 7}')
    page.get_by_role("button", name="Invoke").click()

    timeline = page.locator("#timeline")
    expect(timeline).to_be_visible(timeout=60_000)
    steps = timeline.locator(".step-list")
    expect(steps).to_contain_text("async attempt 1")
    expect(steps).to_contain_text("async attempt 2")
    expect(steps).to_contain_text("async attempt 3")
    expect(steps).to_contain_text("DLQ message sent to queue:charge-dlq")
    expect(timeline.locator("svg .tl-attempt.error")).to_have_count(3)
    expect(timeline.locator("svg .tl-mark.delivery")).to_have_count(2)  # the DLQ and the on-failure queue

    timeline.get_by_role("link", name="First").click()
    expect(page.locator("#timeline").get_by_text("Step 0 of")).to_be_visible()
    page.locator("#timeline").get_by_role("link", name="Next step").click()
    expect(page.locator("#timeline svg .tl-attempt")).to_have_count(1)
    assert Run.objects.filter(kind="invoke", status=Run.DONE).count() == 1


def test_journey_vpc_function_needs_a_nat_gateway_to_reach_the_internet(live_server, page, celery_worker):
    user = log_in(page, live_server.url, "/sandbox/")
    workspace = workspaces.create_workspace(user, name="Partner calls", world=NO_NAT_WORLD)

    page.goto(f"{live_server.url}/sandbox/workspaces/{workspace.pk}/events/")
    page.get_by_role("button", name="Invoke").click()
    verdict = page.locator("#run-area tr.connection")
    expect(verdict).to_contain_text("timeout", timeout=60_000)
    expect(verdict).to_contain_text("NAT gateway")

    page.get_by_role("link", name="Network").click()
    expect(page.locator("svg.vpc-diagram")).to_contain_text("isolated")
    page.get_by_label("NAT gateway name").fill("nat-a")
    page.get_by_label("In subnet").select_option("public-a")
    page.get_by_label("Route 0.0.0.0/0 of this route table to it").select_option("private")
    page.get_by_role("button", name="Add NAT gateway").click()
    expect(page.locator("svg.vpc-diagram")).to_contain_text("private, NAT")

    page.get_by_role("link", name="Events").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Invoke").click()
    verdict = page.locator("#run-area tr.connection")
    expect(verdict).to_contain_text("connected", timeout=60_000)
    expect(page.locator("#run-area")).to_contain_text('"partner": "connected"')


def test_journey_solve_the_dlq_challenge(live_server, page, celery_worker):
    user = log_in(page, live_server.url, "/sandbox/challenges/")

    page.get_by_role("link", name="Catch the failed orders").click()
    page.get_by_role("button", name="Start the challenge").click()
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#run-area")).to_contain_text("Not yet", timeout=60_000)

    page.get_by_role("link", name="checkout", exact=True).click()
    page.get_by_label("Dead-letter queue or topic").fill("queue:orders-dlq")
    page.get_by_role("button", name="Save function").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.get_by_role("link", name="Overview").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Submit for grading").click()

    expect(page.locator("#run-area")).to_contain_text("Passed", timeout=60_000)
    expect(page.locator("#run-area .check-list .badge.bad")).to_have_count(0)
    assert ChallengeAttempt.objects.filter(user=user, challenge="failed-orders-to-dlq", passed=True).count() == 1
    page.get_by_role("link", name="Sandbox").click()
    expect(page.get_by_role("heading", name="Catch the failed orders Solved")).to_be_visible()


def test_journey_results_fit_a_phone_and_replay_works_from_the_keyboard(live_server, browser):
    from sandbox.tests.test_views import TRACE, WORLD

    user = get_user_model().objects.create_user(username="phone-student", password=PASSWORD)
    workspace = workspaces.create_workspace(user, name="On the bus", world=WORLD)
    run = Run.objects.create(workspace=workspace, kind="invoke", steps=[], status=Run.DONE, trace=TRACE)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    log_in_existing(phone, live_server.url, f"/sandbox/runs/{run.pk}/", "phone-student")

    expect(phone.locator("#timeline svg")).to_be_visible()
    phone.wait_for_load_state("load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.locator("#timeline").get_by_role("link", name="First").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#timeline").get_by_text("Step 0 of 4")).to_be_visible()
    expect(phone.locator("#timeline").get_by_role("link", name="First")).to_be_focused()  # focus stays put
    wait_for_htmx(phone, "replay-next")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    expect(phone.locator("#timeline").get_by_role("link", name="Next step")).to_be_focused()
    phone.keyboard.press("Enter")

    expect(phone.locator("#timeline").get_by_text("Step 1 of 4")).to_be_visible()
    expect(phone.locator("#timeline li[aria-current=step]")).to_contain_text("async attempt 1")
    expect(phone.locator("#timeline").get_by_role("link", name="Next step")).to_be_focused()
    wait_for_htmx(phone, "replay-next")
    phone.keyboard.press("Enter")  # the next step, without reaching for the mouse or tabbing back
    expect(phone.locator("#timeline").get_by_text("Step 2 of 4")).to_be_visible()
    assert width <= 360, f"the run page scrolls sideways on a phone ({width}px wide)"
    context.close()


def wait_for_htmx(page, element_id: str) -> None:
    """Wait until htmx has taken over a control it just swapped in: a key pressed a few milliseconds earlier would
    follow the plain link instead (a full page load), which no person types fast enough to meet."""
    page.wait_for_function(
        "id => { const e = document.getElementById(id); const d = e && e['htmx-internal-data']; return !!(d && d.initHash); }",
        arg=element_id,
    )


def log_in_existing(page, base_url: str, next_path: str, username: str):
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
