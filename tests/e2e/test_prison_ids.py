"""One prison can never change another prison's reports by reusing its ids (contract v2,
Identifiers): through the whole stack, prison B reuses every id of prison A's history.

- Through the commands: a create with A's agreement, program or session id is refused
  (`rule`) and writes nothing; A's participant ids are B's own aggregates (the same person's
  stay in B), and B's releases of them do not enter A's recidivism.
- Through the log itself, as an offline prison (or a log older than that refusal) leaves it:
  B's events on A's ids are B's rows; A's reports stay exactly as they were, and the reports
  addressing one id ask which prison is meant.
"""

import uuid
from collections import defaultdict

from shared.envelope import CommandMeta, NewEvent, StreamId, date_instant
from tests.e2e.helpers import (
    agreement,
    enrol,
    holding,
    last_seq,
    launching,
    ok,
    program,
    refused,
    registering,
    signing,
    uid,
)
from tests.e2e.test_evaluation_e2e import TO, first_prison


async def ids_of(stack, prison) -> dict[str, list[str]]:
    """A prison's aggregate ids by type, from the log, in order of creation."""
    found: dict[str, list[str]] = defaultdict(list)
    for record in await stack.rt.ctx.store.read(prison):
        ids = found[record.envelope["aggregate_type"]]
        if record.envelope["aggregate_id"] not in ids:
            ids.append(record.envelope["aggregate_id"])
    return found


async def reports_of(stack, prison, program_id, ids) -> dict:
    """Every report that shows prison A: what must not move."""
    async def get(path, **params):
        response = await stack.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    regional = (await get("/regional", to=TO))["items"]
    return {
        "agreements": await get("/agreements", prison_id=prison),
        "program": await get(f"/programs/{program_id}", prison_id=prison),
        "evaluation": await get("/evaluation", prison_id=prison, to=TO),
        "regional": [r for r in regional if r["prison_id"] == prison],
        "audit": [await get(f"/audit/{kind}/{i}", prison_id=prison)
                  for kind, some in sorted(ids.items()) for i in some],
    }


async def prison_a(stack):
    prison = f"lapas-a-{uuid.uuid4().hex[:8]}"
    program_id = await first_prison(stack, prison)
    ids = await ids_of(stack, prison)
    await stack.caught_up(await last_seq(stack))
    return prison, program_id, ids, await reports_of(stack, prison, program_id, ids)


async def test_creates_with_another_prisons_ids_are_refused(stack):
    a, program_a, ids, before = await prison_a(stack)
    b = f"lapas-b-{uuid.uuid4().hex[:8]}"
    program_b = await program(stack, b)
    cohort_b = [await enrol(stack, b, program_b)]
    own_agreement = await agreement(stack, b)
    seq = await last_seq(stack)
    refused(await stack.command(b, "agreements", "SignAgreement",
                                signing(ids["agreement"][0])), "rule", "data.agreement_id")
    refused(await stack.command(b, "programs", "LaunchProgram",
                                launching(program_a, own_agreement)), "rule", "data.program_id")
    session_a = ids["session"][0]
    refused(await stack.command(b, "attendance", "ScheduleSession", {
        "session_id": session_a, "program_id": program_b, "activity": "counseling",
        "scheduled_for": "2025-06-09T09:00:00+07:00", "topic": "x", "facilitators": []}),
        "rule", "data.session_id")
    refused(await stack.command(b, "attendance", "HoldSession",
                                holding(session_a, program_b, cohort_b)), "rule", "data.session_id")
    assert await last_seq(stack) == seq  # nothing written

    # The same person in B: registered, released there (after A's release, not a return).
    person = ids["participant"][1]  # active in A's program, never released in A
    ok(await stack.command(b, "programs", "RegisterParticipant", registering(person)), 1)
    ok(await stack.command(b, "programs", "RecordRelease", {
        "participant_id": person, "released_on": "2025-03-05", "release_type": "parole"}), 2)
    await stack.caught_up(await last_seq(stack))
    assert await reports_of(stack, a, program_a, ids) == before


