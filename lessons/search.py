"""Lesson search: whole words with stemming, headings ranked above body text, matching words highlighted.

The database does the matching and ranking: PostgreSQL full-text search (english configuration) on
PostgreSQL, an FTS5 table with the Porter stemmer on SQLite. Both look in LessonSection rows, one per heading
of a published lesson, which ``reindex()`` rebuilds from the lessons after every import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons.models import Lesson, LessonSection

SNIPPET_CHARS = 220
MAX_TERMS = 8
FTS_TABLE = "lessons_section_fts"
# Ranking weights: a word in a heading counts ten times a word in the body, the lesson title in between.
HEADING_WEIGHT, TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 3.0, 1.0
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s", "y", "e")


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    anchor: str
    heading: str
    snippet: SafeString


def terms_of(query: str) -> list[str]:
    """The words of a query, lower case: letters and digits only, so no query syntax reaches the database."""
    return [term for term in re.findall(r"\w+", query.lower()) if len(term) > 1 or term.isdigit()][:MAX_TERMS]


def stem(word: str) -> str:
    """A rough stem for highlighting only (the database does the real stemming): 'invocations' -> 'invoc'."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def word_pattern(terms: list[str]) -> re.Pattern:
    """Whole words starting with a term's stem: 'NAT' finds 'NAT' and 'NATs', never 'destination'."""
    stems = sorted({stem(term) for term in terms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)


def snippet(text: str, terms: list[str]) -> SafeString:
    pattern = word_pattern(terms)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    if start:  # begin at a word boundary
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    window = text[start : start + SNIPPET_CHARS]
    pieces, last = [], 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)


def uses_fts5() -> bool:
    return connection.vendor == "sqlite"


@transaction.atomic
def reindex() -> int:
    """Rebuild the search rows from the published lessons; returns how many sections are searchable."""
    LessonSection.objects.all().delete()
    rows = []
    for lesson in Lesson.objects.filter(published=True).only("pk", "sections"):
        for position, section in enumerate(lesson.sections):
            rows.append(
                LessonSection(
                    lesson=lesson,
                    position=position,
                    anchor=section["anchor"],
                    heading=section["heading"],
                    text=section["text"],
                )
            )
    LessonSection.objects.bulk_create(rows)
    if uses_fts5():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, heading, text) "
                "SELECT s.id, l.title, s.heading, s.text FROM lessons_lessonsection s "
                "JOIN lessons_lesson l ON l.id = s.lesson_id"
            )
    return len(rows)


def ranked_ids_fts5(terms: list[str], limit: int) -> list[int]:
    match = " ".join('"' + term.replace('"', "") + '"' for term in terms)  # every word, each as a phrase
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY bm25({FTS_TABLE}, %s, %s, %s) LIMIT %s",
            [match, TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def ranked_ids_postgres(terms: list[str], limit: int) -> list[int]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("heading", weight="A", config="english")
        + SearchVector("lesson__title", weight="B", config="english")
        + SearchVector("text", weight="D", config="english")
    )
    query = SearchQuery(" ".join(terms), search_type="plain", config="english")
    rows = (
        LessonSection.objects.annotate(document=vector, rank=SearchRank(vector, query, weights=[0.1, 0.1, 0.3, 1.0]))
        .filter(document=query)
        .order_by("-rank", "lesson__order", "position")
        .values_list("pk", flat=True)
    )
    return list(rows[:limit])


def search(query: str, limit: int = 30) -> list[Hit]:
    """The passages that contain every word of the query (stemmed), best first."""
    terms = terms_of(query)
    if not terms:
        return []
    ids = ranked_ids_fts5(terms, limit) if uses_fts5() else ranked_ids_postgres(terms, limit)
    sections = LessonSection.objects.select_related("lesson").in_bulk(ids)
    return [
        Hit(
            section.lesson.slug,
            section.lesson.title,
            section.anchor,
            section.heading,
            snippet(section.text, terms),
        )
        for section in (sections[pk] for pk in ids if pk in sections)
    ]
