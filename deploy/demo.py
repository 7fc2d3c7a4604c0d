"""The Banyuwangi demo scenario, sent through the public command contract like any client.

From the seed reports (shared/seeds): Lapas Kelas IIA Banyuwangi and IPWL LRPPN-BI signed on
22 Feb 2025; Yayasan Gennesa first signed on 5 Jan 2023, extended on 19 Feb 2025 and re-signed on
8 Jul 2025 under a new prison head. Numbers and end dates the reports do not give are invented.
Command ids are derived from a fixed namespace, so loading twice writes nothing twice.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import structlog
from nats.aio.client import Client

from shared.bus import command_subject
from shared.envelope import STREAM
from shared.runtime import Runtime

log = structlog.get_logger(__name__)
PRISON = "lapas-banyuwangi"
NS = uuid.UUID("3c0d8f4e-2a71-5b9e-8c3d-64656d6f2121")
ACTOR = "officer:lapas-banyuwangi:demo"


def demo_id(name: str) -> str:
    return str(uuid.uuid5(NS, name))


PRISON_HEAD = {"name": "Mochamad Mukaffi", "title": "Kepala Lapas Kelas IIA Banyuwangi",
               "party": "prison"}
LRPPN = demo_id("agreement/lrppn-bi-2025")
GENNESA_2023 = demo_id("agreement/gennesa-2023")
GENNESA_2025 = demo_id("agreement/gennesa-2025")


def _agreement_commands() -> list[tuple[str, str, dict[str, Any]]]:
    gennesa = {"id": "yayasan-gennesa", "name": "Yayasan Gendhog Nemu Sariro (Gennesa)",
               "kind": "foundation"}
    gennesa_head = {"name": "Tutik Handayani", "title": "Ketua Yayasan Gennesa",
                    "party": "partner"}
    return [
        ("agreements", "SignAgreement", {
            "agreement_id": LRPPN, "number": "PKS/LPB/2025/II/022",
            "title": "Rehabilitasi sosial warga binaan kasus penyalahgunaan narkotika",
            "partner": {"id": "ipwl-lrppn-bi-banyuwangi",
                        "name": "IPWL LRPPN Bhayangkara Indonesia Banyuwangi", "kind": "ipwl"},
            "services": ["mental_guidance", "social_guidance", "skills_training", "counseling"],
            "signed_on": "2025-02-22", "effective_from": "2025-02-22",
            "effective_until": "2027-02-21",
            "signatories": [PRISON_HEAD, {"name": "Mohammad Hiksan",
                                          "title": "Ketua DPD LRPPN-BI Banyuwangi",
                                          "party": "partner"}],
            "renews": None, "committed_sessions_per_month": 4}),
        ("agreements", "SignAgreement", {
            "agreement_id": GENNESA_2023, "number": "PKS/LPB/2023/I/005",
            "title": "Rehabilitasi sosial bagi warga binaan perkara narkoba",
            "partner": gennesa, "services": ["counseling", "skills_training",
                                             "mental_guidance", "spiritual_guidance"],
            "signed_on": "2023-01-05", "effective_from": "2023-01-05",
            "effective_until": "2025-03-31",
            "signatories": [{"name": "Kepala Lapas Banyuwangi (2023)",
                             "title": "Kepala Lapas Kelas IIA Banyuwangi", "party": "prison"},
                            gennesa_head],
            "renews": None, "committed_sessions_per_month": 4}),
        ("agreements", "ExtendAgreement", {
            "agreement_id": GENNESA_2023, "signed_on": "2025-02-19",
            "effective_until": "2025-12-31", "signatories": [PRISON_HEAD, gennesa_head],
            "note": "Perpanjangan perjanjian kerja sama rehabilitasi sosial"}),
        ("agreements", "SignAgreement", {
            "agreement_id": GENNESA_2025, "number": "PKS/LPB/2025/VII/008",
            "title": "Rehabilitasi sosial bagi warga binaan perkara narkoba",
            "partner": gennesa, "services": ["counseling", "skills_training",
                                             "mental_guidance", "spiritual_guidance"],
            "signed_on": "2025-07-08", "effective_from": "2025-07-08",
            "effective_until": "2027-07-07",
            "signatories": [{"name": "Kepala Lapas Banyuwangi (2025)",
                             "title": "Kepala Lapas Kelas IIA Banyuwangi", "party": "prison"},
                            gennesa_head],
            "renews": GENNESA_2023, "committed_sessions_per_month": 4}),
        ("agreements", "TerminateAgreement", {
            "agreement_id": GENNESA_2023, "terminated_on": "2025-07-08",
            "reason": "Digantikan oleh perjanjian yang ditandatangani ulang 8 Juli 2025"}),
    ]


async def send(nc: Client, service: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    command_id = demo_id(f"{name}/{orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()}")
    body = {"command_id": command_id, "actor": ACTOR, "expected_version": None, "data": data}
    reply = await nc.request(command_subject(PRISON, service, name), orjson.dumps(body),
                             timeout=10)
    result = orjson.loads(reply.data)
    if not result["ok"]:
        raise RuntimeError(f"demo command {name} refused: {result['error']}")
    return result


def scenario() -> list[tuple[str, str, dict[str, Any]]]:
    return _agreement_commands()


async def load_demo(rt: Runtime) -> None:
    info = await rt.nc.jetstream().stream_info(STREAM)
    if info.state.messages:
        log.info("demo_skipped", reason="the log is not empty", messages=info.state.messages)
        return
    for service, name, data in scenario():
        await send(rt.nc, service, name, data)
    log.info("demo_loaded", commands=len(scenario()))
