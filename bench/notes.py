"""The notes under the table: how each figure was measured and what it is compared with."""

NOTES = [
    "Services run as four processes (`python -m ops.cli run NAME`) on the bench's own "
    "nats-server and PostgreSQL; the bench's clients are a fifth process. All on 2 cores.",
    "Commands: closed-loop clients, each sending its next command on the previous reply; mix "
    "≈ 44% ScheduleSession, 47% HoldSession (20 attendance marks each), 5% CorrectAttendance, "
    "5% RecordAssessment over 24 programs in 3 prisons. Every reply must be ok.",
    "The 1-client ceiling is a publish awaiting each ack; the 32-client one the best "
    "pipelined publish. Rebuild: every projection from sequence 1 into a fresh schema, "
    "what `pulih replay --projection all` does before its swap.",
    "Live lag: one HoldSession at a time on a probe program, polling /evaluation every 5 ms, "
    "while a pacer appends synthetic events (sessions dominate) at the stated rate.",
    "The log grows with synthetic events of other prisons (bench/workload.py: per prison an "
    "agreement, a program of 20 participants and 100 weekly sessions with marks, then five "
    "participants assessed at intake and exit, completed and released, one readmitted), "
    "published directly; the live reporting service applies them before each measurement.",
    "Durability: the bench's nats-server runs JetStream with `sync_interval: always` (every "
    "write synced before its ack), as Pulih ships it; every Pulih figure is on it. The publish "
    "ceilings are measured again on a nats-server with its default sync (an fsync every 2 "
    "minutes: an acknowledged event can be lost in a power loss), for reference only.",
    "Peer: `eventsourcing` with its PostgreSQL module, same PostgreSQL server; its "
    "comparable figures for appends use PostgreSQL's defaults (an fsync per commit: as durable "
    "as Pulih's log); with synchronous_commit=off for its role (not durable) they are shown "
    "too. Its projection rate is compared with synchronous_commit=off (Pulih's projections "
    "commit that way: read-models are derived, rebuilt from the log). Its writers are threads "
    "(the library is synchronous). Its projection rate is over its own log (what its writers "
    "appended) into one count table; Pulih's rebuild is over the whole log into every "
    "read-model. Pulih / peer for latencies compares p99: below 1 is better for Pulih.",
    "Scale: each latency (one client; the best by p50 of five rounds of 600 commands, since "
    "other tenants of this machine only ever slow a round down; all rounds are in the JSON) is "
    "measured once the servers and services have gone idle (under 15% of one core together, "
    "e.g. after PostgreSQL's autovacuum of the grown read-model), so the aftermath of growing "
    "the log by a million events in a minute is not charged to its size.",
    "Authentication: one client on two small stacks of their own (a nats-server syncing "
    "every write and the three command services as processes, 4 programs of one prison), one "
    "open and one with `pulih auth init` identities (services, admin-created streams, the "
    "client as an officer through its prison's account, every command's actor checked); "
    "rounds alternate between the two, latencies pooled.",
    "Each rebuild is checked: its tables must equal the live read-model's at the same "
    "sequence (rows and a content hash) and nothing may be parked; otherwise its figure is "
    "void and the run exits 1, as it does for any refused command.",
    "Floor: a minimal nats-py service (bench/floor.py, a process of its own) doing exactly "
    "Pulih's round trips for a command — the request, a direct get of the aggregate's last "
    "event, an append with Nats-Expected-Last-Subject-Sequence awaiting its ack, the reply — "
    "with no validation and no domain, each request in its own task, appending to a scratch "
    "stream on the same durable nats-server; driven by the same clients and command mix. "
    "× floor: Pulih's commands/s over the floor's (issue 15: ≥ 0.8× with 1 client, ≥ 0.5× "
    "with 32). Floor with claim: the same service also claiming the command id as Pulih "
    "does (a publish to a scratch claims stream that succeeds only on an unused id, awaited "
    "before the append): the floor of Pulih's durability design, two synced writes per "
    "command; × floor with claim leaves out what that design itself costs.",
    "Reports: at the largest log size, once the machine is idle, each report called one at a "
    "time (after one warm-up call; a report slower than its time budget is called fewer "
    "times, at least 3); p50 / p99 of the calls, goals of issue 15 (p50 ≤ 300 ms unfiltered, "
    "≤ 50 ms for one prison or one Kanwil). The workload assigns its prisons to 33 Kanwil "
    "(KanwilAssigned on each prison's aggregate); a filter the build's reports do not take "
    "(read from its OpenAPI) is shown as not measured.",
    "Timings vary between runs on this shared 2-core machine (see the load averages): compare "
    "figures within one run, not across runs.",
]

