"""A poison event in the live log is parked, counted in /health, and the reports go on."""

import uuid

import orjson

from tests.e2e.test_agreements_e2e import signing


async def test_poison_is_parked_and_shown_in_health(stack, prison_id):
    before = (await stack.http.get("/health")).json()["projections"]
    js = stack.nc.jetstream()
    subject = f"pulih.events.{prison_id}.program.{uuid.uuid4()}"
    await js.publish(f"{subject}.ProgramLaunched", b"{not json")
    odd = {"type": "ProgramRenamed", "schema_version": 1, "prison_id": prison_id,
           "aggregate_type": "program", "aggregate_id": str(uuid.uuid4()),
           "aggregate_version": 1, "data": {}}
    poison = await js.publish(f"{subject}.ProgramRenamed", orjson.dumps(odd))
    agreement = str(uuid.uuid4())
    reply = await stack.command(prison_id, "agreements", "SignAgreement", signing(agreement))
    await stack.caught_up(reply["events"][0]["seq"])
    after = (await stack.http.get("/health")).json()["projections"]
    assert reply["events"][0]["seq"] > poison.seq
    assert after["programs"]["parked"] == before["programs"]["parked"] + 2
    assert after["agreements"]["parked"] == before["agreements"]["parked"] + 1  # the bad body
    items = (await stack.http.get("/agreements", params={"prison_id": prison_id})).json()
    assert [i["agreement_id"] for i in items["items"]] == [agreement]
