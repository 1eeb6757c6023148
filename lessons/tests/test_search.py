"""Lesson search on the project's database (FTS5 on SQLite, full-text search on PostgreSQL)."""

import pytest

from lessons.importing import import_lessons
from lessons.search import search, snippet, terms_of
from lessons.tests.factories import FILLER, write_lesson

pytestmark = pytest.mark.django_db

NETWORK_BODY = (
    "Intro paragraph.\n\n"
    "## Event destinations\n\n"
    "An asynchronous invocation sends its result to a destination. Each destination is a queue, a topic, "
    "a function or an event bus; on-failure destinations keep the event when every retry failed. "
    "Choose the destination per outcome.\n\n"
    "## NAT gateways\n\n"
    "A function attached to private subnets reaches the internet through a NAT gateway in a public subnet.\n\n"
    "## Throttling\n\n"
    "When concurrency runs out, Lambda refuses the request.\n\n"
    "## Quotas\n\n"
    "Reserved concurrency caps a function, and a request above it sees throttling errors with status 429. "
    "Synchronous callers must retry them; asynchronous invocations are retried by Lambda for up to six hours.\n\n"
    f"## Background\n\n{FILLER}\n\n"
    "## Exam traps\n\n- A trap.\n\n## Exam tips\n\n- A tip.\n"
)


@pytest.fixture
def network_lessons(tmp_path):
    write_lesson(tmp_path, slug="networking", order=1, title="Networking and destinations", body=NETWORK_BODY)
    write_lesson(
        tmp_path,
        slug="other",
        order=2,
        title="Something else",
        body=f"Intro.\n\n## Layers\n\nZip files. {FILLER}\n\n## Exam traps\n\n- T.\n\n## Exam tips\n\n- T.\n",
    )
    import_lessons(tmp_path)


def headings(query):
    return [hit.heading for hit in search(query)]


def test_search_matches_whole_words_only(network_lessons):
    assert headings("NAT") == ["NAT gateways"]


def test_search_stems_words(network_lessons):
    assert "Event destinations" in headings("retries")
    assert "NAT gateways" in headings("gateway")


def test_search_ranks_a_heading_match_above_a_body_match(network_lessons):
    assert headings("throttling") == ["Throttling", "Quotas"]


def test_search_needs_every_word(network_lessons):
    assert headings("nat subnets") == ["NAT gateways"]
    assert headings("nat layers") == []


def test_search_treats_query_syntax_as_plain_words(network_lessons):
    assert headings('"NAT" OR (gateway* NEAR') == []
    assert headings("NAT -gateway") == ["NAT gateways"]


def test_search_forgets_lessons_that_are_no_longer_published(network_lessons, tmp_path):
    (tmp_path / "01-networking.md").unlink()

    import_lessons(tmp_path)

    assert headings("NAT") == []


def test_terms_of_keeps_only_words():
    assert terms_of('NAT "gateway" OR x-ray*') == ["nat", "gateway", "or", "ray"]


def test_snippet_marks_whole_words_and_their_stemmed_forms():
    html = snippet("A destination is not a NAT. Two NATs route traffic.", ["nat"])

    assert html == "A destination is not a <mark>NAT</mark>. Two <mark>NATs</mark> route traffic."
