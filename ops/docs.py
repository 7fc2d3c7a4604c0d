"""The integrators' documents, generated from the code: `docs/asyncapi.json` (every command and
event subject on NATS, by FastStream) and `docs/openapi.json` (the HTTP reports, by FastAPI).

`make docs` (`python -m ops.docs`) writes both; `--check` only compares. They are committed,
and tests/unit/test_docs_current.py fails when they differ from what the code generates. Output
is deterministic (sorted keys, two-space indent) so a diff is always a real change.

The AsyncAPI document comes from a documentation-only broker (ops/docbroker.py). FastStream
has no request/reply in its AsyncAPI 3 output yet, so each reply is documented there as a
publisher and then folded here into its command's operation as an AsyncAPI `reply`, on an
address-less channel (the requester's inbox). Every message gets real examples
(ops/examples.py); the servers, credentials, stream and a subscriber to copy come from
ops/docguide.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from pathlib import Path
from typing import Any, get_args

from faststream.specification import AsyncAPI
from pydantic import BaseModel

from ops.docbroker import doc_broker
from ops.docguide import finish
from ops.examples import attach as attach_examples
from shared.replies import (  # noqa: F401 (CommandAccepted, CommandRejected: the documented replies)
    CommandAccepted,
    CommandRejected,
    CommandReply,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
PARAMETERS = {
    "prison_id": "The prison's slug, e.g. `lapas-banyuwangi`. Subscribe with `*` for all.",
    "aggregate_id": "The aggregate's id (lowercase UUID). Subscribe with `*` for all.",
}
DESCRIPTION = """Commands (request/reply) and events (the JetStream stream `PULIH_EVENTS`) of Pulih,
as in shared/CONTRACT.md. A command's reply is always JSON: `{ok: true, ...}` or `{ok: false,
error: {code, message, details}}`. Each event carries the header `Nats-Msg-Id` (its `event_id`);
`hash` is the SHA-256 of the canonical JSON of the envelope without `hash`, and `prev_hash` chains
an aggregate's events. An event type may exist in several `schema_version`s: old events are
never rewritten, so a reader of the log upcasts them to the current version (Pulih's own
readers do, see shared/contract/upcasting.py).

Each command's description says which event it writes and the gist of its rules: a broken rule
is answered `rule`, an aggregate that does not exist in the prison `not_found`, a malformed or
unknown field `invalid` (its `details` name the fields). A given `occurred_at` falls on the
command's date in WIB (UTC+7) and is not in the future."""


# --- what is documented ----------------------------------------------------------------------

def command_tables() -> dict[str, dict[str, type[BaseModel]]]:
    """service -> {command name: data model}, from the command tables the routers are built
    from, so a command added to a service is documented without touching this file."""
    from services.agreements.handlers import COMMANDS as AGREEMENT_COMMANDS
    from services.agreements.main import SERVICE as AGREEMENTS
    from services.attendance.handlers import COMMANDS as ATTENDANCE_COMMANDS
    from services.attendance.main import SERVICE as ATTENDANCE
    from services.programs.handlers import COMMANDS as PROGRAM_COMMANDS
    from services.programs.main import SERVICE as PROGRAMS

    return {AGREEMENTS: AGREEMENT_COMMANDS, PROGRAMS: PROGRAM_COMMANDS,
            ATTENDANCE: ATTENDANCE_COMMANDS}


# --- the documents ----------------------------------------------------------------------------

def asyncapi() -> dict[str, Any]:
    roots: list[Any] = []
    broker = doc_broker(command_tables(), CommandReply, roots)
    _check_unique_names(roots)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastStream warns when it overwrites a schema: refuse
        spec = AsyncAPI(broker, title="Pulih commands and events", version="1",
                        description=DESCRIPTION).to_specification()
    doc = spec.to_jsonable()
    _fold_replies(doc)
    for channel in doc["channels"].values():
        names = [p.split("}")[0] for p in (channel.get("address") or "").split("{")[1:]]
        if names:
            channel["parameters"] = {n: {"description": PARAMETERS[n]} for n in names}
    for key, message in doc["components"]["messages"].items():
        if key.startswith("events."):  # the envelope carries the correlation; the header the id
            message["correlationId"] = {"location": "$message.payload#/correlation_id"}
            message["headers"] = {"type": "object", "required": ["Nats-Msg-Id"], "properties": {
                "Nats-Msg-Id": {"type": "string", "description": "The event_id."}}}
    attach_examples(doc)
    finish(doc)
    return doc


def _fold_replies(doc: dict[str, Any]) -> None:
    """Each `{command}.reply` publisher becomes its command's AsyncAPI 3 `reply`: sent to the
    requester's inbox, so its channel has no address."""
    for key in [k for k in doc["operations"] if k.endswith(".reply")]:
        sent = doc["operations"].pop(key)
        channel = doc["channels"][key]
        channel["address"] = None
        channel.pop("bindings", None)
        channel["description"] = "The reply, on the requester's inbox (NATS request/reply)."
        doc["operations"][key.removesuffix(".reply")]["reply"] = {
            "channel": sent["channel"], "messages": sent["messages"]}


def _check_unique_names(roots: list[Any]) -> None:
    """FastStream keeps one schema per name and pydantic names schemas by class name: two
    models with one name would silently lose one of them, so refuse."""
    seen: dict[str, type[BaseModel]] = {}
    todo = _models(*roots)
    while todo:
        model = todo.pop()
        if seen.setdefault(model.__name__, model) is not model:
            raise ValueError(f"two documented models are named {model.__name__}: "
                             f"{model.__module__} and {seen[model.__name__].__module__}")
        for info in model.model_fields.values():
            todo += [m for m in _models(info.annotation) if seen.get(m.__name__) is not m]


def _models(*annotations: Any) -> list[type[BaseModel]]:
    found = []
    for annotation in annotations:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.append(annotation)
        else:
            found += _models(*get_args(annotation))
    return found


def openapi() -> dict[str, Any]:
    from services.reporting.http.app import ReportingDeps, create_app

    async def unused(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("documentation only")

    deps = ReportingDeps(**{f.name: unused for f in dataclasses.fields(ReportingDeps)})
    return create_app(deps).openapi()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[str, str]:
    """File name -> content, as committed under docs/."""
    return {"asyncapi.json": render(asyncapi()), "openapi.json": render(openapi())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.docs", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare with the committed files; exit 1 when they differ")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    stale = []
    for name, text in documents().items():
        path = args.out / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "out of date (run `make docs`)" if args.check else "written"
    sys.stdout.write("".join(f"{args.out / n}: {verb}\n" for n in stale) or "docs up to date\n")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