async def parked_now(stack) -> dict[str, int]:
    health = (await stack.http.get("/health")).json()
    return {name: p["parked"] for name, p in health["projections"].items()}


async def offline(stack, prison, aggregate_type, aggregate_id, *events) -> None:
    """Events straight into the log, one command each, as an offline prison's sync (or a log
    written before creates were refused) leaves them: the commands' refusal is not in the way."""
    store, stream = stack.rt.ctx.store, StreamId(prison, aggregate_type, aggregate_id)
    for kind, data, day in events:
        command_id = uid()
        await store.append(await store.load(stream), [NewEvent(kind, data, date_instant(day))],
                           CommandMeta(command_id, f"officer:{prison}:rina", command_id))


async def test_another_prisons_events_on_the_same_ids_leave_its_reports_alone(stack):
    a, program_a, ids, before = await prison_a(stack)
    parked = await parked_now(stack)
    b = f"lapas-b-{uuid.uuid4().hex[:8]}"
    agreement_a, session_a = ids["agreement"][0], ids["session"][0]
    p1, p2 = ids["participant"][:2]
    signed = {k: v for k, v in signing(agreement_a).items() if k != "agreement_id"}
    await offline(stack, b, "agreement", agreement_a, ("AgreementSigned", signed, "2025-01-15"),
                  ("AgreementTerminated", {"terminated_on": "2025-02-01", "reason": "x"},
                   "2025-02-01"))
    launched = {k: v for k, v in launching(program_a, agreement_a).items() if k != "program_id"}
    await offline(stack, b, "program", program_a, ("ProgramLaunched", launched, "2025-03-01"),
                  ("ParticipantEnrolled", {"participant_id": p2, "enrolled_on": "2025-03-03"},
                   "2025-03-03"),
                  ("ParticipantWithdrawn", {"participant_id": p2, "withdrawn_on": "2025-03-04",
                                            "reason": "released", "note": None}, "2025-03-04"),
                  ("ProgramClosed", {"closed_on": "2025-03-05"}, "2025-03-05"))
    held = {k: v for k, v in holding(session_a, program_a, [(p2, "absent")]).items()
            if k != "session_id"}
    await offline(stack, b, "session", session_a, ("SessionHeld", held, "2025-03-10"))
    for person in (p1, p2):
        await offline(stack, b, "participant", person,
                      ("ParticipantRegistered", registering(person), "2025-01-10"),
                      ("ParticipantReleased", {"released_on": "2025-03-04",
                                               "release_type": "parole"}, "2025-03-04"))
    await stack.caught_up(await last_seq(stack))

    assert await reports_of(stack, a, program_a, ids) == before
    assert await parked_now(stack) == parked  # B's events are applied, as B's rows
    # B's rows are B's: its program of the same id, its terminated agreement.
    of_b = (await stack.http.get(f"/programs/{program_a}", params={"prison_id": b})).json()
    assert (of_b["prison_id"], of_b["status"], of_b["enrolled"], of_b["withdrawn"],
            of_b["sessions_held"], of_b["attendance_rate"]) == (b, "closed", 1, 1, 1, 0.0)
    (mine,) = (await stack.http.get("/agreements", params={"prison_id": b})).json()["items"]
    assert (mine["agreement_id"], mine["status"]) == (agreement_a, "terminated")
    # One id, two prisons, no prison named: 400 `invalid` on prison_id.
    for path in (f"/programs/{program_a}", f"/audit/agreement/{agreement_a}",
                 f"/audit/participant/{p1}"):
        response = await stack.http.get(path)
        assert response.status_code == 400, response.text
        assert [d["field"] for d in response.json()["error"]["details"]] == ["prison_id"]
    unknown = await stack.http.get(f"/programs/{program_a}", params={"prison_id": "lapas-x1"})
    assert unknown.status_code == 404
