"""What the projections take from the contract's registry instead of spelling it again."""

import pytest

from shared.contract.events import AssessmentRecordedV2, SessionHeld
from shared.contract.events.session import EventMark
from shared.contract.lookup import bounds, choices, types_of


def test_types_of_an_aggregate_are_its_registered_types():
    assert types_of("session") == {"SessionScheduled", "SessionHeld", "AttendanceCorrected",
                                   "SessionCancelled", "SessionNotHeld"}
    assert types_of("nothing") == frozenset()


def test_choices_of_a_literal_field_of_a_model_or_of_a_typed_dict_null_aside():
    assert choices(EventMark, "status") == {"present", "absent", "excused", "late"}
    assert "counselor" in choices(AssessmentRecordedV2, "assessor_role")
    assert None not in choices(AssessmentRecordedV2, "assessor_role")


def test_choices_refuses_a_field_that_is_not_an_enumeration():
    with pytest.raises(TypeError, match="not an enumeration"):
        choices(SessionHeld, "topic")


def test_bounds_of_a_numeric_field():
    assert bounds(SessionHeld, "duration_minutes") == (1, 600)
