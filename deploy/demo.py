"""The Banyuwangi demo scenario, sent through the public command contract like any client.

`pulih up --demo` loads the demo region (`deploy.demo_region`: Kanwil Jawa Timur, four
prisons), of which this scenario is Lapas Banyuwangi's seed part; the tests also load this
scenario alone into prisons of their own.

From the seed reports (shared/seeds): Lapas Kelas IIA Banyuwangi and IPWL LRPPN-BI signed on
22 Feb 2025; Yayasan Gennesa first signed on 5 Jan 2023, extended on 19 Feb 2025 and re-signed on
8 Jul 2025 under a new prison head; the 2025 Gennesa cohort (`deploy.demo_cohort`) ran from
14 Jul to 8 Dec 2025. Numbers and end dates the reports do not give are invented.

Every id, command ids included, is derived from a fixed namespace and the prison, so loading
twice writes nothing twice and the same scenario can be loaded into several prisons (the tests
do) without their aggregates colliding.

The commands are sent in order, in small concurrent groups: a group holds consecutive commands
that neither write the same aggregate nor read one another's (see `batches`).
"""

from __future__ import annotations

import asyncio
import uuid
from functools import partial
from typing import Any

import orjson
import structlog
from nats.aio.client import Client

from deploy.demo_cohort import PROGRAM_KEY, cohort_commands
from shared.bus import command_subject
from shared.envelope import STREAM
from shared.runtime import Runtime

log = structlog.get_logger(__name__)
PRISON = "lapas-banyuwangi"
# The prisons `pulih up --demo` loads (the demo region, `deploy.demo_region`), and so the
# embedded server's identities: an officer `demo` in each.
PRISONS = (PRISON, "lapas-jember", "lapas-narkotika-pamekasan", "lapas-probolinggo")
DEMO_OFFICER = "demo"  # the officer the demo's commands come from, in each prison
NS = uuid.UUID("3c0d8f4e-2a71-5b9e-8c3d-64656d6f2121")
Command = tuple[str, str, dict[str, Any]]
BATCH_SIZE = 16
TRIES = 5


def demo_id(name: str, prison: str = PRISON) -> str:
    """The id of `name` in `prison`. Banyuwangi's ids keep the form they had before the prison
    became a parameter, so a log loaded by an older version is still recognised."""
    return str(uuid.uuid5(NS, name if prison == PRISON else f"{prison}/{name}"))


def actor(prison: str = PRISON) -> str:
    return f"officer:{prison}:{DEMO_OFFICER}"


def program_id(prison: str = PRISON) -> str:
    """The demo cohort's program id in `prison`."""
    return demo_id(PROGRAM_KEY, prison)


PRISON_HEAD = {"name": "Mochamad Mukaffi", "title": "Kepala Lapas Kelas IIA Banyuwangi",
               "party": "prison"}
LRPPN = demo_id("agreement/lrppn-bi-2025")
GENNESA_2023 = demo_id("agreement/gennesa-2023")
GENNESA_2025 = demo_id("agreement/gennesa-2025")


def _agreement_commands(prison: str) -> list[Command]:
    lrppn, gennesa_2023, gennesa_2025 = (demo_id(f"agreement/{key}", prison) for key in (
        "lrppn-bi-2025", "gennesa-2023", "gennesa-2025"))
    gennesa = {"id": "yayasan-gennesa", "name": "Yayasan Gendhog Nemu Sariro (Gennesa)",
               "kind": "foundation"}
    gennesa_head = {"name": "Tutik Handayani", "title": "Ketua Yayasan Gennesa",
                    "party": "partner"}
    return [
        ("agreements", "SignAgreement", {
            "agreement_id": lrppn, "number": "PKS/LPB/2025/II/022",
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
            "agreement_id": gennesa_2023, "number": "PKS/LPB/2023/I/005",
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
            "agreement_id": gennesa_2023, "signed_on": "2025-02-19",
            "effective_until": "2025-12-31", "signatories": [PRISON_HEAD, gennesa_head],
            "note": "Perpanjangan perjanjian kerja sama rehabilitasi sosial"}),
        ("agreements", "SignAgreement", {
            "agreement_id": gennesa_2025, "number": "PKS/LPB/2025/VII/008",
            "title": "Rehabilitasi sosial bagi warga binaan perkara narkoba",
            "partner": gennesa, "services": ["counseling", "skills_training",
                                             "mental_guidance", "spiritual_guidance"],
            "signed_on": "2025-07-08", "effective_from": "2025-07-08",
            "effective_until": "2027-07-07",
            "signatories": [{"name": "Kepala Lapas Banyuwangi (2025)",
                             "title": "Kepala Lapas Kelas IIA Banyuwangi", "party": "prison"},
                            gennesa_head],
            "renews": gennesa_2023, "committed_sessions_per_month": 4}),
        ("agreements", "TerminateAgreement", {
            "agreement_id": gennesa_2023, "terminated_on": "2025-07-08",
            "reason": "Digantikan oleh perjanjian yang ditandatangani ulang 8 Juli 2025"}),
    ]