# What would move each kind of figure whose goal a run did not meet (bench/obstacles.py prints
# it under the table with the run's own evidence and profiles). Findings of issue 15's work.
WAYS = {
    "commands": "two things. The claim first: Pulih claims a command id in a synced write of "
    "its own before the append (so that an id names one command for ever, beyond nats-server's "
    "120 s duplicate window); the floor with claim shows that this alone caps it well under "
    "0.8× the floor. Only one synced write per command would lift the cap — e.g. the command "
    "id as the append's Nats-Msg-Id inside the duplicate window and the claim written after "
    "the append, off the reply's path — which changes what a crash between the two leaves and "
    "needs its own fault tests. Then the command services' CPU per command (above: the "
    "attendance process against nats-server's): FastStream's per-message pipeline, nats-py, "
    "pydantic and the event loop (the profile); with 32 clients both cores are busy, so CPU "
    "saved per command is throughput. A bare nats-py subscription for the hottest subject "
    "(attendance's HoldSession) is the alternative the issue allows; not built.",
    "rebuild": "the write stage. In a py-spy profile of a 300k rebuild the `sessions` upsert "
    "(PostgreSQL plus asyncpg's encoding) is ~40% of the wall time and bounds the pipeline; the "
    "runner's Python (NATS receive, decode and upcast, folds, row encoding) fills one core. "
    "What would move it: the marks sent as one text per batch (COPY into a staging table, one "
    "upsert from it), the projections split over two processes (each reads the log itself: the "
    "raw read is several times faster than the rebuild), fewer Python steps per event. Moving "
    "the rollups by each batch's difference was measured and was within the noise.",
    "scale": "mostly the creates' cross-prison id check, not the log's size as such. A "
    "create (ScheduleSession: 44% of the mix) asks nats-server for the last event of any "
    "subject `pulih.events.*.{type}.{id}.*` (shared/uniqueness.py): with the prison as a "
    "wildcard the server walks its subject index once per prison (≈ 3,700 synthetic prisons "
    "at 1M, one program each), where a command's own aggregate read names its prison; the "
    "lookup line above times both on this log. nats-server's CPU per command is what grows "
    "(above). What would move it: an index of ids per aggregate type written with the "
    "create's claim (nats-server 2.12's atomic batch: the claim and `ids.{type}.{id}` with "
    "expected last sequence 0, one synced write), which would also make the check atomic; a "
    "log written before it needs the index built once from its subjects.",
    "memory": "the reporting service's peak is reached while it answers the unfiltered "
    "reports at the largest log (thousands of rows of ~40 fields held as Python objects, then "
    "a body of megabytes) and the dashboard; streaming the rows (a server-side cursor, each "
    "row rendered by orjson as it comes) would hold one page at a time.",
    "reports": "for `/regional` and `/evaluation` unfiltered, measured on a 1M log of the "
    "bench's workload (2026-12-06, min of 5, on a quiet machine): of ~170 ms in PostgreSQL, the "
    "kept score pairs joined to their memberships ~60 ms (one index lookup per pair: the "
    "planner estimates the join with the 3,700 programs asked for at 5 rows), the releases "
    "~50 ms (memberships read whole to find each one's release), the session totals and the "
    "current month's sessions ~30 ms; the rest is the reporting process's Python, ~25 µs per "
    "program row (figures, indicators, JSON). What would move it: the programs asked for "
    "matched by one key column (an estimate the planner can use), each membership's release "
    "kept with the membership, fewer Python objects per row; a national report then reads "
    "what is kept, as the dashboard's pages already do for 50 rows.",
}
