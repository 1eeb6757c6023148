import pytest
from playwright.sync_api import expect

from lessons.tests.factories import make_lessons

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_journey_sign_up_study_a_lesson_and_see_progress(live_server, page, tmp_path):
    make_lessons(tmp_path, count=3)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("journey-student")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery-9")
    page.get_by_label("Password confirmation").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Welcome, journey-student")).to_be_visible()

    page.get_by_role("link", name="Lessons", exact=True).click()
    page.get_by_role("link", name="2 Lesson number 2").click()
    expect(page.get_by_role("heading", level=1, name="Lesson number 2")).to_be_visible()
    page.get_by_role("button", name="Mark as studied").click()
    expect(page.locator("#study-toggle").get_by_text("Studied", exact=True)).to_be_visible()

    page.get_by_role("link", name="examprep").click()
    expect(page.locator(".big-number")).to_contain_text("1 of 3")
    expect(page.get_by_role("heading", name="Next to study")).to_be_visible()
    expect(page.get_by_role("link", name="Lesson number 1", exact=True)).to_be_visible()


def test_journey_keyboard_reaches_content_through_the_skip_link(live_server, page, tmp_path):
    make_lessons(tmp_path, count=1)

    page.goto(f"{live_server.url}/lessons/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#main")).to_be_focused()


def test_journey_lesson_page_fits_a_phone(live_server, browser, tmp_path):
    make_lessons(tmp_path, count=1)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()

    phone.goto(f"{live_server.url}/lessons/lesson-1/")

    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px wide)"
    context.close()
