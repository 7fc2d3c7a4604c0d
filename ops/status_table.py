"""`pulih status`'s table: one row per server, the stream, each projection and the sites,
under one header, plain text (no colours, no box drawing: it reads the same in a pipe)."""

from __future__ import annotations

from typing import Any

COLUMNS = ("WHAT", "STATE", "MESSAGES", "BYTES", "FIRST_SEQ", "LAST_SEQ", "LAG", "PARKED",
           "DETAIL")


def rows(report: dict[str, Any]) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, server in report["servers"].items():
        state = "up" if server["reachable"] else "none" if server["url"] is None else "DOWN"
        detail = f"{server['url']} ({server['how']})" if server["url"] else ""
        if server["error"]:
            detail = f"{detail} {server['error']}".strip()
        found.append((f"server {name}", state, "", "", "", "", "", "", detail))
    stream = report["stream"]
    if stream is None:
        found.append(("stream", "unknown", "", "", "", "", "", "", "NATS unreachable"))
    else:
        found.append((f"stream {stream['name']}", "ok" if stream["exists"] else "absent",
                      *(str(stream[k]) for k in ("messages", "bytes", "first_seq",
                                                 "last_seq")),
                      "", "", "" if stream["exists"] else "no event written yet"))
    for name, p in report["projections"].items():
        found.append((f"projection {name}", _state(p, report["problem"]), "", "", "",
                      *(_figure(p[k]) for k in ("last_seq", "lag", "parked")),
                      f"read-model {report['schema']}"))
    if report["problem"]:
        found.append(("problem", "BROKEN", "", "", "", "", "", "", report["problem"]))
    # Per-site catch-up goes here once sites exist; until then `sites` is always empty.
    found.append(("sites", "none", "", "", "", "", "", "", "one site: no per-site catch-up "
                  "to show"))
    return found


def render(report: dict[str, Any]) -> str:
    table = [COLUMNS, *rows(report)]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in table]
    return "\n".join(lines) + "\n"


def _state(p: dict[str, Any], problem: str | None) -> str:
    if p["last_seq"] is None or p["lag"] is None:
        return "unknown"
    if problem:
        return "BROKEN"
    if p["parked"]:
        return "parked"
    return "behind" if p["lag"] else "current"


def _figure(value: int | None) -> str:
    return "?" if value is None else str(value)
