"""Details a student notices in the browser: anchors under the sticky header, the drill palette after a check,
keyboard access to scrolling boxes, and the accessibility check itself."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from examprep.tests.test_pages_in_browser import PHONE, serious_violations
from lessons.importing import import_lessons
from lessons.tests.factories import FILLER, make_lessons, write_lesson
from quizzes import attempts
from quizzes.tests.factories import make_question, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logged_in_page(browser, live_server, user, viewport=None):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_the_accessibility_check_finds_a_serious_violation(page):
    page.set_content(
        '<html lang="en"><body><main><img src="x.png"><p style="color:#bbb">faint</p></main></body></html>'
    )

    found = serious_violations(page)

    assert any(line.startswith("image-alt") for line in found)
    assert any(line.startswith("color-contrast") for line in found)


def test_an_anchored_heading_lands_below_the_sticky_header(live_server, page, tmp_path):
    make_lessons(tmp_path, count=1)

    page.goto(f"{live_server.url}/lessons/lesson-1/#exam-traps")

    heading = page.locator("#exam-traps")
    expect(heading).to_be_visible()
    header_bottom = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")
    assert heading.bounding_box()["y"] >= header_bottom


def test_a_wide_code_block_on_a_phone_can_be_focused_and_is_named(live_server, browser, tmp_path):
    wide = (
        "    return {'statusCode': 200, 'body': json.dumps({'orders': orders, 'next_page_token': token, 'count': n})}"
    )
    body = (
        f"Intro.\n\n## Code\n\n{FILLER}\n\n```python\ndef handler(event, context):\n{wide}\n```\n\n"
        "## Exam traps\n\n- A trap.\n\n## Exam tips\n\n- A tip.\n"
    )
    write_lesson(tmp_path, slug="lesson-1", body=body)
    import_lessons(tmp_path)
    context = browser.new_context(viewport=PHONE)
    phone = context.new_page()

    phone.goto(f"{live_server.url}/lessons/lesson-1/")

    code = phone.locator("main pre").first
    expect(code).to_have_attribute("tabindex", "0")
    expect(code).to_have_attribute("aria-label", "Code (scrolls sideways) 1")
    phone.keyboard.press("Tab")
    for _ in range(40):
        if phone.evaluate("document.activeElement.tagName") == "PRE":
            break
        phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.tagName") == "PRE"
    context.close()


def test_checking_a_wrong_answer_marks_the_palette_with_a_cross_at_once(live_server, browser):
    student = make_user("checker")
    for n in range(3):
        make_question(f"alpha-{n:02d}", "alpha", correct=(0,))
    drill = attempts.start_drill(student, "alpha", timezone.now())
    shown = drill.items.get(position=1).options  # in the order this drill shows them (shuffled)
    wrong = next(index for index, option in enumerate(shown) if not option["correct"])
    page = logged_in_page(browser, live_server, student)

    page.goto(f"{live_server.url}/practice/attempts/{drill.uuid}/q/1/")
    page.locator("label.option").nth(wrong).click()
    page.get_by_role("button", name="Check answer").click()

    expect(page.get_by_text("Not quite.")).to_be_visible()
    cell = page.locator("#cell-answered-1")
    expect(cell).to_have_class("mark wrong")
    expect(cell).to_contain_text("✗")
    expect(cell.locator(".visually-hidden")).to_have_text(", wrong")


def test_a_select_two_question_refuses_one_choice_in_the_browser(live_server, browser):
    student = make_user("picker")
    make_question("alpha-00", "alpha", correct=(0, 2), options=5)
    drill = attempts.start_drill(student, "alpha", timezone.now())
    page = logged_in_page(browser, live_server, student)

    page.goto(f"{live_server.url}/practice/attempts/{drill.uuid}/q/1/")
    page.locator("label.option").nth(0).click()
    page.get_by_role("button", name="Check answer").click()

    expect(page.get_by_role("alert")).to_contain_text("select TWO answers; you chose 1")
    expect(page.locator("#option-0")).to_be_checked()
    expect(page.get_by_text("Not quite.")).to_have_count(0)


def test_the_browser_reports_its_time_zone(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()

    page.goto(f"{live_server.url}/")

    page.wait_for_function("document.cookie.includes('tz=')")
    cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
    assert cookies["tz"] == "Asia%2FTokyo"
    context.close()
