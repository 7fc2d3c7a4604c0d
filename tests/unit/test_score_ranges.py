"""Every instrument's score is bounded at the command edge (`invalid` on `data.score`)."""

import pytest

from services.programs.commands import RecordAssessment
from shared.command_edge import parse
from shared.errors import Rejected
from shared.instruments import SCORE_RANGES

PARTICIPANT = "0b7d6c1e-1111-4a2b-8c3d-000000000042"
BODY = b'{"command_id": "0b7d6c1e-1111-4a2b-8c3d-000000000043", "actor": "officer:x:rina", ' \
       b'"expected_version": null, "data": %s}'


def data(instrument: str, score: object) -> bytes:
    return (BODY % (f'{{"participant_id": "{PARTICIPANT}", "instrument": "{instrument}", '
                    f'"phase": "intake", "score": {score}, "assessed_on": "2025-03-03"}}'
                    ).encode())


ACCEPTED = [("ASSIST", 0), ("ASSIST", 39), ("ASSIST", 27.5), ("ASI", 0), ("ASI", 0.45),
            ("ASI", 9), ("URICA", -2), ("URICA", 14), ("URICA", 9.75), ("WHOQOL", 0),
            ("WHOQOL", 100), ("WHOQOL", 56.25), ("urine_test", 0), ("urine_test", 1),
            ("urine_test", 1.0), ("other", -1000), ("other", 1000)]
REFUSED = [("ASSIST", -1), ("ASSIST", 39.5), ("ASSIST", 1.7e308), ("ASI", -0.1), ("ASI", 10),
           ("URICA", -2.01), ("URICA", 15), ("WHOQOL", -1), ("WHOQOL", 100.5),
           ("urine_test", 0.5), ("urine_test", 2), ("urine_test", -1), ("other", -1.7e308),
           ("other", 1000.5), ("other", -1e6)]


@pytest.mark.parametrize(("instrument", "score"), ACCEPTED)
def test_a_score_inside_its_instruments_range_is_accepted(instrument, score):
    _, command = parse(data(instrument, score), RecordAssessment)
    assert command.score == score


@pytest.mark.parametrize(("instrument", "score"), REFUSED)
def test_a_score_outside_its_instruments_range_is_invalid(instrument, score):
    with pytest.raises(Rejected) as caught:
        parse(data(instrument, score), RecordAssessment)
    assert caught.value.code == "invalid"
    [detail] = caught.value.details
    assert detail.field == "data.score"
    assert SCORE_RANGES[instrument].describe() in detail.message
    assert str(score) not in detail.message  # a field and its rule, never the value


def test_every_instrument_of_the_contract_has_a_range():
    assert set(SCORE_RANGES) == {"ASSIST", "ASI", "URICA", "WHOQOL", "urine_test", "other"}
