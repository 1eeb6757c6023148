"""Layers: versions under /opt in the isolated runtime, AWS's limits and messages, and the update trap."""

from __future__ import annotations

import pytest

from sandbox.emulator.simulation import check, simulate
from sandbox.runtime.client import DaemonExecutor, ensure_daemon
from sandbox.runtime.protocol import validate_spec

SHOW = """\
import os, sys
import shared

def lambda_handler(event, context):
    try:
        open("/opt/python/shared.py", "a").write("# changed")
        writable = True
    except OSError as error:
        writable = error.errno
    return {
        "value": shared.VALUE,
        "where": shared.__file__,
        "on_path": "/opt/python" in sys.path,
        "opt": sorted(os.listdir("/opt/python")),
        "writable": writable,
    }
"""


def layer(value: str, **more_files) -> dict:
    return {"files": {"python/shared.py": f"VALUE = {value!r}\n", **more_files}}


@pytest.fixture(scope="module")
def executor():
    ensure_daemon()
    made = DaemonExecutor()
    yield made
    made.close()


def responses(trace: dict) -> list:
    return [response["payload"] for response in trace["responses"]]


def problems(scenario: dict) -> list[str]:
    return [f"{problem.field}: {problem.message}" for problem in check(scenario)]


def test_layer_files_appear_read_only_under_opt_with_opt_python_importable(executor):
    scenario = {
        "layers": {"shared": {"versions": [layer("first")]}},
        "functions": {"orders": {"code": SHOW, "layers": ["shared:1"]}},
        "steps": [{"at_s": 0, "invoke": {"function": "orders"}}],
    }

    [payload] = responses(simulate(scenario, executor, seed=1))

    assert payload["value"] == "first"
    assert payload["where"] == "/opt/python/shared.py"
    assert payload["on_path"] is True
    assert payload["opt"] == ["shared.py"]
    assert payload["writable"] == 30  # EROFS: layers are read-only


def test_a_later_layer_wins_and_the_function_package_wins_over_layers(executor):
    scenario = {
        "layers": {
            "base": {"versions": [layer("base", **{"python/extra.py": "NAME = 'base'\n"})]},
            "override": {"versions": [layer("override")]},
        },
        "functions": {
            "later": {
                "code": "import shared, extra\ndef lambda_handler(e, c):\n    return [shared.VALUE, extra.NAME]\n",
                "layers": ["base:1", "override:1"],
            },
            "own": {
                "code": "import shared\ndef lambda_handler(e, c):\n    return shared.VALUE\n",
                "files": {"shared.py": "VALUE = 'package'\n"},
                "layers": ["base:1"],
            },
        },
        "steps": [{"at_s": 0, "invoke": {"function": "later"}}, {"at_s": 1, "invoke": {"function": "own"}}],
    }

    assert responses(simulate(scenario, executor, seed=1)) == [["override", "base"], "package"]


def test_publishing_a_new_layer_version_changes_nothing_until_the_function_names_it(executor):
    scenario = {
        "layers": {"shared": {"versions": [layer("v1")]}},
        "functions": {"orders": {"code": "import shared\ndef lambda_handler(e, c):\n    return shared.VALUE\n"}},
        "steps": [
            {"at_s": 0, "update_function": {"function": "orders", "layers": ["shared:1"]}},
            {"at_s": 1, "invoke": {"function": "orders"}},
            {"at_s": 2, "publish_layer_version": {"layer": "shared", "files": {"python/shared.py": "VALUE = 'v2'\n"}}},
            {"at_s": 3, "invoke": {"function": "orders"}},
            {"at_s": 4, "update_function": {"function": "orders", "layers": ["shared:2"]}},
            {"at_s": 5, "invoke": {"function": "orders"}},
        ],
    }
    scenario["functions"]["orders"]["layers"] = ["shared:1"]

    trace = simulate(scenario, executor, seed=1)

    assert responses(trace) == ["v1", "v1", "v2"]
    assert trace["layer_versions"][0] == {
        "step": 2,
        "layer": "shared",
        "version": 2,
        "action": "published",
        "at_s": 2.0,
    }
    assert [a["cold_start"] for a in trace["attempts"]] == [True, False, True]


def test_a_deleted_version_keeps_working_for_functions_that_use_it(executor):
    scenario = {
        "layers": {"shared": {"versions": [layer("kept")], "deleted": [1]}},
        "functions": {
            "orders": {
                "code": "import shared\ndef lambda_handler(e, c):\n    return shared.VALUE\n",
                "layers": ["shared:1"],
            }
        },
        "steps": [{"at_s": 0, "invoke": {"function": "orders"}}],
    }

    assert problems(scenario) == []
    assert responses(simulate(scenario, executor, seed=1)) == ["kept"]


def test_an_update_naming_a_deleted_version_gets_aws_message():
    scenario = {
        "layers": {"shared": {"versions": [layer("a"), layer("b")]}},
        "functions": {"orders": {"code": "def lambda_handler(e, c):\n    return 1\n", "layers": ["shared:1"]}},
        "steps": [
            {"at_s": 0, "delete_layer_version": {"layer": "shared", "version": 1}},
            {"at_s": 1, "update_function": {"function": "orders", "layers": ["shared:1"]}},
        ],
    }

    assert problems(scenario) == [
        "steps.1.update_function.layers.0: InvalidParameterValueException: Layer version "
        "arn:aws:lambda:us-east-1:123456789012:layer:shared:1 does not exist."
    ]


