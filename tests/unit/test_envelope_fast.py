"""The command path's fast forms write exactly what the contract says: the canonical JSON of
the hash and the fingerprint is Python's `json.dumps(..., sort_keys=True, separators=(",",
":"), ensure_ascii=False)` in UTF-8 whichever path writes it, and an event id is uuid5."""

from __future__ import annotations

import json
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.envelope import EVENT_ID_NAMESPACE, canonical_json, event_id

SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([1e-05, 1e16, 1e-7, 0.1, 1.0, -0.0, 123456789012345680.0]))
JSON = st.recursive(
    SCALARS,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(), inner, max_size=4)
                   | st.dictionaries(st.integers(-3, 3), inner, max_size=2)),
    max_leaves=25)


def python(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_canonical_json_is_pythons_for_every_value(value):
    assert canonical_json(value) == python(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), st.none() | st.integers(-(2**63), 2**64 - 1) | st.text()
                       | st.lists(st.text(), max_size=3), max_size=8))
def test_a_value_without_floats_takes_orjson_and_is_still_pythons(value):
    assert canonical_json(value) == canonical_json(value, floats=False) == python(value)


def test_floats_and_values_json_writes_its_own_way_take_the_general_path():
    for value in ({"score": 1e-05}, [1e16], {"n": float("nan")}, {1: "a", 2: "b"}, ("a", 1),
                  {"big": 2**64}):
        assert canonical_json(value) == python(value)
    assert canonical_json({"score": 1e-05}) == b'{"score":1e-05}'  # orjson: 0.00001


@settings(max_examples=300, deadline=None)
@given(st.uuids(), st.integers(0, 99))
def test_an_event_id_is_uuid5_of_the_command_id_and_index(command_id, index):
    expected = str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{command_id}/{index}"))
    assert event_id(str(command_id), index) == expected


def test_an_event_id_for_any_text():
    for command_id in ("", "not-a-uuid", "ñ/é", "x" * 500):
        assert event_id(command_id, 0) == str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{command_id}/0"))
