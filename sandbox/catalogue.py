"""The sandbox's catalogue: the lesson presets and the graded challenges, read from YAML files.

Presets are the scenario files in ``sandbox/presets/``, one per lesson (the folder can be moved with
the ``SANDBOX_PRESET_DIR`` setting). A preset is a scenario (scenarios.md): ``Preset.world`` is what a
workspace keeps (``continuation.WORLD_FIELDS``); ``Preset.steps`` are the events it fires, which the
workspace page offers to run.

Challenges are ``sandbox/challenges/<slug>.yaml``, each a scenario plus ``checks``: the starting world
and the steps, a ``title``, a ``goal`` (what to achieve, shown to the student), a ``description``,
optional ``hints`` and ``lesson`` (the lesson slug it belongs to), the ``checks`` of ``sandbox.grading``
and a ``solution``: a patch to the world (mappings merge, anything else replaces) that the tests apply
to prove the challenge can be solved. The solution is for authors and tests only; pages never show it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import reverse
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from sandbox import demos
from sandbox.emulator.continuation import split_scenario

PRESET_DIR = Path(__file__).resolve().parent / "presets"
CHALLENGE_DIR = Path(__file__).resolve().parent / "challenges"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# --- presets ------------------------------------------------------------------------------------------------------


DEMO_PREFIX = "demo-"  # a question's demo opens as the preset demo-<demo name>


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    source: str
    functions: tuple[str, ...]
    data: dict = field(default_factory=dict, compare=False, repr=False)
    watch: str = ""  # for a question's demo: what to watch in the run

    def get_absolute_url(self) -> str:
        return reverse("sandbox:preset-detail", args=[self.name])

    @property
    def source_html(self) -> str:
        return highlight(self.source, YamlLexer(), HtmlFormatter(cssclass="highlight"))

    @property
    def world(self) -> dict:
        """A fresh copy of the scenario's world (no steps): what a workspace starts from."""
        return split_scenario(self.data)[0]

    @property
    def steps(self) -> list:
        return copy.deepcopy(list(self.data.get("steps") or []))


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


def preset_dir() -> Path:
    return Path(getattr(settings, "SANDBOX_PRESET_DIR", PRESET_DIR))


@lru_cache(maxsize=4)
def _presets_in(directory: str) -> tuple[Preset, ...]:
    return tuple(read_preset(path) for path in sorted(Path(directory).glob("*.yaml")))


def all_presets() -> tuple[Preset, ...]:
    return _presets_in(str(preset_dir()))


def find_preset(name: str) -> Preset | None:
    """A lesson preset by name, or a question's demo as a preset named ``demo-<demo name>``."""
    if not SLUG_RE.match(name or ""):
        return None
    found = next((preset for preset in all_presets() if preset.name == name), None)
    if found is None and name.startswith(DEMO_PREFIX):
        demo = demos.find_demo(name.removeprefix(DEMO_PREFIX))
        found = preset_of_demo(demo) if demo else None
    return found


def preset_of_demo(demo: demos.Demo) -> Preset:
    """A question's demo as a preset, so that "Try it" opens it in a workspace like any preset. Its data and
    source are the scenario alone: ``watch`` is kept apart and ``expect`` left out."""
    scenario = demos.scenario_of(demo)
    return Preset(
        name=DEMO_PREFIX + demo.name,
        title=demo.title,
        description=demo.description,
        source=demos.without_extra_keys(demo.source),
        functions=tuple((scenario.get("functions") or {}).keys()),
        data=scenario,
        watch=demo.watch,
    )


# --- challenges ---------------------------------------------------------------------------------------------------

NOT_SCENARIO = ("title", "goal", "description", "hints", "lesson", "checks", "solution", "order")


@dataclass(frozen=True)
class Challenge:
    slug: str
    title: str
    goal: str
    description: str
    hints: tuple[str, ...]
    lesson: str
    order: int
    scenario: dict  # the starting world plus the steps, without the challenge fields
    checks: tuple[dict, ...]
    solution: dict

    def get_absolute_url(self) -> str:
        return reverse("sandbox:challenge-detail", args=[self.slug])

    @property
    def world(self) -> dict:
        return split_scenario(self.scenario)[0]

    @property
    def steps(self) -> list:
        return copy.deepcopy(list(self.scenario.get("steps") or []))


def read_challenge(path: Path) -> Challenge:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Challenge(
        slug=path.stem,
        title=str(data.get("title") or path.stem.replace("-", " ")),
        goal=str(data.get("goal") or "").strip(),
        description=str(data.get("description") or "").strip(),
        hints=tuple(str(hint).strip() for hint in data.get("hints") or ()),
        lesson=str(data.get("lesson") or ""),
        order=int(data.get("order") or 0),
        scenario={key: value for key, value in data.items() if key not in NOT_SCENARIO},
        checks=tuple(data.get("checks") or ()),
        solution=dict(data.get("solution") or {}),
    )


@lru_cache(maxsize=1)
def all_challenges() -> tuple[Challenge, ...]:
    found = [read_challenge(path) for path in CHALLENGE_DIR.glob("*.yaml")]
    return tuple(sorted(found, key=lambda challenge: (challenge.order, challenge.slug)))


def find_challenge(slug: str) -> Challenge | None:
    if not SLUG_RE.match(slug or ""):
        return None
    return next((challenge for challenge in all_challenges() if challenge.slug == slug), None)


def patched(world: dict, patch: dict) -> dict:
    """``world`` with ``patch`` merged in: mappings merge key by key, anything else replaces."""
    merged = copy.deepcopy(world)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = patched(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