def test_more_than_five_layers_is_refused_with_aws_message():
    names = [f"l{n}" for n in range(6)]
    scenario = {
        "layers": {name: {"versions": [layer(name)]} for name in names},
        "functions": {"orders": {"code": "x = 1\n", "layers": [f"{name}:1" for name in names]}},
    }

    assert problems(scenario) == [
        "functions.orders.layers: InvalidParameterValueException: Cannot reference more than 5 layers."
    ]


def test_a_version_that_does_not_exist_and_two_versions_of_one_layer_get_aws_messages():
    scenario = {
        "account": {"region": "eu-west-1", "account_id": "111122223333"},
        "layers": {"shared": {"versions": [layer("a"), layer("b")]}},
        "functions": {
            "missing": {"code": "x = 1\n", "layers": ["shared:3"]},
            "twice": {"code": "x = 1\n", "layers": ["shared:1", "shared:2"]},
        },
    }

    assert problems(scenario) == [
        "functions.missing.layers.0: InvalidParameterValueException: Layer version "
        "arn:aws:lambda:eu-west-1:111122223333:layer:shared:3 does not exist.",
        "functions.twice.layers.1: InvalidParameterValueException: Two different versions of the same layer are not "
        "allowed to be referenced in the same function. arn:aws:lambda:eu-west-1:111122223333:layer:shared:1 and "
        "arn:aws:lambda:eu-west-1:111122223333:layer:shared:2 are versions of the same layer.",
    ]


def test_function_and_layers_over_250_mb_unzipped_get_aws_message_with_the_actual_size():
    code = "x = 1\n"
    big = {"files": {"python/big.py": "y = 2\n"}, "extra_bytes": 262_144_000 - 12}
    scenario = {"layers": {"big": {"versions": [big]}}, "functions": {"orders": {"code": code, "layers": ["big:1"]}}}

    assert problems(scenario) == []  # exactly 262,144,000 bytes is allowed
    scenario["layers"]["big"]["versions"][0]["extra_bytes"] += 1
    assert problems(scenario) == [
        "functions.orders.layers: InvalidParameterValueException: Function code combined with layers exceeds the "
        "maximum allowed size of 262144000 bytes. The actual size is 262144001 bytes."
    ]


def test_the_daemon_refuses_layer_paths_that_leave_opt():
    spec = {"function_name": "f", "code": {"lambda_function.py": "x = 1\n"}, "layer_files": {"../etc/passwd": "x"}}

    with pytest.raises(ValueError, match="plain relative path"):
        validate_spec(spec)


def test_the_daemon_refuses_more_layer_files_than_opt_holds():
    files = {f"python/empty{n}.py": "" for n in range(4097)}  # empty files weigh nothing but a page each
    spec = {"function_name": "f", "code": {"lambda_function.py": "x = 1\n"}, "layer_files": files}

    with pytest.raises(ValueError, match="more than 4096 files"):
        validate_spec(spec)
    del files["python/empty0.py"]
    assert len(validate_spec(spec)["layer_files"]) == 4096


def test_opt_is_a_read_only_nosuid_mount_of_this_environment_only(executor):
    probe = (
        "import os\n"
        "def lambda_handler(event, context):\n"
        "    mounts = [line.split() for line in open('/proc/self/mountinfo')]\n"
        "    opt = [m[5] for m in mounts if m[4] == '/opt']\n"
        "    return {'options': opt, 'files': sorted(os.listdir('/opt/python'))}\n"
    )
    scenario = {
        "layers": {
            "mine": {"versions": [layer("mine")]},
            "theirs": {"versions": [{"files": {"python/secret.py": "K = 1\n"}}]},
        },
        "functions": {
            "probe": {"code": probe, "layers": ["mine:1"]},
            "other": {
                "code": "import secret\ndef lambda_handler(e, c):\n    return secret.K\n",
                "layers": ["theirs:1"],
            },
        },
        "steps": [{"at_s": 0, "invoke": {"function": "other"}}, {"at_s": 1, "invoke": {"function": "probe"}}],
    }

    other, payload = responses(simulate(scenario, executor, seed=1))

    assert other == 1
    assert payload["files"] == ["shared.py"]  # the other function's layer is not there
    [options] = payload["options"]
    assert {"ro", "nosuid", "nodev"} <= set(options.split(","))


def test_a_layer_of_many_small_files_fits_under_opt(executor):
    files = {f"python/part{n}.py": f"N = {n}\n" for n in range(400)}  # each small file takes a page of /opt
    scenario = {
        "layers": {"parts": {"versions": [{"files": files}]}},
        "functions": {
            "sum": {
                "code": "import os, part399\ndef lambda_handler(e, c):\n"
                "    return [part399.N, len(os.listdir('/opt/python'))]\n",
                "layers": ["parts:1"],
            }
        },
        "steps": [{"at_s": 0, "invoke": {"function": "sum"}}],
    }

    trace = simulate(scenario, executor, seed=1)

    assert responses(trace) == [[399, 400]], trace["responses"]
