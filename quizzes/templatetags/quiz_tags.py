from django import template

from quizzes.skills import domain_of, label_of
from quizzes.timer import clock_text

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
