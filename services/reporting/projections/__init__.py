"""Read-model projections of the reporting service."""

from services.reporting.projections.agreements import AgreementsProjection
from services.reporting.projections.participants import ParticipantsProjection
from services.reporting.projections.programs import MembershipsProjection, ProgramsProjection
from services.reporting.projections.sessions import SessionsProjection

__all__ = ["AgreementsProjection", "MembershipsProjection", "ParticipantsProjection",
           "ProgramsProjection", "SessionsProjection"]
