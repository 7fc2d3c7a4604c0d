"""Attendance: load the session, read the program's roster, decide, append. Thin: the rules
live in domain/.

The program aggregate is another service's, so it is loaded FRESH from the log on every attempt
(never from a cache, and again after a concurrency retry). That is the read-your-writes
guarantee: a HoldSession sent right after the reply to an EnrollParticipant or
WithdrawParticipant reads a log that already holds the acknowledged event.
"""

from __future__ import annotations

from services.attendance import domain
from services.attendance.commands import COMMANDS, HoldSession, ScheduleSession
from shared.commands import Context, Folder, execute
from shared.envelope import CommandMeta, StreamId
from shared.store import Appended, History
from shared.uniqueness import refuse_id_of_another_prison

AGGREGATE = "session"
PROGRAM = "program"


class SessionHandlers:
    def __init__(self) -> None:
        self.fold: Folder[domain.Session] = Folder(domain.evolve)
        # Folding is cached per program version; the history it folds is always fresh.
        self.roster: Folder[domain.Roster] = Folder(domain.evolve_roster,
                                                    fold_many=domain.fold_roster)

    def table(self) -> dict[str, tuple[type, object]]:
        return {name: (model, self.handle) for name, model in COMMANDS.items()}

    async def handle(self, ctx: Context, prison_id: str, command, meta: CommandMeta,
                     expected_version: int | None) -> Appended:
        stream = StreamId(prison_id, AGGREGATE, command.session_id)
        program_stream, first_read = None, None
        if isinstance(command, ScheduleSession | HoldSession):
            # The program fresh from the log (read-your-writes), and in the same request the
            # session when this instance has not seen it yet (a ScheduleSession, mostly).
            program_stream = StreamId(prison_id, PROGRAM, command.program_id)
            wanted = [program_stream] if ctx.store.cached(stream) else [program_stream, stream]
            first_read = (await ctx.store.load_many(wanted))[0]

        async def decide(history: History):
            nonlocal first_read
            program = None
            if program_stream is not None:
                # A retry after a concurrent write reads the program again.
                other = first_read or await ctx.store.load(program_stream, fresh=True)
                first_read, program = None, self.roster(other)
            events = domain.decide(self.fold(history), command, ctx.clock(), program)
            if program_stream is not None and not history.events:  # a new session
                await refuse_id_of_another_prison(ctx.store, stream)
            return events

        return await execute(ctx.store, stream, meta, expected_version, decide)
