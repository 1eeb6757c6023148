"""Lesson files: front matter, Markdown rendering and sanitising. Pure: no models here.

A lesson file is ``NN-slug.md``: YAML front matter between ``---`` lines, then Markdown.
``parse_lesson`` turns one file's text into a ``ParsedLesson`` or raises ``LessonError``
naming the line and what is wrong.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import markdown
import nh3
import yaml

from lessons.facts import Fact, FactError, substitute

MIN_WORDS = 700
WORDS_PER_MINUTE = 200
REQUIRED_FIELDS = ("title", "slug", "order", "group", "topic", "skills", "summary", "preset")
REQUIRED_SECTIONS = ("Exam traps", "Exam tips")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKILL_RE = re.compile(r"^\d\.\d\.\d{1,2}$")
FILE_RE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
EXTENSIONS = [
    "tables",
    "toc",
    "attr_list",
    "def_list",
    "admonition",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.details",
]
EXTENSION_CONFIGS = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
    "pymdownx.highlight": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
}


class LessonError(ValueError):
    """A lesson file that cannot be imported, with the line at fault (1-based, or None)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class ParsedLesson:
    slug: str
    title: str
    order: int
    group: str
    topic: str
    skills: tuple[str, ...]
    summary: str
    preset: str
    source: str
    html: str
    toc: tuple[tuple[int, str, str], ...]  # (level, anchor, heading)
    sections: tuple[Section, ...]
    word_count: int

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def split_front_matter(text: str) -> tuple[dict, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise LessonError("the file must start with a '---' line opening the front matter", 1)
    index = next((number for number, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if index is None:
        raise LessonError("the front matter is never closed with a '---' line", 1)
    try:
        meta = yaml.safe_load("\n".join(lines[1:index])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise LessonError(f"the front matter is not valid YAML ({getattr(exc, 'problem', exc)})", line) from None
    if not isinstance(meta, dict):
        raise LessonError("the front matter must be a mapping of field: value", 2)
    return meta, "\n".join(lines[index + 1 :]), index + 2


def field_line(text: str, name: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{name}:"):
            return number
    return None


def check_meta(meta: dict, text: str, file_name: str) -> None:
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", []):
            raise LessonError(f"front matter field '{name}' is missing or empty", field_line(text, name) or 2)
    for name in ("title", "slug", "group", "topic", "summary", "preset"):
        if not isinstance(meta[name], str):
            raise LessonError(f"front matter field '{name}' must be text", field_line(text, name))
    if not SLUG_RE.match(meta["slug"]):
        raise LessonError("'slug' may hold only lowercase letters, digits and single hyphens", field_line(text, "slug"))
    if not isinstance(meta["order"], int) or isinstance(meta["order"], bool) or meta["order"] < 1:
        raise LessonError("'order' must be a whole number of 1 or more", field_line(text, "order"))
    skills = meta["skills"]
    if not isinstance(skills, list) or not all(isinstance(s, str) and SKILL_RE.match(s) for s in skills):
        raise LessonError("'skills' must be a list of exam skill ids such as \"1.2.3\"", field_line(text, "skills"))
    match = FILE_RE.match(file_name)
    if not match:
        raise LessonError("the file name must look like NN-slug.md, for example 04-invocation-models.md")
    if match.group(2) != meta["slug"] or int(match.group(1)) != meta["order"]:
        raise LessonError(
            f"the file name says order {int(match.group(1))} and slug '{match.group(2)}', "
            f"the front matter says order {meta['order']} and slug '{meta['slug']}'",
            field_line(text, "slug"),
        )


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def sections_of(rendered: str) -> tuple[Section, ...]:
    """Split rendered HTML at h2/h3 headings into (anchor, heading, plain text) passages."""
    parts = re.split(r'(<h[23] id="[^"]+">.*?</h[23]>)', rendered, flags=re.S)
    sections = [Section("", "Introduction", plain_text(parts[0]))]
    for heading_html, body in zip(parts[1::2], parts[2::2], strict=False):
        anchor = re.search(r'id="([^"]+)"', heading_html).group(1)
        heading = plain_text(re.sub(r'<a class="headerlink".*?</a>', "", heading_html, flags=re.S))
        sections.append(Section(anchor, heading, plain_text(body)))
    return tuple(s for s in sections if s.text or s.anchor)


def flatten_toc(tokens: list[dict]) -> list[tuple[int, str, str]]:
    flat = []
    for token in tokens:
        flat.append((token["level"], token["id"], html.unescape(token["name"])))
        flat.extend(flatten_toc(token.get("children", [])))
    return flat


def render(body: str) -> tuple[str, list[tuple[int, str, str]]]:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    raw = md.convert(body)
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Wide tables scroll inside their own box on a phone instead of widening the page.
    clean = clean.replace("<table>", '<div class="table-scroll"><table>').replace("</table>", "</table></div>")
    return clean, flatten_toc(md.toc_tokens)


def count_words(body: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.,%-]*", body))


def without_code(body: str) -> str:
    """The body with the lines inside ``` or ~~~ fences blanked (line numbers kept)."""
    lines, fence = body.split("\n"), None
    for index, line in enumerate(lines):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)[0]
            lines[index] = ""
        elif fence is not None:
            if marker and marker.group(1)[0] == fence:
                fence = None
            lines[index] = ""
    return "\n".join(lines)


def parse_lesson(text: str, file_name: str, facts: dict[str, Fact] | None = None) -> ParsedLesson:
    """Parse one lesson file; ``{fact:id}`` placeholders take their value from ``facts``."""
    meta, body, body_line = split_front_matter(text)
    check_meta(meta, text, file_name)
    try:
        body = substitute(body, facts or {}, body_line)
    except FactError as exc:
        raise LessonError(exc.message, exc.line) from None
    prose = without_code(body)
    level_one = re.search(r"^# ", prose, flags=re.M)
    if level_one:
        line = body_line + prose[: level_one.start()].count("\n")
        raise LessonError("do not use a level-1 '# ' heading: the page shows the title", line)
    headings = re.findall(r"^## +(.+?)\s*$", prose, flags=re.M)
    for name in REQUIRED_SECTIONS:
        if name not in headings:
            raise LessonError(f"the lesson needs a '## {name}' section", body_line)
    words = count_words(body)
    if words < MIN_WORDS:
        raise LessonError(f"the lesson has {words} words; at least {MIN_WORDS} are required", body_line)
    rendered, toc = render(body)
    return ParsedLesson(
        slug=meta["slug"],
        title=meta["title"].strip(),
        order=meta["order"],
        group=meta["group"].strip(),
        topic=meta["topic"].strip(),
        skills=tuple(meta["skills"]),
        summary=meta["summary"].strip(),
        preset=meta["preset"].strip(),
        source=text,
        html=rendered,
        toc=tuple(toc),
        sections=sections_of(rendered),
        word_count=words,
    )
