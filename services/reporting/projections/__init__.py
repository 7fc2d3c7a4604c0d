"""The reporting service's write side: read-model projections folded from the event log."""

from services.reporting.projections.agreements import AgreementsProjection
from services.reporting.projections.intake import IntakeProjection
from services.reporting.projections.participants import ParticipantsProjection
from services.reporting.projections.prisons import PrisonsProjection
from services.reporting.projections.programs import MembershipsProjection, ProgramsProjection
from services.reporting.projections.sessions import SessionsProjection
from services.reporting.projections.urine import UrineTestsProjection

__all__ = ["AgreementsProjection", "IntakeProjection", "MembershipsProjection",
           "ParticipantsProjection", "PrisonsProjection", "ProgramsProjection",
           "SessionsProjection", "UrineTestsProjection", "projections"]


def projections() -> list:
    """A fresh instance of every projection, in the order the runner applies them."""
    return [AgreementsProjection(), ProgramsProjection(), MembershipsProjection(),
            SessionsProjection(), ParticipantsProjection(), UrineTestsProjection(),
            IntakeProjection(), PrisonsProjection()]
