"""A browser journey through the SDK preset: boto3 calls in handlers, run by a real Celery worker, read on a phone."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


def log_in(page, base_url: str, next_path: str, username: str) -> None:
    get_user_model().objects.create_user(username=username, password=PASSWORD)
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_journey_sdk_preset_shows_each_call_and_the_refusal(live_server, browser, celery_worker, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server.url, "/sandbox/presets/sdk-calls/", f"sdk-student-{width}")

    page.get_by_role("button", name="Try it").click()
    page.get_by_role("button", name="Run the preset's events").click()

    calls = page.locator("section[aria-labelledby=sdk-calls-heading]")
    expect(calls).to_be_visible(timeout=60_000)
    expect(calls.locator("tr.sdk-call")).to_have_count(5)
    expect(calls).to_contain_text("sqs SendMessage")
    expect(calls).to_contain_text("AccessDenied")
    expect(calls).to_contain_text("assumed-role/audit-role/audit is not authorized to perform: sqs:sendmessage")
    expect(page.locator("#timeline svg .tl-mark.sdk")).to_have_count(4)
    expect(page.locator("#timeline svg .tl-mark.sdk-error")).to_have_count(1)
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the run page scrolls sideways at {width}px ({scroll_width}px wide)"
    context.close()
