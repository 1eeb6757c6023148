"""The Content-Security-Policy in a real browser: key pages, htmx swaps and the editor raise no violation.

Violations are read three ways: the page's ``securitypolicyviolation`` events, its console, and the browser's own
log (Chrome reports a blocked inline style there, "Applying inline style violates ..."). The journey drags text
boxes' resize handles before htmx swaps them, as students do: the browser keeps the new size as a ``style``
attribute, which htmx must not copy onto the swapped-in element (``attributesToSettle`` in base.html).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from lessons.importing import import_lessons
from quizzes.tests.factories import make_question

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-1"
# Runs before any page script, whatever the policy says, and records every violation the page reports.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile);
});
"""


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    cdp = context.new_cdp_session(page)
    cdp.on("Log.entryAdded", lambda entry: console.append("LOG " + entry["entry"]["text"]))
    cdp.send("Log.enable")
    yield page, console
    context.close()


def violations(page, console: list[str]) -> list[str]:
    reported = page.evaluate("window.cspViolations")
    return reported + [line for line in console if "Content Security Policy" in line or "Refused to" in line]


def resize(page, textarea) -> None:
    """Drag a text box's resize handle, as a student does: the browser writes the new size as an inline style."""
    textarea.scroll_into_view_if_needed()
    box = textarea.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 80, steps=5)
    page.mouse.up()
    assert "height" in (textarea.get_attribute("style") or "")


def test_pages_htmx_and_the_editor_raise_no_csp_violation(live_server, watched, celery_worker):
    page, console = watched
    import_lessons()
    get_user_model().objects.create_user("csp", password=PASSWORD)
    for i in range(2):
        make_question(f"alpha-{i:02d}", "alpha", correct=(1,))
    base = live_server.url
    seen = []

    for path in ("/", "/lessons/", "/practice/", "/accounts/signup/", "/admin/login/"):
        response = page.goto(base + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        seen += violations(page, console)
    page.goto(f"{base}/accounts/login/?next=/practice/drill/alpha/")
    page.get_by_label("Username").fill("csp")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.get_by_role("button", name=re.compile("start", re.I)).first.click()
    page.locator("label.option").nth(1).click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator(".feedback, .explanation").first).to_be_visible()
    seen += violations(page, console)

    page.goto(f"{base}/lessons/error-handling/")
    page.get_by_role("link", name="Open the error-handling preset").click()
    page.get_by_role("button", name="Try it").click()
    page.get_by_role("link", name="charge", exact=True).click()
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("# typed under the policy\n")
    expect(editor).to_contain_text("typed under the policy")
    page.keyboard.type("def extra(x):\n    return [x for x in range(3)]\n")
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+f")
    expect(page.locator(".cm-search")).to_be_visible()  # the search panel: more of the editor's generated styles
    page.keyboard.press("Escape")
    resize(page, page.get_by_label("Environment variables"))
    page.get_by_role("button", name="Save function").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    seen += violations(page, console)

    page.get_by_role("link", name="Events").click()
    page.get_by_label("Event template").select_option(index=1)
    page.wait_for_load_state("networkidle")
    resize(page, page.locator("#id_payload"))
    page.get_by_role("button", name="Load template").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator("#run-area")).to_contain_text("Done", timeout=60_000)
    seen += violations(page, console)

    assert seen == []
