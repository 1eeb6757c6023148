"""Every key page in Chromium: no serious accessibility violation (axe-core) and no sideways scroll on a phone."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from lessons.importing import import_lessons
from quizzes import attempts
from quizzes.importing import import_questions
from quizzes.models import Attempt
from quizzes.tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "support" / "axe" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = ("critical", "serious")


AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;true"


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious findings on the page as it stands, one line each."""
    # Evaluated over the DevTools protocol, so the page's Content-Security-Policy stays on while axe runs.
    page.evaluate(AXE_SOURCE)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.scrollWidth > window.innerWidth + 1)
  .slice(-3).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def logged_in_context(browser, live_server, user, viewport, scheme="light"):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


@pytest.fixture
def student_pages(live_server):
    """A student with a checked drill answer, an open timed test, a submitted test and a review queue."""
    import_lessons()
    import_questions()
    student = make_user("walker")
    now = timezone.now()
    rng = random.Random(7)
    drill = attempts.start_drill(student, "vpc-access", now, rng)
    first = drill.items.get(position=1)
    wrong = [i for i, option in enumerate(first.options) if not option["correct"]][: first.select_count]
    attempts.check_item(drill, 1, wrong, now)
    done, _ = attempts.start_test(student, Attempt.QUICK, now, rng)
    for item in done.items.all()[:10]:
        attempts.save_answer(student, done.uuid, item.position, [0], now)
    attempts.finalize(done.pk, "student", now)
    timed, _ = attempts.start_test(student, Attempt.FULL, now, rng)
    return student, [
        "/",
        "/lessons/",
        "/lessons/vpc-access/",
        "/lessons/invocation-models/",
        "/lessons/exam-review/",
        "/lessons/search/?q=NAT+gateway",
        "/lessons/progress/",
        "/practice/",
        f"/practice/attempts/{drill.uuid}/q/1/",
        f"/practice/attempts/{timed.uuid}/q/1/",
        f"/practice/attempts/{timed.uuid}/review/",
        f"/practice/attempts/{done.uuid}/results/",
        f"/practice/attempts/{done.uuid}/results/?show=wrong",
        "/practice/review/",
        "/practice/history/",
    ]


def walk(browser, live_server, user, paths, viewport, check, scheme="light") -> list[str]:
    context = logged_in_context(browser, live_server, user, viewport, scheme)
    page = context.new_page()
    problems = []
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_be_visible()
        problems += [f"{path}: {problem}" for problem in check(page)]
        if os.environ.get("SCREENSHOT_DIR"):  # to look at the pages: SCREENSHOT_DIR=/tmp/shots pytest -m e2e ...
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            height = page.evaluate("document.scrollingElement.scrollHeight")
            top = max(0, min(int(os.environ.get("SCREENSHOT_TOP", "0")), height - 1800))
            clip = {"x": 0, "y": top, "width": viewport["width"], "height": min(1800, height)}
            page.screenshot(
                path=f"{os.environ['SCREENSHOT_DIR']}/{viewport['width']}-{name}.png", full_page=True, clip=clip
            )
    context.close()
    return problems


def test_key_pages_have_no_serious_accessibility_violations(browser, live_server, student_pages):
    student, paths = student_pages

    problems = walk(browser, live_server, student, paths, DESKTOP, serious_violations)

    assert problems == [], json.dumps(problems, indent=1)


def test_key_pages_fit_a_phone_without_sideways_scrolling(browser, live_server, student_pages):
    student, paths = student_pages

    def overflow(page):
        extra = sideways_overflow(page)
        return [f"the page scrolls {extra}px sideways at 390px: {page.evaluate(WIDEST)}"] if extra > 0 else []

    problems = walk(browser, live_server, student, paths, PHONE, overflow)

    assert problems == [], json.dumps(problems, indent=1)


def test_key_pages_on_a_phone_have_no_serious_accessibility_violations(browser, live_server, student_pages):
    student, paths = student_pages

    problems = walk(browser, live_server, student, paths, PHONE, serious_violations)

    assert problems == [], json.dumps(problems, indent=1)


@pytest.fixture
def sandbox_pages(live_server):
    """A student's workspace from the VPC preset with one finished run that has VPC verdicts."""
    from sandbox.catalogue import find_preset
    from sandbox.models import Workspace
    from sandbox.tests.test_views import TRACE, make_run

    student = make_user("builder")
    preset = find_preset("vpc-access")
    workspace = Workspace.objects.create(owner=student, name="VPC access", world=preset.world, preset="vpc-access")
    connections = [
        {"function": "orders", "host": "api.example.com", "port": 443, "outcome": "timeout", "reason": "No route."},
        {"function": "orders", "host": "db.internal", "port": 5432, "outcome": "connected", "reason": "Allowed."},
    ]
    run = make_run(workspace, trace={**TRACE, "connections": connections})
    base = f"/sandbox/workspaces/{workspace.pk}"
    return student, [
        "/sandbox/",
        "/sandbox/presets/vpc-access/",
        "/sandbox/challenges/vpc-internet-via-nat/",
        f"{base}/",
        f"{base}/events/",
        f"{base}/network/",
        f"{base}/functions/private-fn/",
        f"{base}/world/",
        f"/sandbox/runs/{run.pk}/",
    ]


def test_sandbox_pages_fit_a_phone_without_sideways_scrolling(browser, live_server, sandbox_pages):
    student, paths = sandbox_pages

    def overflow(page):
        extra = sideways_overflow(page)
        return [f"the page scrolls {extra}px sideways at 390px: {page.evaluate(WIDEST)}"] if extra > 0 else []

    problems = walk(browser, live_server, student, paths, PHONE, overflow)

    assert problems == [], json.dumps(problems, indent=1)


def test_sandbox_pages_have_no_serious_accessibility_violations(browser, live_server, sandbox_pages):
    student, paths = sandbox_pages

    problems = walk(browser, live_server, student, paths, DESKTOP, serious_violations)

    assert problems == [], json.dumps(problems, indent=1)


def test_key_pages_in_dark_mode_have_no_serious_accessibility_violations(browser, live_server, student_pages):
    student, paths = student_pages

    problems = walk(browser, live_server, student, paths, DESKTOP, serious_violations, scheme="dark")

    assert problems == [], json.dumps(problems, indent=1)


def test_sandbox_pages_in_dark_mode_have_no_serious_accessibility_violations(browser, live_server, sandbox_pages):
    student, paths = sandbox_pages

    problems = walk(browser, live_server, student, paths, DESKTOP, serious_violations, scheme="dark")

    assert problems == [], json.dumps(problems, indent=1)
