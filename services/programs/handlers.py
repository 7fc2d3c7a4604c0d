"""Programs and participants: load the aggregate, decide, append. Thin: the rules live in domain.

Read-your-writes. A decision that depends on another aggregate (the agreement a program is
launched under, the participant being enrolled, the program an assessment names) reads that
aggregate straight from the event log, fresh, at command time, on every attempt: never from a
projection and never from a cache. The agreements service replies only after JetStream has
acknowledged the append, and an acknowledged event is stored, so a `LaunchProgram` sent right
after the `SignAgreement` reply sees the agreement, and an extension, amendment or termination
is respected by the very next command. The aggregate being written may come from the cache:
if it is stale, the server's per-aggregate sequence check refuses the append and `execute`
decides again on the fresh history.
"""

from __future__ import annotations

from services.programs.commands import (
    COMMANDS,
    EnrollParticipant,
    LaunchProgram,
    ParticipantCommand,
    ProgramCommand,
    RecordAssessment,
)
from services.programs.domain import agreement_view, enrolments, participant, program
from shared.commands import Context, Folder, Handler, execute
from shared.envelope import CommandMeta, StreamId
from shared.store import Appended, History
from shared.uniqueness import refuse_id_of_another_prison


class ProgramHandlers:
    def __init__(self) -> None:
        self.programs: Folder[program.Program] = Folder(program.evolve)
        self.participants: Folder[participant.Participant] = Folder(participant.evolve)
        self.agreements: Folder[agreement_view.AgreementView] = Folder(agreement_view.evolve)
        self.enrolments: Folder[enrolments.Enrolments] = Folder(enrolments.evolve)

    def table(self) -> dict[str, tuple[type, Handler]]:
        handler = {"program": self.handle_program, "participant": self.handle_participant}
        return {name: (model, handler[model.AGGREGATE]) for name, model in COMMANDS.items()}

    async def handle_program(self, ctx: Context, prison_id: str, command: ProgramCommand,
                             meta: CommandMeta, expected_version: int | None) -> Appended:
        stream = StreamId(prison_id, "program", command.program_id)

        async def decide(history: History):
            facts = {}
            if isinstance(command, LaunchProgram):
                facts["agreement"] = await self._fresh(
                    ctx, self.agreements, StreamId(prison_id, "agreement", command.agreement_id))
            elif isinstance(command, EnrollParticipant):
                facts["participant"] = await self._fresh(
                    ctx, self.participants,
                    StreamId(prison_id, "participant", command.participant_id))
            events = program.decide(self.programs(history), command, ctx.today(), **facts)
            if isinstance(command, LaunchProgram) and not history.events:
                await refuse_id_of_another_prison(ctx.store, stream)
            return events

        return await execute(ctx.store, stream, meta, expected_version, decide)

    async def handle_participant(self, ctx: Context, prison_id: str,
                                 command: ParticipantCommand, meta: CommandMeta,
                                 expected_version: int | None) -> Appended:
        stream = StreamId(prison_id, "participant", command.participant_id)

        async def decide(history: History):
            facts = {}
            if isinstance(command, RecordAssessment) and command.program_id is not None:
                facts["program"] = await self._fresh(
                    ctx, self.enrolments, StreamId(prison_id, "program", command.program_id))
            return participant.decide(self.participants(history), command, ctx.today(), **facts)

        return await execute(ctx.store, stream, meta, expected_version, decide)

    @staticmethod
    async def _fresh(ctx: Context, fold: Folder, stream: StreamId):
        # Another aggregate: read fresh from the log (the default), never trusting the cache.
        return fold(await ctx.store.load(stream, fresh=True))
