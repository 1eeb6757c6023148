"""EventBridge pattern matching and ESM filters."""

import base64
import fnmatch
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.emulator.patterns import filter_view, matches, passes_filters, pattern_problems

ORDER = {
    "version": "0",
    "source": "shop",
    "detail-type": "OrderPlaced",
    "resources": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
    "detail": {
        "id": 7,
        "total": 120.5,
        "state": "NEW",
        "tags": ["gift", "rush"],
        "customer": {"tier": "Gold"},
        "note": None,
        "ip": "10.0.3.4",
        "file": "report.csv",
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"source": ["shop"]},
        {"source": ["other", "shop"]},
        {"detail": {"id": [7]}},
        {"detail": {"id": [7.0]}},
        {"detail": {"tags": ["rush"]}},
        {"detail": {"customer": {"tier": ["Gold"]}}},
        {"detail": {"note": [None]}},
        {"resources": ["arn:aws:s3:::b"]},
        {"detail-type": [{"prefix": "Order"}]},
        {"detail": {"file": [{"suffix": ".csv"}]}},
        {"detail": {"customer": {"tier": [{"equals-ignore-case": "gold"}]}}},
        {"detail-type": [{"prefix": {"equals-ignore-case": "order"}}]},
        {"detail": {"file": [{"suffix": {"equals-ignore-case": ".CSV"}}]}},
        {"detail": {"file": [{"wildcard": "rep*.c*v"}]}},
        {"detail": {"state": [{"anything-but": ["OLD", "DONE"]}]}},
        {"detail": {"state": [{"anything-but": {"prefix": "OL"}}]}},
        {"detail": {"total": [{"numeric": [">", 100, "<=", 200]}]}},
        {"detail": {"id": [{"numeric": ["=", 7]}]}},
        {"detail": {"id": [{"exists": True}]}},
        {"detail": {"missing": [{"exists": False}]}},
        {"detail": {"ip": [{"cidr": "10.0.0.0/16"}]}},
        {"source": ["shop"], "$or": [{"detail": {"id": [1]}}, {"detail": {"state": ["NEW"]}}]},
    ],
)
def test_pattern_matches(pattern):
    assert matches(pattern, ORDER)
    assert pattern_problems(pattern) == []


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["Shop"]},
        {"source": ["sho"]},
        {"detail": {"id": ["7"]}},
        {"detail": {"missing": [None]}},
        {"detail": {"missing": [{"anything-but": "x"}]}},
        {"detail": {"id": [{"exists": False}]}},
        {"detail": {"missing": [{"exists": True}]}},
        {"detail": {"customer": [{"exists": True}]}},
        {"detail-type": [{"prefix": "order"}]},
        {"detail": {"file": [{"wildcard": "rep*.txt"}]}},
        {"detail": {"state": [{"anything-but": "NEW"}]}},
        {"detail": {"total": [{"numeric": [">", 200]}]}},
        {"detail": {"state": [{"numeric": [">", 0]}]}},
        {"detail": {"ip": [{"cidr": "10.1.0.0/16"}]}},
        {"source": ["shop"], "detail": {"id": [8]}},
        {"$or": [{"detail": {"id": [1]}}, {"detail": {"state": ["OLD"]}}]},
    ],
)
def test_pattern_does_not_match(pattern):
    assert not matches(pattern, ORDER)


def test_pattern_given_as_json_text():
    assert matches('{"source": ["shop"]}', ORDER)


def test_wildcard_escaped_star_is_literal():
    assert matches({"k": [{"wildcard": "a\\*b"}]}, {"k": "a*b"})
    assert not matches({"k": [{"wildcard": "a\\*b"}]}, {"k": "axb"})


def test_booleans_are_not_numbers():
    assert not matches({"k": [1]}, {"k": True})
    assert matches({"k": [True]}, {"k": True})
    assert not matches({"k": [{"numeric": [">", 0]}]}, {"k": True})


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ({"source": "shop"}, "in a list"),
        ({"source": [{"prefixx": "a"}]}, "unknown operator"),
        ({"n": [{"numeric": [">", "1"]}]}, "not a number"),
        ({"n": [{"numeric": ["<", 5, ">", 1]}]}, "lower bound first"),
        ({"n": [{"exists": "yes"}]}, "true or false"),
        ({"$or": [{"a": ["x"]}]}, "at least two"),
        ({"a": []}, "empty"),
        ("{not json", "not valid JSON"),
    ],
)
def test_pattern_problems(pattern, words):
    problems = pattern_problems(pattern)

    assert problems and words in problems[0]


# --- hypothesis properties ----------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-50, 50), st.text(max_size=5), st.floats(-100, 100, allow_nan=False)
)
literals = st.one_of(st.none(), st.booleans(), st.integers(-50, 50), st.text(max_size=5))


@given(value=scalars, listed=st.lists(literals, min_size=1, max_size=4))
def test_anything_but_is_the_complement_of_exact_match(value, listed):
    event = {"k": value}

    assert matches({"k": [{"anything-but": listed}]}, event) == (not matches({"k": listed}, event))


