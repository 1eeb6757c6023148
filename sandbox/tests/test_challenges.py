"""The challenge files: well formed, unsolved at the start, solved by their solution."""

from __future__ import annotations

import pytest

from sandbox import executors
from sandbox.catalogue import all_challenges, find_challenge, patched
from sandbox.emulator import continuation, versions
from sandbox.grading import grade, problems

CHALLENGES = all_challenges()
SLUGS = [challenge.slug for challenge in CHALLENGES]


@pytest.fixture(scope="module")
def executor():
    scoped = executors.ScopedExecutor(executors.process_executor(), "challenge-tests-")
    yield scoped
    executors.reset_executor()


def test_there_are_at_least_eight_challenges():
    assert len(CHALLENGES) >= 8


def test_find_challenge_refuses_paths_and_unknown_slugs():
    assert find_challenge("../tasks") is None
    assert find_challenge("no-such-challenge") is None
    assert find_challenge(SLUGS[0]).slug == SLUGS[0]


@pytest.mark.parametrize("slug", SLUGS)
def test_challenge_is_well_formed(slug):
    challenge = find_challenge(slug)

    assert challenge.title and challenge.goal and challenge.description
    assert challenge.checks and challenge.solution and challenge.steps
    assert [problem for spec in challenge.checks for problem in problems(spec)] == []
    assert continuation.world_problems(challenge.world, challenge.steps) == []
    assert continuation.world_problems(patched(challenge.world, challenge.solution), challenge.steps) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_challenge_fails_as_given_and_passes_with_its_solution(slug, executor):
    challenge = find_challenge(slug)
    given_world = versions.freeze_world(challenge.world)  # as a workspace holds it: published versions frozen
    solved_world = versions.freeze_world(patched(given_world, challenge.solution), given_world)

    as_given = continuation.advance(given_world, None, "challenge", challenge.steps, executor)
    solved = continuation.advance(solved_world, None, "challenge", challenge.steps, executor)

    assert not all(check.passed for check in grade(challenge, as_given.trace, world=challenge.world))
    assert [check.detail for check in grade(challenge, solved.trace, world=solved_world) if not check.passed] == []


HIDING_DESK = """
def lambda_handler(event, context):
    if event["detail"]["total"] <= 100:
        raise RuntimeError("skipped")  # prints nothing, so no log line shows the small order
    print("VIP order", event["detail"]["id"])
    return {"notified": event["detail"]["id"], "small_orders_seen": 0}
"""


def test_a_handler_that_hides_what_it_received_does_not_pass(executor):
    challenge = find_challenge("only-big-orders")
    world = patched(challenge.world, {"functions": {"vip-desk": {"code": HIDING_DESK}}})

    result = continuation.advance(world, None, "challenge", challenge.steps, executor)

    failed = [check.name for check in grade(challenge, result.trace, world=world) if not check.passed]
    assert failed == ["The bus never sent a small order to vip-desk"]


def test_patched_merges_mappings_and_replaces_the_rest():
    world = {"functions": {"fn": {"code": "a", "memory_mb": 128}}, "queues": {"q": {}}, "steps": [1]}

    result = patched(world, {"functions": {"fn": {"memory_mb": 256}}, "steps": [2]})

    assert result == {"functions": {"fn": {"code": "a", "memory_mb": 256}}, "queues": {"q": {}}, "steps": [2]}
    assert world["functions"]["fn"]["memory_mb"] == 128