async def send(nc: Client, service: str, name: str, data: dict[str, Any],
               prison: str = PRISON, sender: str | None = None) -> dict[str, Any]:
    """One demo command; its id is derived from its content, so a resend is a no-op retry.
    `unavailable` (a dependency is down) is retried, as the contract says is safe."""
    command_id = demo_id(f"{name}/{orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()}",
                         prison)
    body = {"command_id": command_id, "actor": sender or actor(prison), "expected_version": None,
            "data": data}
    for attempt in range(1, TRIES + 1):
        reply = await nc.request(command_subject(prison, service, name), orjson.dumps(body),
                                 timeout=10)
        result = orjson.loads(reply.data)
        if result["ok"] or result["error"]["code"] != "unavailable" or attempt == TRIES:
            break
        await asyncio.sleep(0.2 * attempt)
    if not result["ok"]:
        raise RuntimeError(f"demo command {name} refused: {result['error']}")
    return result


def scenario(prison: str = PRISON) -> list[Command]:
    """Every demo command for `prison`, in the order they are sent."""
    ident = partial(demo_id, prison=prison)
    return [*_agreement_commands(prison),
            *cohort_commands(ident, ident("agreement/gennesa-2025"))]


# The field naming the aggregate each command writes; the other id fields are aggregates it reads.
PROGRAM_COMMANDS = {"LaunchProgram", "EnrollParticipant", "WithdrawParticipant",
                    "CompleteParticipant", "CloseProgram", "AdvancePhase"}
PRISON_COMMANDS = {"AssignKanwil", "SetQuota"}  # a region's, on the prison's own aggregate
ID_FIELDS = ("agreement_id", "program_id", "participant_id", "session_id", "renews",
             "makeup_for")


def _own_field(service: str, name: str) -> str | None:
    if service == "agreements":
        return "agreement_id"
    if service == "attendance":
        return "session_id"
    if name in PRISON_COMMANDS:
        return None
    return "program_id" if name in PROGRAM_COMMANDS else "participant_id"


def batches(commands: list[Command], size: int = BATCH_SIZE) -> list[list[Command]]:
    """Split `commands` into consecutive groups that can be sent concurrently: within a group no
    two commands write the same aggregate (that would be a `conflict`) and none reads an
    aggregate another one writes (an enrolment needs its participant registered first)."""
    groups: list[list[Command]] = []
    writes: set[str] = set()
    reads: set[str] = set()
    for service, name, data in commands:
        own = _own_field(service, name)
        write = "prison" if own is None else data[own]
        read = {data[f] for f in ID_FIELDS if f != own and data.get(f)}
        if (not groups or len(groups[-1]) >= size or write in writes | reads
                or read & writes):
            groups.append([])
            writes, reads = set(), set()
        groups[-1].append((service, name, data))
        writes.add(write)
        reads |= read
    return groups


async def run_scenario(nc: Client, prison: str = PRISON) -> list[dict[str, Any]]:
    """Send the whole scenario for `prison`; the replies, in `scenario` order."""
    replies: list[dict[str, Any]] = []
    for group in batches(scenario(prison)):
        replies += await asyncio.gather(*(send(nc, service, name, data, prison)
                                          for service, name, data in group))
    return replies


async def load_demo(rt: Runtime) -> None:
    """`pulih up --demo`: the demo region (deploy/demo_region), into an empty log only."""
    info = await rt.nc.jetstream().stream_info(STREAM)
    if info.state.messages:
        log.info("demo_skipped", reason="the log is not empty", messages=info.state.messages)
        return
    from deploy.demo_region.load import load_region

    await load_region(rt.nc, rt.nats_url, rt.settings.nats_credentials)
