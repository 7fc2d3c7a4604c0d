"""`pulih events tail`: the subject filter and where it starts."""

from datetime import UTC, datetime

import pytest
from nats.js.api import DeliverPolicy

from ops.cli import main
from ops.events import start_of
from shared.eventlog import subject_filter


def test_the_filter_follows_the_contracts_wildcards():
    assert subject_filter() == "pulih.events.>"
    assert subject_filter("lapas-banyuwangi") == "pulih.events.lapas-banyuwangi.*.*.*"
    assert subject_filter(None, "SessionHeld") == "pulih.events.*.*.*.SessionHeld"
    assert subject_filter("lapas-jember", "SessionHeld") == (
        "pulih.events.lapas-jember.*.*.SessionHeld")


def test_from_is_new_events_a_sequence_or_an_instant():
    assert start_of(None) == (DeliverPolicy.NEW, {})
    assert start_of("42") == (DeliverPolicy.BY_START_SEQUENCE, {"opt_start_seq": 42})
    assert start_of("2025-07-14T09:00:00+07:00") == (
        DeliverPolicy.BY_START_TIME, {"opt_start_time": datetime(2025, 7, 14, 2, tzinfo=UTC)})
    assert start_of("2025-07-14T02:00:00Z")[1]["opt_start_time"] == datetime(
        2025, 7, 14, 2, tzinfo=UTC)
    for wrong in ("0", "-3", "2025-07-14T09:00:00", "yesterday"):
        with pytest.raises(ValueError, match="--from must be"):
            start_of(wrong)


@pytest.mark.parametrize("args", [
    ["events", "tail", "--prison", "Lapas Banyuwangi"],
    ["events", "tail", "--type", "SessionHappened"],
    ["events", "tail", "--from", "yesterday"],
    ["events", "export", "--from", "0"],
    ["audit", "history", "session", "not-a-uuid"],
    ["audit", "history", "inmate", "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"],
    ["audit", "history", "session", "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "--prison", "*"],
    ["audit", "verify", "--file", "x.jsonl", "--prison", "lapas-banyuwangi"],
])
def test_wrong_arguments_are_refused_before_connecting(args, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "error" in capsys.readouterr().err
