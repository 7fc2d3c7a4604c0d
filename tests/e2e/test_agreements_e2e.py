"""A command over NATS → the event on the stream → the row in /agreements."""

import uuid

import orjson

from shared.envelope import ENVELOPE_FIELDS, STREAM, compute_hash, event_id


def signing(agreement_id, **over):
    return {
        "agreement_id": agreement_id, "number": "PKS/LPB/2025/II/022",
        "title": "Rehabilitasi sosial warga binaan",
        "partner": {"id": "ipwl-lrppn-bi-banyuwangi", "name": "IPWL LRPPN-BI Banyuwangi",
                    "kind": "ipwl"},
        "services": ["mental_guidance", "social_guidance", "skills_training"],
        "signed_on": "2025-02-22", "effective_from": "2025-02-22",
        "effective_until": "2035-02-21",
        "signatories": [{"name": "Mochamad Mukaffi", "title": "Kalapas", "party": "prison"},
                        {"name": "Mohammad Hiksan", "title": "Ketua", "party": "partner"}],
        "renews": None, "committed_sessions_per_month": 4, **over}


async def test_sign_agreement_end_to_end(stack, prison_id):
    agreement_id, command_id = str(uuid.uuid4()), str(uuid.uuid4())
    reply = await stack.command(prison_id, "agreements", "SignAgreement", signing(agreement_id),
                                command_id=command_id)
    assert reply["ok"] is True, reply
    assert reply["aggregate_id"] == agreement_id and reply["aggregate_version"] == 1
    (written,) = reply["events"]
    assert written["type"] == "AgreementSigned"
    assert written["event_id"] == event_id(command_id, 0)

    message = await stack.nc.jetstream().get_msg(STREAM, written["seq"])
    assert message.subject == f"pulih.events.{prison_id}.agreement.{agreement_id}.AgreementSigned"
    assert message.headers["Nats-Msg-Id"] == written["event_id"]
    envelope = orjson.loads(message.data)
    assert set(envelope) == set(ENVELOPE_FIELDS)
    assert envelope["hash"] == compute_hash(envelope) and envelope["prev_hash"] == ""
    assert (envelope["prison_id"], envelope["aggregate_type"], envelope["aggregate_version"]) == (
        prison_id, "agreement", 1)
    assert envelope["command_id"] == command_id and envelope["causation_id"] is None
    assert envelope["occurred_at"].startswith("2025-02-22T00:00:00+07:00")
    assert "agreement_id" not in envelope["data"]

    await stack.caught_up(written["seq"])
    items = (await stack.http.get("/agreements", params={"prison_id": prison_id})).json()["items"]
    assert [i["agreement_id"] for i in items] == [agreement_id]
    assert items[0]["status"] == "active" and items[0]["extensions"] == 0
    assert items[0]["partner_id"] == "ipwl-lrppn-bi-banyuwangi"


async def test_extension_shows_in_the_report_and_the_audit_trail(stack, prison_id):
    agreement_id = str(uuid.uuid4())
    await stack.command(prison_id, "agreements", "SignAgreement",
                        signing(agreement_id, effective_until="2025-12-31"))
    extended = await stack.command(prison_id, "agreements", "ExtendAgreement", {
        "agreement_id": agreement_id, "signed_on": "2025-06-01",
        "effective_until": "2040-12-31", "signatories": signing(agreement_id)["signatories"],
        "note": "perpanjangan"}, expected_version=1)
    assert extended["ok"] and extended["aggregate_version"] == 2
    await stack.caught_up(extended["events"][0]["seq"])
    (item,) = (await stack.http.get("/agreements", params={"prison_id": prison_id})).json()[
        "items"]
    assert item["effective_until"] == "2040-12-31" and item["extensions"] == 1
    trail = (await stack.http.get(f"/audit/agreement/{agreement_id}")).json()["events"]
    assert [e["type"] for e in trail] == ["AgreementSigned", "AgreementExtended"]
    assert trail[1]["prev_hash"] == trail[0]["hash"]
    csv = await stack.http.get("/agreements", params={"prison_id": prison_id, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("agreement_id,prison_id,partner_id")
    assert agreement_id in csv.text


async def test_rejections_write_nothing(stack, prison_id):
    before = (await stack.nc.jetstream().stream_info("PULIH_EVENTS")).state.last_seq
    bad = await stack.command(prison_id, "agreements", "SignAgreement",
                              signing(str(uuid.uuid4()), effective_until="2024-01-01"))
    assert bad["ok"] is False and bad["error"]["code"] == "rule"
    raw = await stack.nc.request(f"pulih.commands.{prison_id}.agreements.SignAgreement",
                                 b"{not json", timeout=5)
    assert orjson.loads(raw.data)["error"]["code"] == "invalid"
    missing = await stack.command(prison_id, "agreements", "TerminateAgreement", {
        "agreement_id": str(uuid.uuid4()), "terminated_on": "2025-03-01", "reason": "x"})
    assert missing["error"]["code"] == "not_found"
    after = (await stack.nc.jetstream().stream_info("PULIH_EVENTS")).state.last_seq
    assert after == before
    unknown = await stack.http.get(f"/audit/agreement/{uuid.uuid4()}")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
