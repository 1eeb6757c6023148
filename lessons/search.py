"""Search lesson passages and highlight the matching words. Pure: plain data in, escaped HTML out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 220


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    anchor: str
    heading: str
    snippet: SafeString
    score: int


def terms_of(query: str) -> list[str]:
    return [term for term in re.findall(r"[\w.%/-]+", query.lower()) if len(term) > 1][:8]


def snippet(text: str, terms: list[str]) -> SafeString:
    lower = text.lower()
    first = min((lower.find(term) for term in terms if term in lower), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    window = text[start : start + SNIPPET_CHARS]
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)


def search(lessons: list[dict], query: str, limit: int = 30) -> list[Hit]:
    """Each lesson is a dict with slug, title and sections (anchor, heading, text)."""
    terms = terms_of(query)
    if not terms:
        return []
    hits = []
    for lesson in lessons:
        for section in lesson["sections"]:
            haystack = f"{section['heading']} {section['text']}".lower()
            if all(term in haystack for term in terms):
                score = sum(haystack.count(term) for term in terms) + 5 * sum(
                    term in section["heading"].lower() for term in terms
                )
                hits.append(
                    Hit(
                        lesson["slug"],
                        lesson["title"],
                        section["anchor"],
                        section["heading"],
                        snippet(section["text"], terms),
                        score,
                    )
                )
    hits.sort(key=lambda hit: -hit.score)
    return hits[:limit]
