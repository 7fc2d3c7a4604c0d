"""The programs service's domain: the `program` and `participant` aggregates, and the view of an
agreement they are judged against. Pure: no I/O, no clock, no logging; `today` and the other
aggregates' states ("facts") are passed in by the handler.

Every date rule is judged in business time (the dates the command carries), so a prison that
records an enrolment late is judged by when it happened, not by when it was typed in.
"""

from services.programs.domain.agreement_view import AgreementView
from services.programs.domain.participant import Participant
from services.programs.domain.program import Membership, Program

__all__ = ["AgreementView", "Membership", "Participant", "Program"]
