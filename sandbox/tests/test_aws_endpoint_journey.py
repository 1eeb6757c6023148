"""Browser journey (Chromium): the workspace page shows its AWS endpoint and copyable configuration; the boto3
snippet, copied with the keyboard, runs as it is with the real Python and boto3; the page fits a phone."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from sandbox import workspaces
from sandbox.catalogue import find_preset
from sandbox.tests.test_journeys import log_in, log_in_existing
from sandbox.tests.test_journeys_student import WIDEST

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_workspace_page_gives_the_endpoint_and_a_boto3_snippet_that_works(live_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    user = log_in(page, live_server.url, "/sandbox/")
    preset = find_preset("exam-review")
    workspace = workspaces.create_workspace(user, name="Exam review", world=preset.world, preset=preset.name)
    key_id, secret = workspace.access_keys()

    page.goto(f"{live_server.url}{workspace.get_absolute_url()}")
    section = page.locator("section.aws-endpoint")
    expect(section.get_by_role("heading", name="AWS CLI and boto3")).to_be_visible()
    assert section.get_attribute("data-endpoint-url") == f"{live_server.url}/sandbox/aws/{workspace.pk}/"
    assert page.locator("[data-access-key-id]").get_attribute("data-access-key-id") == key_id
    assert page.locator("[data-secret-access-key]").get_attribute("data-secret-access-key") == secret
    expect(section.locator("#endpoint-configure")).to_contain_text(f"aws configure set aws_access_key_id {key_id}")
    page.screenshot(path=f"{tmp_path}/endpoint-1280.png", full_page=True)

    section.get_by_text("boto3", exact=True).click()
    button = section.locator("button[data-copy=endpoint-python]")
    expect(section.get_by_role("button", name="Copy the Python")).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == section.locator("#endpoint-python").inner_text().strip()

    ran = subprocess.run([sys.executable, "-c", copied], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "['paused', 'worker']"
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    log_in_existing(small, live_server.url, workspace.get_absolute_url(), user.username)
    small.wait_for_load_state("load")
    expect(small.locator("section.aws-endpoint")).to_be_visible()
    width = small.evaluate("document.documentElement.scrollWidth")
    small.screenshot(path=f"{tmp_path}/endpoint-390.png", full_page=True)
    assert width <= 390, small.evaluate(WIDEST, 390)
    phone.close()
