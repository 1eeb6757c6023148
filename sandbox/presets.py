"""Sandbox presets: the scenario files under sandbox/scenarios/, one per lesson.

A preset is a scenario (scenario-format.md). ``Preset.world`` is the part a workspace keeps (everything but
the steps and the run settings); ``Preset.steps`` are the events the preset fires, which the workspace page
offers to run. The folder can be moved with the ``SANDBOX_SCENARIO_DIR`` setting (tests use that).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NOT_WORLD = ("steps", "name", "description", "seed", "run_until_s", "checks", "goal", "title", "hints")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    source: str
    functions: tuple[str, ...]
    data: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def source_html(self) -> str:
        return highlight(self.source, YamlLexer(), HtmlFormatter(cssclass="highlight"))

    @property
    def world(self) -> dict:
        """A fresh copy of the scenario without its steps: what a workspace starts from."""
        return world_of(self.data)

    @property
    def steps(self) -> list:
        return copy.deepcopy(list(self.data.get("steps") or []))


def world_of(scenario: dict) -> dict:
    return {key: copy.deepcopy(value) for key, value in scenario.items() if key not in NOT_WORLD}


def read_preset(path: Path) -> Preset:
    source = path.read_text(encoding="utf-8")
    data = yaml.safe_load(source) or {}
    return Preset(
        name=path.stem,
        title=str(data.get("title") or str(data.get("name") or path.stem).replace("-", " ")),
        description=str(data.get("description") or "").strip(),
        source=source,
        functions=tuple((data.get("functions") or {}).keys()),
        data=data,
    )


def scenario_dir() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "SANDBOX_SCENARIO_DIR", SCENARIO_DIR))


@lru_cache(maxsize=4)
def _presets_in(directory: str) -> tuple[Preset, ...]:
    return tuple(read_preset(path) for path in sorted(Path(directory).glob("*.yaml")))


def all_presets() -> tuple[Preset, ...]:
    return _presets_in(str(scenario_dir()))


def find_preset(name: str) -> Preset | None:
    if not NAME_RE.match(name):
        return None
    return next((preset for preset in all_presets() if preset.name == name), None)
