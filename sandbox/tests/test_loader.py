"""Reading scenario files with line numbers."""

import json

import pytest

from sandbox.emulator.loader import MAX_VALUES, ScenarioError, load, loads

SCENARIO = """\
name: demo
functions:
  orders:
    code: |
      def lambda_handler(event, context):
          return 1
    memory_mb: 256
steps:
  - {at_s: 0, invoke: {function: orders}}
  - at_s: 5
    invoke:
      function: orders
      payload: {id: 1}
"""


def test_load_yaml_returns_data_and_lines(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(SCENARIO)

    raw, lines = load(path)

    assert raw["functions"]["orders"]["memory_mb"] == 256
    assert lines["functions.orders.memory_mb"] == 7
    assert lines["steps.0"] == 9
    assert lines["steps.1.invoke.payload"] == 13
    assert lines[""] == 1


def test_load_json_by_extension(tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(json.dumps({"functions": {"orders": {"memory_mb": 64}}}, indent=2))

    raw, lines = load(path)

    assert raw == {"functions": {"orders": {"memory_mb": 64}}}
    assert lines["functions.orders.memory_mb"] == 4


def test_json_keeps_json_semantics():
    raw, _ = loads('{"on": "yes", "n": 1e3}', "json")

    assert raw == {"on": "yes", "n": 1000.0}


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(ScenarioError) as caught:
        loads("functions:\n  orders: {code: x\n  other: 1\n")

    assert caught.value.line is not None
    assert caught.value.message.startswith("invalid YAML")


def test_json_syntax_error_names_the_line():
    with pytest.raises(ScenarioError) as caught:
        loads('{\n "a": 1,\n "b": }', "json")

    assert caught.value.line == 3


def test_tabs_get_a_hint():
    with pytest.raises(ScenarioError) as caught:
        loads("functions:\n\torders: {}\n")

    assert "spaces, not tabs" in caught.value.message


def test_duplicate_keys_are_rejected():
    with pytest.raises(ScenarioError) as caught:
        loads("functions:\n  a: {}\n  a: {}\n")

    assert (caught.value.field, caught.value.line) == ("functions.a", 3)
    assert "first given on line 2" in caught.value.message


@pytest.mark.parametrize("text", ["", "   \n", "- 1\n- 2\n", "just text\n"])
def test_non_mapping_documents_are_rejected(text):
    with pytest.raises(ScenarioError):
        loads(text)


def test_alias_bombs_are_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]

    with pytest.raises(ScenarioError) as caught:
        loads("\n".join(lines) + "\n")

    assert str(MAX_VALUES) in caught.value.message


def test_aliases_and_merge_keys_still_work():
    raw, lines = loads("base: &base {memory_mb: 256}\nfunctions:\n  a: {<<: *base, code: x}\n")

    assert raw["functions"]["a"] == {"memory_mb": 256, "code": "x"}
    assert lines["functions.a.code"] == 3


def test_python_tags_are_not_executed():
    with pytest.raises(ScenarioError):
        loads("x: !!python/object/apply:os.system ['true']\n")


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        loads("a: 1", "toml")


def test_error_str_names_field_and_line():
    assert str(ScenarioError("functions.a", 3, "bad")) == "functions.a (line 3): bad"


def test_self_referencing_alias_is_rejected():
    with pytest.raises(ScenarioError) as caught:
        loads("a: &x [1, *x]\n")

    assert "refers to itself" in caught.value.message
