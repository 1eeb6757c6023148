from urllib.parse import urlsplit

from django import template
from django.urls import reverse

from quizzes.skills import domain_of, label_of
from quizzes.timer import clock_text
from sandbox.demos import find_demo

register = template.Library()


@register.filter
def clock(seconds: int | None) -> str:
    return clock_text(int(seconds or 0))


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key, key)


@register.filter
def skill_label(skill: str) -> str:
    return label_of(skill)


@register.filter
def skill_domain(skill: str) -> str:
    return domain_of(skill)


@register.filter
def doc_page(url: str) -> str:
    """A documentation URL as a short label that wraps on a phone: 'docs.aws.amazon.com/lambda › invocation-async'."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments:
        return parts.netloc
    page = segments[-1].removesuffix(".html")
    if len(segments) == 1:
        return f"{parts.netloc} › {page}"
    return f"{parts.netloc}/{segments[0]} › {page}"


@register.filter
def demo_url(name: str | None) -> str:
    """The sandbox page that runs a question's demo, or "" when the question has none."""
    return reverse("sandbox:demo-try", args=[name]) if name else ""


@register.filter
def demo_watch(name: str | None) -> str:
    """The demo's one line of what to watch in its trace, or "" for an unknown demo."""
    demo = find_demo(name) if name else None
    return demo.watch if demo else ""
