"""Every colour of the code highlighting reads at 4.5:1 or more on the code backgrounds, light and dark (WCAG AA)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CODE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "code.css"
# The backgrounds code text can sit on: the highlight block, the pre (--surface) and the page (--bg).
LIGHT_BACKGROUNDS = ("#f0f0f0", "#f5f7fa", "#ffffff")
DARK_BACKGROUNDS = ("#272822", "#1b2027", "#111418")
RULE = re.compile(r"^\s*([^{\n]+)\{([^}\n]*)\}", re.MULTILINE)


def channels(hex_colour: str) -> tuple[float, ...]:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(hex_colour: str) -> float:
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels(hex_colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour_rules(css: str, backgrounds: tuple[str, ...]):
    for selector, body in RULE.findall(css):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", body)
        if not colour:
            continue
        own = re.search(r"background-color:\s*(#[0-9a-fA-F]{3,6})", body)
        yield selector.strip(), colour.group(1), (own.group(1),) if own else backgrounds


def low_contrast(css: str, backgrounds: tuple[str, ...]) -> list[str]:
    return [
        f"{selector} {colour} on {background}: {contrast(colour, background):.2f}:1"
        for selector, colour, on in colour_rules(css, backgrounds)
        for background in on
        if contrast(colour, background) < 4.5
    ]


def test_contrast_matches_the_wcag_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#60A0B0", "#f5f7fa") < 3  # the old comment colour fails


def test_low_contrast_finds_a_faint_colour():
    assert low_contrast(".highlight .c { color: #60A0B0 }", LIGHT_BACKGROUNDS)


def test_light_code_colours_have_enough_contrast():
    css = CODE_CSS.read_text().split("@media (prefers-color-scheme: dark)")[0]

    assert low_contrast(css, LIGHT_BACKGROUNDS) == []


def test_dark_code_colours_have_enough_contrast():
    css = CODE_CSS.read_text().split("@media (prefers-color-scheme: dark)")[1]

    assert low_contrast(css, DARK_BACKGROUNDS) == []
