"""Browser journey (Chromium): the workspace page lists each function URL with a curl command a student can copy
and run as it is; the page fits a desktop and a phone. The commands run with the real curl, which signs the
AWS_IAM request with Signature Version 4 itself."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest
from playwright.sync_api import expect

from sandbox import workspaces
from sandbox.catalogue import find_preset
from sandbox.models import Run
from sandbox.tests.test_journeys import log_in, log_in_existing
from sandbox.tests.test_journeys_student import WIDEST

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def run_curl(command: str) -> tuple[int, str]:
    """Run a curl command as the page shows it; (status, body)."""
    argv = shlex.split(command) + ["--silent", "--show-error", "--max-time", "60"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=90)
    head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
    return int(head.split()[1]), body


def test_the_workspace_page_gives_each_url_a_curl_command_that_works(live_server, browser, celery_worker, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    user = log_in(page, live_server.url, "/sandbox/")
    preset = find_preset("function-urls-and-streaming")
    workspace = workspaces.create_workspace(user, name="Shop URLs", world=preset.world, preset=preset.name)

    page.goto(f"{live_server.url}{workspace.get_absolute_url()}")
    section = page.locator("section[aria-labelledby=urls-heading]")
    expect(section.get_by_role("heading", name="Function URLs")).to_be_visible()
    expect(section.locator("article.function-url")).to_have_count(4)
    reports = section.locator("article[data-auth-type=AWS_IAM]")
    expect(reports).to_contain_text("reports")
    page.screenshot(path=str(tmp_path / "function-urls-1280.png"), full_page=True)

    # The copy button works from the keyboard and copies the command exactly as shown.
    button = reports.locator("button[data-copy]")  # found by role and name first: the label changes once clicked
    expect(reports.get_by_role("button", name="Copy the curl command")).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == reports.locator("pre").inner_text().strip()
    assert "--aws-sigv4" in copied

    status, body = run_curl(copied)
    assert status == 200, body
    assert json.loads(body) == "report for arn:aws:iam::123456789012:user/developer"
    orders = section.locator("article[data-auth-type=NONE]", has_text="orders").locator("pre").inner_text()
    status, body = run_curl(orders.strip())
    assert status == 200 and json.loads(body)["caller"] == "anonymous", body
    unsigned = copied.split(" --aws-sigv4")[0] + " " + copied.rsplit(" ", 1)[1]
    assert run_curl(unsigned)[0] == 403
    assert Run.objects.filter(workspace=workspace, kind="url_request", status=Run.DONE).count() == 3
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    log_in_existing(small, live_server.url, workspace.get_absolute_url(), user.username)
    small.wait_for_load_state("load")
    expect(small.locator("article.function-url")).to_have_count(4)
    width = small.evaluate("document.documentElement.scrollWidth")
    small.screenshot(path=str(tmp_path / "function-urls-390.png"), full_page=True)
    assert width <= 390, small.evaluate(WIDEST, 390)

    # Each request to a URL is a run, listed and headed in words.
    recent = small.locator("#recent-runs")
    expect(recent.get_by_role("link", name="URL request")).to_have_count(3)
    expect(recent).not_to_contain_text("url_request", ignore_case=True)
    recent.get_by_role("link", name="URL request").first.click()
    expect(small.get_by_role("heading", name="Run: URL request")).to_be_visible()
    phone.close()
