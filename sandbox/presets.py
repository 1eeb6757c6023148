"""Sandbox presets: the scenario files under sandbox/scenarios/, one per lesson."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    source: str
    functions: tuple[str, ...]

    @property
    def source_html(self) -> str:
        return highlight(self.source, YamlLexer(), HtmlFormatter(cssclass="highlight"))


def read_preset(path: Path) -> Preset:
    source = path.read_text(encoding="utf-8")
    data = yaml.safe_load(source) or {}
    return Preset(
        name=path.stem,
        title=str(data.get("name") or path.stem).replace("-", " "),
        description=str(data.get("description") or "").strip(),
        source=source,
        functions=tuple((data.get("functions") or {}).keys()),
    )


@lru_cache(maxsize=1)
def all_presets() -> tuple[Preset, ...]:
    return tuple(read_preset(path) for path in sorted(SCENARIO_DIR.glob("*.yaml")))


def find_preset(name: str) -> Preset | None:
    if not NAME_RE.match(name):
        return None
    return next((preset for preset in all_presets() if preset.name == name), None)
