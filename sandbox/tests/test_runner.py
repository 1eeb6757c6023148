"""The scenario runner: ``manage.py scenario run/validate`` and the example scenarios."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox import cli
from sandbox.emulator.loader import load
from sandbox.emulator.simulation import check, simulate
from sandbox.runtime.local import LocalExecutor

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "sandbox" / "presets"
LESSONS = (
    "execution-model",
    "configuration",
    "layers-packaging",
    "invocation-models",
    "error-handling",
    "event-driven-integrations",
    "streams-and-batches",
    "concurrency-and-scaling",
    "performance-and-cost",
    "vpc-access",
    "testing",
    "versions-and-aliases",
    "security",
    "observability",
    "configuration-data",
    "exam-review",
    "snapstart",
)
GOOD = """\
name: hello
functions:
  fn:
    code: |
      def lambda_handler(event, context):
          return {"hello": event.get("name")}
steps:
  - {at_s: 0, invoke: {function: fn, payload: {name: world}}}
"""


@pytest.fixture(scope="module")
def executor():
    made = LocalExecutor()
    yield made
    made.close()


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "scenario", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_manage_scenario_run_prints_the_trace_and_exits_0(tmp_path):
    path = write(tmp_path, GOOD)

    done = manage("run", str(path))

    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    assert trace["responses"][0]["payload"] == {"hello": "world"}
    assert set(trace) >= {
        "responses",
        "attempts",
        "queues",
        "topics",
        "buses",
        "deliveries",
        "connections",
        "dropped",
        "metrics",
    }


def test_manage_scenario_run_rejects_a_bad_memory_size_with_field_line_and_aws_wording(tmp_path):
    path = write(tmp_path, GOOD.replace("  fn:\n", "  fn:\n    memory_mb: 100\n"))

    done = manage("run", str(path))

    assert done.returncode == 2
    assert done.stdout == ""
    assert "functions.fn.memory_mb (line 4)" in done.stderr
    assert "Member must have value greater than or equal to 128" in done.stderr


def test_manage_scenario_validate_only_checks(tmp_path):
    path = write(tmp_path, GOOD)

    done = manage("validate", str(path))

    assert done.returncode == 0
    assert "valid" in done.stdout and "responses" not in done.stdout


def test_cli_reports_yaml_syntax_errors_with_their_line(tmp_path):
    path = write(tmp_path, "functions:\n  fn: {code: 'x'\n")
    out, err = io.StringIO(), io.StringIO()

    status = cli.main(["validate", str(path)], stdout=out, stderr=err)

    assert status == 2
    assert "line" in err.getvalue() and "invalid YAML" in err.getvalue()


def test_cli_run_seed_makes_request_ids_reproducible(tmp_path, executor):
    path = write(tmp_path, GOOD)

    def request_ids(seed: int) -> list[str]:
        out = io.StringIO()
        assert (
            cli.main(
                ["run", str(path), "--seed", str(seed)],
                executor_factory=lambda: _Unclosed(executor),
                stdout=out,
                stderr=io.StringIO(),
            )
            == 0
        )
        return [r["request_id"] for r in json.loads(out.getvalue())["responses"]]

    assert request_ids(3) == request_ids(3)
    assert request_ids(3) != request_ids(4)


class _Unclosed:
    """The module's executor, lent to cli.main without letting it close it."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def close(self) -> None:
        pass


def test_every_lesson_has_an_example_scenario():
    names = {path.stem for path in SCENARIOS.glob("*.yaml")}

    assert set(LESSONS) <= names


@pytest.mark.parametrize("name", LESSONS)
def test_example_scenario_is_valid_described_and_runs(name, executor):
    raw, lines = load(SCENARIOS / f"{name}.yaml")

    found = check(raw, lines)
    trace = simulate(raw, executor, lines=lines)

    assert found == []
    assert len(str(raw.get("description", "")).strip()) > 40
    assert trace["responses"] or trace["attempts"]


LAYERED_SNAPSTART = """\
layers:
  shared:
    versions:
      - files: {python/shared.py: "VALUE = 'one'\\n"}
functions:
  orders:
    layers: ["shared:1"]
    snap_start: {apply_on: PublishedVersions}
    code: |
      import shared
      def lambda_handler(event, context):
          return shared.VALUE
steps:
  - {at_s: 0, publish_version: {function: orders}}
  - {at_s: 1, invoke: {function: orders, qualifier: "1"}}
  - {at_s: 2, publish_layer_version: {layer: shared, files: {python/shared.py: "VALUE = 'two'\\n"}}}
"""


def test_manage_scenario_run_shows_layers_and_snapstart_in_the_trace(tmp_path):
    done = manage("run", str(write(tmp_path, LAYERED_SNAPSTART)))

    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    assert trace["responses"][0]["payload"] == "one"
    assert [(s["function"], s["version"], s["status"]) for s in trace["snapshots"]] == [("orders", "1", "success")]
    assert trace["attempts"][0]["logs"][0].startswith("RESTORE_START")
    assert [(v["layer"], v["version"], v["action"]) for v in trace["layer_versions"]] == [("shared", 2, "published")]


def test_manage_scenario_validate_names_the_layers_line_and_aws_wording(tmp_path):
    six = ", ".join(f'"shared:{n}"' for n in range(1, 7))
    text = LAYERED_SNAPSTART.replace('layers: ["shared:1"]', f"layers: [{six}]")

    done = manage("validate", str(write(tmp_path, text)))

    assert done.returncode == 2
    assert "functions.orders.layers (line 7): InvalidParameterValueException: Cannot reference more than 5 layers." in (
        done.stderr
    )
