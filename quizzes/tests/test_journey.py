"""A student's timed practice test in a real browser: start, answer, flag, reload, come back, submit, results."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from quizzes.tests.factories import make_question

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/practice/")
    page.get_by_label("Username").fill("journey")
    page.get_by_label("Password").fill("a-long-test-password-1")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url(f"{base}/practice/")


def test_quick_test_journey(live_server, browser):
    get_user_model().objects.create_user("journey", password="a-long-test-password-1")
    for topic in ("alpha", "beta"):
        for i in range(3):
            make_question(f"{topic}-{i:02d}", topic, correct=(1,))
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, base)

    page.get_by_role("button", name="Start the quick practice test").click()
    expect(page.get_by_role("heading", name="Question 1 of 6")).to_be_visible()
    expect(page.locator("#timer-clock")).to_have_text(re.compile(r"^(39|40):\d\d$"))
    page.get_by_role("button", name="Hide timer").click()
    expect(page.locator("#timer-clock")).to_be_hidden()
    page.get_by_role("button", name="Show timer").click()

    page.locator("label.option", has_text="Option B of").click()  # options are shuffled; B is the key
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    page.locator("#flag-button").click()
    expect(page.locator("#flag-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#cell-flag-1")).to_have_class(re.compile("flagged"))
    page.keyboard.press("n")  # focus stays in the question, so the shortcut moves on
    expect(page.get_by_role("heading", name="Question 2 of 6")).to_be_visible()
    shown = page.locator("label.option").all_inner_texts()
    key = next(i for i, text in enumerate(shown) if "Option B of" in text)
    page.keyboard.press(str(key + 1))
    expect(page.locator("#save-status")).to_contain_text("Saved at")

    page.reload()
    expect(page.locator(f"#option-{key}")).to_be_checked()
    context.close()  # the browser is gone mid-test

    context = browser.new_context()
    page = context.new_page()
    log_in(page, base)
    page.get_by_role("link", name=re.compile("Quick test")).click()
    expect(page.get_by_role("heading", name="Question 2 of 6")).to_be_visible()
    expect(page.locator(f"#option-{key}")).to_be_checked()
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Flagged for review (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Not answered (4)")).to_be_visible()
    page.get_by_role("button", name="Submit the test").click()

    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    expect(page.get_by_text("2 of 6 correct")).to_be_visible()
    topics = page.get_by_role("table").first
    expect(topics).to_contain_text("alpha")
    expect(topics).to_contain_text("beta")
    context.close()
