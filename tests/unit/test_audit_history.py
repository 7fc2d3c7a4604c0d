"""`pulih audit history`: who did what, when, why — the rendering, without servers."""

import orjson

from ops.checks import printable
from ops.history import MARK_ORDER, SUMMARIES, history_json, history_row, history_text
from shared.contract.events import EVENT_AGGREGATES
from shared.contract.events.session import EventMark
from shared.contract.lookup import choices

PRISON = "lapas-banyuwangi"
AGREEMENT = "5b2f3c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
CAUSE = "9d8c7b6a-5f4e-4d3c-8b2a-19f8e7d6c5b4"


def event(version, kind, data, actor, causation=None):
    return {
        "event_id": f"00000000-0000-4000-8000-{version:012d}", "type": kind,
        "schema_version": 1, "prison_id": PRISON, "aggregate_type": "agreement",
        "aggregate_id": AGREEMENT, "aggregate_version": version,
        "occurred_at": "2025-07-08T00:00:00+07:00",
        "recorded_at": f"2025-07-0{version}T03:00:00.000000+00:00", "actor": actor,
        "command_id": f"10000000-0000-4000-8000-{version:012d}",
        "correlation_id": f"10000000-0000-4000-8000-{version:012d}",
        "causation_id": causation, "prev_hash": "", "hash": "ab" * 32, "data": data}


ROWS = [
    history_row(11, event(1, "AgreementSigned", {
        "number": "PKS/1", "title": "Rehabilitasi", "services": ["counseling"],
        "partner": {"id": "yayasan-gennesa", "name": "Yayasan Gennesa", "kind": "foundation"},
        "signed_on": "2025-01-05", "effective_from": "2025-01-05",
        "effective_until": "2025-03-31", "signatories": [], "renews": None,
        "committed_sessions_per_month": None}, "officer:lapas-banyuwangi:rina")),
    history_row(40, event(2, "AgreementExtended", {
        "signed_on": "2025-02-19", "effective_until": "2025-12-31", "signatories": [],
        "note": "Perpanjangan\nkedua"}, "officer:lapas-banyuwangi:budi")),
    history_row(77, event(3, "AgreementTerminated", {
        "terminated_on": "2025-07-08", "reason": "Digantikan PKS baru"},
        "officer:lapas-banyuwangi:rina")),
    history_row(90, event(4, "AgreementExpired", {"expired_on": "2026-01-01"},
                          "system:agreements", causation=CAUSE)),
]


def test_one_line_per_event_in_order_with_who_when_what_and_why():
    text = history_text("agreement", AGREEMENT, ROWS)
    lines = text.splitlines()
    assert lines[0] == f"agreement {AGREEMENT} in {PRISON}: 4 events"
    assert lines[1].split()[:6] == ["seq", "v", "recorded_at", "occurred_at", "actor", "event"]
    body = lines[2:]
    assert len(body) == 4
    assert [line.split()[0] for line in body] == ["11", "40", "77", "90"]
    assert [line.split()[4] for line in body] == [
        "officer:lapas-banyuwangi:rina", "officer:lapas-banyuwangi:budi",
        "officer:lapas-banyuwangi:rina", "system:agreements"]
    assert "PKS/1 \"Rehabilitasi\" with Yayasan Gennesa" in body[0]
    assert "until 2025-12-31, signed 2025-02-19; note: Perpanjangan kedua" in body[1]
    assert "on 2025-07-08; reason: Digantikan PKS baru" in body[2]
    assert "2025-07-03T03:00:00.000000+00:00  2025-07-08T00:00:00+07:00" in body[2]
    assert f"[correlation {ROWS[0]['correlation_id']}]" in body[0]
    assert body[3].endswith(f"caused by {CAUSE}]")
    # Columns line up: every event name starts at the same offset.
    assert len({line.index("Agreement") for line in body}) == 1


def test_the_json_form_holds_the_stored_fields_and_the_summary():
    doc = orjson.loads(history_json("agreement", AGREEMENT, ROWS))
    assert doc["aggregate_id"] == AGREEMENT and len(doc["events"]) == 4
    first = doc["events"][0]
    assert first["seq"] == 11 and first["hash"] == "ab" * 32 and first["causation_id"] is None
    assert first["data"]["number"] == "PKS/1" and first["summary"].startswith("PKS/1")


def test_unknown_or_malformed_events_are_shown_not_hidden():
    odd = history_row(5, {**event(1, "AgreementSuspended", {"until": "2026"}, "x")})
    assert odd["summary"] == '{"until":"2026"}'
    malformed = history_row(6, None)
    assert malformed["type"] == "?" and "not a JSON object" in malformed["summary"]
    assert "AgreementSuspended" in history_text("agreement", AGREEMENT, [odd, malformed])


def test_stored_text_cannot_drive_the_terminal():
    assert printable("a\x1b[2Jb\tc") == "a\\x1b[2Jb\\tc"
    row = history_row(1, event(1, "AgreementTerminated", {
        "terminated_on": "2025-07-08", "reason": "x\x1b[31mred"}, "officer:x:\x07"))
    text = history_text("agreement", AGREEMENT, [row])
    assert "\x1b" not in text and "\x07" not in text and "\\x1b[31mred" in text


def test_summaries_cover_every_registered_type_and_every_attendance_status():
    assert set(SUMMARIES) == set(EVENT_AGGREGATES)
    assert sorted(MARK_ORDER) == sorted(choices(EventMark, "status"))


def test_session_summaries_say_what_did_not_happen_and_how_marks_complied():
    assert SUMMARIES["SessionNotHeld"]({
        "program_id": "p", "planned_for": "2025-03-17T09:00:00+07:00",
        "reason": "security_lockdown", "note": None}) == (
        "planned for 2025-03-17T09:00:00+07:00, program p; reason: security_lockdown")
    held = SUMMARIES["SessionHeld"]({
        "activity": "counseling", "topic": "t", "held_at": "h", "duration_minutes": 60,
        "program_id": "p", "makeup_for": "s2",
        "attendance": [{"participant_id": "a", "status": "present", "compliance": "partial"},
                       {"participant_id": "b", "status": "absent"}]})
    assert held.endswith("1 present, 0 late, 1 absent, 0 excused; compliance 1 partial; "
                         "makeup_for: s2")
    assert SUMMARIES["AttendanceCorrected"]({
        "participant_id": "a", "status": "late", "compliance": None, "reason": "typo"}) == (
        "participant a now late; reason: typo")
