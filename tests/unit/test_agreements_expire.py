"""Agreements domain: AgreementExpired and the timer, in force, the fold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.agreements.commands import (
    AmendAgreement,
    ExpireAgreement,
    TerminateAgreement,
)
from services.agreements.domain import Agreement, decide, evolve, expiry_due
from shared.envelope import NewEvent
from tests.unit.agreements_domain import (
    GENNESA,
    LRPPN,
    envelope,
    extend,
    gennesa,
    lrppn,
    reject,
    step,
    terminated_lrppn,
)

# --- AgreementExpired and the timer -------------------------------------------------------

def test_expiry_is_due_the_day_after_effective_until() -> None:
    state = lrppn()
    assert expiry_due(state, date(2026, 2, 21)) is None
    command = expiry_due(state, date(2026, 3, 15))
    assert command == ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22")
    [event] = decide(state, command, date(2026, 3, 15))
    assert (event.type, event.data) == ("AgreementExpired", {"expired_on": "2026-02-22"})
    # The same on every instance, whatever its clock: the event is fully determined by state.
    assert event == decide(state, expiry_due(state, date(2026, 2, 22)), date(2026, 2, 22))[0]
    assert event.occurred_at == "2026-02-22T00:00:00+07:00"
    expired = step(state, command, date(2026, 3, 15))
    assert expired.expired_on == date(2026, 2, 22)
    assert expiry_due(expired, date(2026, 3, 16)) is None
    assert expiry_due(terminated_lrppn(), date(2026, 3, 16)) is None
    assert expiry_due(None, date(2026, 3, 16)) is None


def test_expire_rules() -> None:
    early = ExpireAgreement(agreement_id=LRPPN, expired_on="2026-02-22")
    reject("rule", "before effective_until has passed", lrppn(), early, date(2026, 2, 21))
    wrong = ExpireAgreement(agreement_id=LRPPN, expired_on="2026-03-01")
    reject("rule", "day after effective_until", lrppn(), wrong, date(2026, 3, 2))



# --- in force ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (date(2025, 2, 21), False),   # signed but not yet effective
        (date(2025, 2, 22), True),
        (date(2025, 12, 22), True),
        (date(2025, 12, 23), True),
        (date(2026, 2, 21), True),  # effective_until itself
        (date(2026, 2, 22), False),
    ],
)
def test_in_force(day: date, in_force: bool) -> None:
    assert lrppn().in_force_on(day) is in_force


def test_in_force_after_termination() -> None:
    terminated = terminated_lrppn()
    assert terminated.in_force_on(date(2025, 9, 29))
    assert not terminated.in_force_on(date(2025, 9, 30))



# --- the fold -----------------------------------------------------------------------------

def test_full_history_round_trip() -> None:
    state = step(gennesa(), extend(), date(2025, 2, 19))
    state = step(state, AmendAgreement(agreement_id=GENNESA, signed_on="2025-03-10",
                                       changes={"services": ["counseling", "aftercare"]},
                                       note="Tambah pendampingan pasca bebas"), date(2025, 3, 10))
    state = step(state, TerminateAgreement(agreement_id=GENNESA, terminated_on="2025-07-07",
                                           reason="Diganti PKS baru"), date(2025, 7, 8))
    assert state == Agreement(
        agreement_id=GENNESA, partner_id="yayasan-gennesa",
        partner_name="Yayasan Gendhog Nemu Sariro (Gennesa)",
        number="W15.PAS.PAS.17-HM.05.02-0005",
        title="Rehabilitasi sosial bagi warga binaan perkara narkoba",
        services=("counseling", "aftercare"), signed_on=date(2023, 1, 5),
        effective_from=date(2023, 1, 5), effective_until=date(2026, 3, 31),
        committed_sessions_per_month=None, renews=None, extensions=1,
        terminated_on=date(2025, 7, 7), expired_on=None,
    )


def test_evolve_refuses_what_decide_never_writes() -> None:
    with pytest.raises(ValueError):
        evolve(None, envelope(LRPPN, NewEvent("AgreementExtended", {}, "")))
    with pytest.raises(ValueError):
        evolve(lrppn(), envelope(LRPPN, NewEvent("AgreementRenamed", {}, "")))


@given(st.lists(st.integers(min_value=1, max_value=800), min_size=1, max_size=8))
def test_extensions_only_move_forward(steps_in_days: list[int]) -> None:
    state = gennesa()
    for days in steps_in_days:
        until = state.effective_until + timedelta(days=days)
        signed_on = state.effective_until  # the last day it is still in force
        command = extend(signed_on=signed_on.isoformat(), effective_until=until.isoformat())
        backwards = extend(signed_on=signed_on.isoformat(),
                           effective_until=(until - timedelta(days=days)).isoformat())
        reject("rule", "must move effective_until later", state, backwards, signed_on)
        previous = state.effective_until
        state = step(state, command, signed_on)
        assert state.effective_until > previous
    assert state.extensions == len(steps_in_days)
