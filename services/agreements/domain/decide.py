"""The agreement (PKS) aggregate's `decide`: every rule of its commands, and the expiry timer's.

Pure: no I/O, no clock, no logging. `today` is passed in by the handler. Every date rule is
judged in business time (the dates the command carries), so a prison that records a signing
late is judged by when it was signed, not by when it was typed in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.agreements.commands import (
    AmendAgreement,
    ExpireAgreement,
    ExtendAgreement,
    SignAgreement,
    Signatory,
    TerminateAgreement,
)
from services.agreements.domain.state import Agreement
from shared.contract.events import (
    AgreementAmended,
    AgreementExpired,
    AgreementExtended,
    AgreementSigned,
    AgreementTerminated,
    Changes,
    Event,
)
from shared.envelope import WIB, NewEvent, date_instant
from shared.errors import not_found, rule

Command = SignAgreement | ExtendAgreement | AmendAgreement | TerminateAgreement | ExpireAgreement


def decide(
    state: Agreement | None,
    command: Command,
    today: date,
    renewed: Agreement | None = None,
    *,
    now: datetime | None = None,
) -> list[NewEvent]:
    """The one event `command` asks for, or `Rejected`.

    `renewed` is the agreement named in `SignAgreement.renews`, looked up by the handler in the
    same prison (None when it does not exist); it is ignored for the other commands. `now`
    (the handler's clock) bounds a given `occurred_at`.
    """
    _check_occurred_at(command, now)
    return [_decide(state, command, today, renewed)]


# The business date each command's `occurred_at` makes more precise.
_DAY_FIELD = {SignAgreement: "signed_on", ExtendAgreement: "signed_on",
              AmendAgreement: "signed_on", TerminateAgreement: "terminated_on"}


def _check_occurred_at(command: Command, now: datetime | None) -> None:
    """A given `occurred_at` falls on the command's date in WIB (as in every service) and has
    happened: the dates may not lie in the future, nor may the instant."""
    occurred_at = getattr(command, "occurred_at", None)
    if occurred_at is None:
        return
    field_name = _DAY_FIELD[type(command)]
    day = getattr(command, field_name)
    if occurred_at.astimezone(WIB).date() != day:
        raise rule(f"occurred_at must fall on {field_name} ({day.isoformat()}) in WIB (UTC+7)",
                   "occurred_at")
    if now is not None and occurred_at > now:
        raise rule("occurred_at must not be in the future", "occurred_at")


def _decide(state: Agreement | None, command: Command, today: date,
            renewed: Agreement | None) -> NewEvent:
    if isinstance(command, SignAgreement):
        return _sign(state, command, today, renewed)
    if state is None:
        raise not_found(f"agreement {command.agreement_id} not found")
    if state.terminated_on is not None:
        raise rule("agreement is terminated: nothing is accepted after termination")
    # An extension signed while the agreement was still in force may be recorded after the
    # service wrote AgreementExpired (paperwork typed in late); it revives the agreement.
    if state.expired_on is not None and not isinstance(command, ExtendAgreement):
        raise rule("agreement has expired: sign a new agreement that renews it instead")
    match command:
        case ExtendAgreement():
            return _extend(state, command, today)
        case AmendAgreement():
            return _amend(state, command, today)
        case TerminateAgreement():
            return _terminate(state, command, today)
        case ExpireAgreement():
            return _expire(state, command, today)
    raise TypeError(f"not an agreement command: {type(command).__name__}")


def expiry_due(state: Agreement | None, today: date) -> ExpireAgreement | None:
    """The timer's command once `effective_until` has passed without extension, else None."""
    if state is None or state.terminated_on or state.expired_on or today <= state.effective_until:
        return None
    return ExpireAgreement(
        agreement_id=state.agreement_id, expired_on=state.effective_until + timedelta(days=1)
    )


def _sign(
    state: Agreement | None, c: SignAgreement, today: date, renewed: Agreement | None
) -> NewEvent:
    if state is not None:
        raise rule("agreement already signed: an agreement id is signed once", "agreement_id")
    if c.effective_until <= c.effective_from:
        raise rule("effective_until must be after effective_from", "effective_until")
    if c.signed_on > c.effective_until:
        raise rule("signed_on must not be after effective_until", "signed_on")
    if c.signed_on > today:
        raise rule("signed_on must not be in the future", "signed_on")
    _both_parties(c.signatories)
    if c.renews is not None:
        if c.renews == c.agreement_id:
            raise rule("an agreement cannot renew itself", "renews")
        if renewed is None:
            raise rule("renewed agreement not found in this prison", "renews")
        if renewed.partner_id != c.partner.id:
            raise rule("renewed agreement is with another partner", "renews")
    event = AgreementSigned.of(
        number=c.number, title=c.title, partner=c.partner.model_dump(), services=c.services,
        signed_on=c.signed_on, effective_from=c.effective_from,
        effective_until=c.effective_until, signatories=_signatories(c.signatories),
        renews=c.renews, committed_sessions_per_month=c.committed_sessions_per_month)
    return _event(event, c.signed_on, c.occurred_at)


def _extend(state: Agreement, c: ExtendAgreement, today: date) -> NewEvent:
    _signed_in_term(state, c.signed_on, today)
    if c.effective_until <= state.effective_until:
        raise rule(
            "an extension must move effective_until later than the current "
            f"{state.effective_until.isoformat()}",
            "effective_until",
        )
    _both_parties(c.signatories)
    event = AgreementExtended.of(signed_on=c.signed_on, effective_until=c.effective_until,
                                 signatories=_signatories(c.signatories), note=c.note)
    return _event(event, c.signed_on, c.occurred_at)


def _amend(state: Agreement, c: AmendAgreement, today: date) -> NewEvent:
    _signed_in_term(state, c.signed_on, today)
    changes = c.changes.given()
    current = {
        "title": state.title,
        "services": list(state.services),
        "committed_sessions_per_month": state.committed_sessions_per_month,
    }
    if all(current[key] == value for key, value in changes.items()):
        raise rule("changes must change something: every value given is the current one",
                   "changes")
    event = AgreementAmended.of(signed_on=c.signed_on, changes=Changes.of(**changes),
                                note=c.note)
    return _event(event, c.signed_on, c.occurred_at)


def _terminate(state: Agreement, c: TerminateAgreement, today: date) -> NewEvent:
    if c.terminated_on < state.signed_on:
        raise rule("terminated_on must not be before the agreement's signed_on", "terminated_on")
    if c.terminated_on > today:
        raise rule("terminated_on must not be in the future", "terminated_on")
    if c.terminated_on > state.effective_until:
        raise rule("agreement had already run out by terminated_on: it expires, it is not "
                   "terminated", "terminated_on")
    event = AgreementTerminated.of(terminated_on=c.terminated_on, reason=c.reason)
    return _event(event, c.terminated_on, c.occurred_at)


def _expire(state: Agreement, c: ExpireAgreement, today: date) -> NewEvent:
    if today <= state.effective_until:
        raise rule("agreement cannot expire before effective_until has passed", "expired_on")
    if c.expired_on != state.effective_until + timedelta(days=1):
        raise rule("expired_on must be the day after effective_until", "expired_on")
    return _event(AgreementExpired.of(expired_on=c.expired_on), c.expired_on, None)


def _signed_in_term(state: Agreement, signed_on: date, today: date) -> None:
    """An extension or amendment is signed while the agreement runs, and not in the future."""
    if signed_on < state.signed_on:
        raise rule("signed_on must not be before the agreement's signed_on", "signed_on")
    if signed_on > today:
        raise rule("signed_on must not be in the future", "signed_on")
    if signed_on > state.effective_until:
        raise rule("agreement had expired by signed_on: sign a new agreement that renews it",
                   "signed_on")


def _both_parties(signatories: list[Signatory]) -> None:
    if {s.party for s in signatories} != {"prison", "partner"}:
        raise rule("signatories must include at least one of each party: prison and partner",
                   "signatories")


def _signatories(signatories: list[Signatory]) -> list[dict[str, str]]:
    return [s.model_dump() for s in signatories]


def _event(event: Event, day: date, occurred_at: datetime | None) -> NewEvent:
    return event.stamped(occurred_at.isoformat() if occurred_at else date_instant(day))
