"""Browser journeys (Chromium, a real Celery worker) through the layer and SnapStart challenges."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox.catalogue import find_challenge
from sandbox.models import ChallengeAttempt
from sandbox.tests.test_journeys import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def start_challenge(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Start the challenge").click()
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#run-area")).to_contain_text("Not yet", timeout=60_000)


def submit_again(page) -> None:
    page.get_by_role("link", name="Overview").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#run-area")).to_contain_text("Passed", timeout=60_000)
    expect(page.locator("#run-area .check-list .badge.bad")).to_have_count(0)


def test_journey_point_checkout_at_the_new_layer_version(live_server, page, celery_worker):
    user = log_in(page, live_server.url, "/sandbox/challenges/")
    start_challenge(page, "The tax change that never arrived")
    expect(page.locator("#run-area")).to_contain_text("Checkout charged the 25% rate")

    page.get_by_role("link", name="checkout", exact=True).click()
    layers = page.get_by_label("Layers")
    expect(layers).to_have_value("tax-rules:1")
    layers.fill("tax-rules:2")
    page.get_by_role("button", name="Save function").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    submit_again(page)

    assert ChallengeAttempt.objects.filter(user=user, challenge="tax-rate-from-the-new-layer", passed=True).exists()


def test_journey_make_order_ids_unique_after_restore(live_server, page, celery_worker):
    user = log_in(page, live_server.url, "/sandbox/challenges/")
    start_challenge(page, "Every order gets the same id after scaling out")
    expect(page.locator("#run-area")).to_contain_text("Restore Duration")

    page.get_by_role("link", name="orders", exact=True).click()
    expect(page.get_by_label("SnapStart on published versions")).to_be_checked()
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(find_challenge("unique-order-ids-after-restore").solution["functions"]["orders"]["code"])
    page.get_by_role("button", name="Save function").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    submit_again(page)

    assert ChallengeAttempt.objects.filter(user=user, challenge="unique-order-ids-after-restore", passed=True).exists()
