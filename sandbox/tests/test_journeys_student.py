"""Browser journeys (Chromium) for what a student meets in the sandbox: edits that are never lost without a
word, and every sandbox page at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox import workspaces
from sandbox.catalogue import find_preset
from sandbox.models import ChallengeAttempt, Run
from sandbox.tests.test_journeys import NO_NAT_WORLD, log_in
from sandbox.tests.test_views import TRACE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NEW_CODE = 'def lambda_handler(event, context):\n    return {"answer": "from the new code"}\n'


@pytest.mark.celery
def test_unsaved_editor_changes_are_saved_before_invoking_from_the_events_tab(live_server, page, celery_worker):
    user = log_in(page, live_server.url, "/sandbox/")
    preset = find_preset("error-handling")
    workspace = workspaces.create_workspace(user, name="Orders", world=preset.world, preset=preset.name)
    page.goto(f"{live_server.url}/sandbox/workspaces/{workspace.pk}/functions/charge/")
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()
    note = page.get_by_text("Unsaved changes")
    expect(note).to_be_hidden()

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(NEW_CODE)
    expect(note).to_be_visible()
    page.locator("nav").get_by_role("link", name="Events").click()
    page.wait_for_url("**/events/")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Invoke").click()

    expect(page.locator("#run-area")).to_contain_text("from the new code", timeout=60_000)
    assert "from the new code" in type(workspace).objects.get(pk=workspace.pk).functions["charge"]["code"]


CONNECTION = {
    "function": "fetcher",
    "host": "api.partner.example",
    "port": 443,
    "outcome": "timeout",
    "reason": "private-a routes 0.0.0.0/0 nowhere: a function in a VPC reaches the internet through a NAT gateway",
}
# What sticks out past the viewport (elements, or text overflowing its element), to name it when the check fails.
WIDEST = """(width) => {
  const name = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + (typeof element.className === "string" && element.className ? "." + element.className.split(" ").join(".") : "");
  const scrolls = (element) => element.closest(".scroll-x, .table-wrap, .cm-scroller, pre");
  const found = Array.from(document.querySelectorAll("body *"))
    .filter((element) => element.getBoundingClientRect().right > width + 1 && !scrolls(element))
    .map((element) => name(element) + " right=" + Math.round(element.getBoundingClientRect().right));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > width + 1 && !scrolls(node.parentElement)) {
      found.push("text in " + name(node.parentElement) + ": " + node.textContent.trim().slice(0, 40));
    }
  }
  return found.slice(0, 6);
}"""


def test_every_sandbox_page_fits_a_phone_without_sideways_scrolling(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    user = log_in(phone, live_server.url, "/sandbox/", username="phone-walker")
    preset = find_preset("error-handling")
    workspace = workspaces.create_workspace(user, name="Orders on the bus", world=preset.world, preset=preset.name)
    workspaces.reset_workspace(workspace, preset.world)  # leaves a version to restore and a reset run
    vpc = workspaces.create_workspace(user, name="Partner calls from a phone", world=NO_NAT_WORLD)
    run = Run.objects.create(
        workspace=vpc, kind="invoke", steps=[], status=Run.DONE, trace={**TRACE, "connections": [CONNECTION]}
    )
    graded = Run.objects.create(workspace=workspace, kind="challenge", steps=[], status=Run.DONE, trace=TRACE)
    ChallengeAttempt.objects.create(user=user, challenge="failed-orders-to-dlq", run=graded, passed=False)
    pages = [
        "/sandbox/",
        "/sandbox/presets/error-handling/",
        "/sandbox/challenges/",
        "/sandbox/challenges/failed-orders-to-dlq/",
        f"/sandbox/workspaces/{workspace.pk}/",
        f"/sandbox/workspaces/{workspace.pk}/reset/",
        f"/sandbox/workspaces/{workspace.pk}/functions/charge/",
        f"/sandbox/workspaces/{workspace.pk}/functions/new/",
        f"/sandbox/workspaces/{workspace.pk}/events/",
        f"/sandbox/workspaces/{workspace.pk}/resources/",
        f"/sandbox/workspaces/{workspace.pk}/world/",
        f"/sandbox/workspaces/{vpc.pk}/network/",
        f"/sandbox/runs/{run.pk}/",
        f"/sandbox/runs/{graded.pk}/",
    ]

    too_wide = {}
    for path in pages:
        phone.goto(live_server.url + path)
        phone.wait_for_load_state("load")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = (width, phone.evaluate(WIDEST, 390))
    context.close()

    assert too_wide == {}, f"pages that scroll sideways at 390 px: {too_wide}"


def test_a_yaml_mistake_is_shown_above_the_text_box_which_has_the_focus(live_server, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    user = log_in(page, live_server.url, "/sandbox/")
    preset = find_preset("function-urls-and-streaming")
    workspace = workspaces.create_workspace(user, name="Shop URLs", world=preset.world, preset=preset.name)
    before = workspace.world
    page.goto(f"{live_server.url}/sandbox/workspaces/{workspace.pk}/world/")
    text = page.get_by_label("YAML")
    text.fill(text.input_value() + "queues: {jobs: [\n")

    page.get_by_role("button", name="Save the workspace").focus()
    page.keyboard.press("Enter")

    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Nothing was saved")
    expect(problem).to_contain_text("invalid YAML")
    expect(text).to_be_focused()
    expect(text).to_have_attribute("aria-invalid", "true")
    assert problem.evaluate("(box) => box.getBoundingClientRect().bottom <= window.innerHeight"), (
        "the problem is off screen"
    )
    assert type(workspace).objects.get(pk=workspace.pk).world == before
    phone.close()
