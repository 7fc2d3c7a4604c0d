"""The export's message lines (format 2) keep what `pulih events import` needs to restore the log
byte for byte: every stored header, the append time and the body's exact bytes."""

import io
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
import pytest

from ops.checks import Broken
from ops.events import ExportWriter, message_line
from ops.restore import _body, _headers
from ops.verify import verify_lines
from shared.envelope import CommandMeta, NewEvent, StreamId, seal
from shared.eventlog import LogMessage, subject_filter

STREAM_ID = StreamId("lapas-banyuwangi", "program", "5b0e7c1a-2d4f-4e8a-9c3b-1f6a7d2e8b40")
COMMAND = "00000000-0000-4000-8000-000000000001"
HEADERS = {"Nats-Msg-Id": "", "Nats-Expected-Last-Subject-Sequence": "0",
           "Nats-Expected-Last-Subject-Sequence-Subject": STREAM_ID.filter}


def envelope() -> dict:
    return seal(STREAM_ID, NewEvent("ProgramClosed", {"closed_on": "2025-12-08"},
                                    "2025-12-08T00:00:00+07:00"),
                CommandMeta(COMMAND, "officer:lapas-banyuwangi:rina", COMMAND), index=0,
                version=1, prev_hash="", recorded_at="2025-12-08T02:00:00.000000+00:00")


def message(body: bytes, env: dict) -> LogMessage:
    headers = {**HEADERS, "Nats-Msg-Id": env["event_id"]}
    return LogMessage(1, STREAM_ID.subject("ProgramClosed"), env["event_id"], body, headers,
                      "2025-12-08T02:00:00.123456789Z")


def exported(msg: LogMessage) -> list[bytes]:
    out = io.BytesIO()
    writer = ExportWriter(out, subject_filter(), 1, msg.seq, datetime(2025, 12, 9, tzinfo=UTC))
    writer.write([msg])
    writer.close()
    return out.getvalue().splitlines(keepends=True)


@pytest.mark.parametrize("encode", [
    orjson.dumps,  # as Pulih's store writes every body: kept as a readable "envelope"
    lambda env: json.dumps(env).encode(),  # another writer's spacing: kept as "raw" bytes
], ids=["orjson", "json-with-spaces"])
def test_a_line_keeps_headers_time_and_the_exact_body(encode):
    env = envelope()
    body = encode(env)
    lines = exported(message(body, env))
    line = orjson.loads(lines[1])
    assert list(line)[:5] == ["seq", "subject", "time", "msg_id", "headers"]
    assert line["headers"] == {**HEADERS, "Nats-Msg-Id": env["event_id"]}
    assert list(line["headers"]) == list(HEADERS)  # in the stored order
    assert line["time"] == "2025-12-08T02:00:00.123456789Z"
    assert ("envelope" in line) is (encode is orjson.dumps)
    assert _body(line) == body and _headers(line, 2) == line["headers"]
    assert verify_lines(lines).events == 1  # an envelope kept raw is still checked and passes


def test_headers_that_disagree_with_the_msg_id_are_refused():
    env = envelope()
    lines = exported(message(orjson.dumps(env), env))
    line = orjson.loads(lines[1])
    line["headers"]["Nats-Msg-Id"] = "someone-else"
    with pytest.raises(Broken) as caught:
        verify_lines([lines[0], orjson.dumps(line) + b"\n", lines[2]])
    assert (caught.value.check, caught.value.where) == ("line", "line 2")


def test_a_delivery_gives_stored_headers_sequence_and_append_time():
    nanos = 1_765_159_200_123_456_789  # 2025-12-08T02:00:00.123456789Z
    for reply in (f"$JS.ACK.PULIH_EVENTS.c1.1.42.7.{nanos}.0",
                  f"$JS.ACK.hub.ACC.PULIH_EVENTS.c1.1.42.7.{nanos}.0.tok"):
        msg = SimpleNamespace(reply=reply, subject="pulih.events.x", data=b"{}",
                              headers={"Nats-Msg-Id": "m", "Nats-Expected-Last-Sequence": "1"})
        got = LogMessage.received(msg)
        assert (got.seq, got.msg_id, got.time) == (42, "m", "2025-12-08T02:00:00.123456789Z")
        assert got.headers == msg.headers
    bare = LogMessage.received(SimpleNamespace(reply=reply, subject="s", data=b"", headers=None))
    assert (bare.headers, bare.msg_id, message_line(bare)["headers"]) == (None, None, None)