@given(value=st.text(max_size=8), prefix=st.text(max_size=3))
def test_anything_but_prefix_is_the_complement_of_prefix(value, prefix):
    event = {"k": value}

    assert matches({"k": [{"anything-but": {"prefix": prefix}}]}, event) == (
        not matches({"k": [{"prefix": prefix}]}, event)
    )


@given(
    value=scalars, first=st.lists(literals, min_size=1, max_size=3), second=st.lists(literals, min_size=1, max_size=3)
)
def test_or_is_the_union(value, first, second):
    event = {"k": value}
    either = matches({"$or": [{"k": first}, {"k": second}]}, event)

    assert either == (matches({"k": first}, event) or matches({"k": second}, event))


@given(values=st.lists(st.integers(-5, 5), max_size=5), wanted=st.integers(-5, 5))
def test_array_field_matches_when_any_element_matches(values, wanted):
    assert matches({"k": [wanted]}, {"k": values}) == (wanted in values)


@given(number=st.floats(-1000, 1000, allow_nan=False), low=st.integers(-1000, 0), high=st.integers(1, 1000))
def test_numeric_range_agrees_with_python(number, low, high):
    assert matches({"k": [{"numeric": [">=", low, "<", high]}]}, {"k": number}) == (low <= number < high)


@given(text=st.text(max_size=10))
def test_wildcard_star_alone_matches_every_string(text):
    assert matches({"k": [{"wildcard": "*"}]}, {"k": text})


# --- ESM filters ----------------------------------------------------------------------


def sqs_record(body):
    return {
        "messageId": "m1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def test_sqs_json_body_is_filtered_as_json():
    pattern = {"body": {"type": ["order"]}}

    assert passes_filters([pattern], "sqs", sqs_record('{"type": "order"}'))
    assert not passes_filters([pattern], "sqs", sqs_record('{"type": "refund"}'))


def test_sqs_plain_body_needs_a_plain_pattern():
    assert not passes_filters([{"body": {"type": ["order"]}}], "sqs", sqs_record("type=order"))
    assert passes_filters([{"body": [{"prefix": "type="}]}], "sqs", sqs_record("type=order"))
    assert not passes_filters([{"body": [{"prefix": "{"}]}], "sqs", sqs_record('{"type": "order"}'))


def test_sqs_metadata_can_be_filtered():
    assert passes_filters([{"attributes": {"ApproximateReceiveCount": ["1"]}}], "sqs", sqs_record("x"))


def test_no_filters_keep_everything_and_filters_are_ored():
    refund = sqs_record('{"type": "refund"}')

    assert passes_filters([], "sqs", refund)
    assert passes_filters(['{"body": {"type": ["order"]}}', {"body": {"type": ["refund"]}}], "sqs", refund)


def test_kinesis_filter_sees_decoded_data_only():
    record = {"kinesis": {"partitionKey": "k1", "data": base64.b64encode(json.dumps({"t": 5}).encode()).decode()}}

    assert filter_view("kinesis", record) == {"data": {"t": 5}}
    assert passes_filters([{"data": {"t": [{"numeric": [">", 1]}]}}], "kinesis", record)
    assert not passes_filters([{"partitionKey": ["k1"]}], "kinesis", record)


def test_kinesis_non_json_data_is_dropped_by_data_filters():
    record = {"kinesis": {"data": base64.b64encode(b"Hello").decode()}}

    assert not passes_filters([{"data": [{"exists": True}]}], "kinesis", record)


def test_dynamodb_filter_sees_the_record():
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"state": {"S": "NEW"}}}}

    assert passes_filters(
        [{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"state": {"S": ["NEW"]}}}}], "dynamodb", record
    )
    assert not passes_filters([{"eventName": ["REMOVE"]}], "dynamodb", record)


HOSTILE_WILDCARD = "*a*a*a*a*a*a*a*a*a*a*a*a*a*b"


def test_wildcard_with_many_stars_against_a_long_string_answers_at_once():
    assert not matches({"k": [{"wildcard": HOSTILE_WILDCARD}]}, {"k": "a" * 30_000})
    assert matches({"k": [{"wildcard": HOSTILE_WILDCARD}]}, {"k": "a" * 30_000 + "b"})


def test_wildcard_too_complex_is_refused_with_eventbridges_message():
    problems = pattern_problems({"k": [{"wildcard": HOSTILE_WILDCARD}]})

    assert problems == [
        "k: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences "
        "after a wildcard character"
    ]
    assert pattern_problems({"k": [{"wildcard": ["*.png", "*/lib/*", "img-*-*.gif"]}]}) == []


def test_consecutive_wildcard_characters_are_refused():
    assert pattern_problems({"k": [{"wildcard": "a**b"}]}) == [
        "k: consecutive wildcard characters in 'a**b' are not allowed; one * matches any run"
    ]


@given(
    st.text(alphabet="ab*", max_size=8).filter(lambda p: "**" not in p),
    st.text(alphabet="ab", max_size=12),
)
def test_wildcard_matching_agrees_with_a_plain_reference(pattern, text):
    assert matches({"k": [{"wildcard": pattern}]}, {"k": text}) == fnmatch.fnmatchcase(text, pattern)
