"""Read-model projections of the reporting service."""

from services.reporting.projections.agreements import AgreementsProjection

__all__ = ["AgreementsProjection"]
