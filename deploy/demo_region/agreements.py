"""The agreements of the region's new prisons, each with its history (renewed, extended,
amended, left to expire, terminated early): signed by the prison's head and the partner's,
named by title only."""

from __future__ import annotations

from datetime import date
from typing import Any

from deploy.demo import Command, demo_id
from deploy.demo_region.prisons import AgreementPlan, Prison
from deploy.demo_region.timeline import days

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def agreement_id(prison: Prison | str, key: str) -> str:
    return demo_id(f"agreement/{key}", prison if isinstance(prison, str) else prison.slug)


def renewal_key(plan: AgreementPlan) -> str:
    """The key of the agreement that renews `plan` (from the day after it runs out)."""
    return f"{plan.key.rsplit('-', 1)[0]}-{(until(plan) + days(1)).year}"


def until(plan: AgreementPlan) -> date:
    return add_months(plan.signed_on, plan.months) - days(1)


def _sign(prison: Prison, plan: AgreementPlan, key: str, signed_on: date, start: date,
          end: date, serial: int, renews: str | None) -> Command:
    partner = plan.partner
    return ("agreements", "SignAgreement", {
        "agreement_id": agreement_id(prison, key),
        "number": f"PKS/{prison.code}/{signed_on.year}/{ROMAN[signed_on.month - 1]}/{serial:03d}",
        "title": f"Rehabilitasi warga binaan pemasyarakatan bersama {partner.name}",
        "partner": {"id": partner.id, "name": partner.name, "kind": partner.kind},
        "services": list(partner.services), "signed_on": signed_on.isoformat(),
        "effective_from": start.isoformat(), "effective_until": end.isoformat(),
        "signatories": _signatories(prison, plan), "renews": renews,
        "committed_sessions_per_month": plan.sessions_per_month})


def _signatories(prison: Prison, plan: AgreementPlan) -> list[dict[str, Any]]:
    return [{"name": prison.head, "title": prison.head, "party": "prison"},
            {"name": plan.partner.head, "title": plan.partner.head, "party": "partner"}]


def agreement_commands(prison: Prison) -> list[Command]:
    """Every agreement command of `prison`, in date order."""
    dated: list[tuple[date, Command]] = []
    for serial, plan in enumerate(prison.agreements, start=1):
        aid, end = agreement_id(prison, plan.key), until(plan)
        dated.append((plan.signed_on, _sign(prison, plan, plan.key, plan.signed_on,
                                            plan.signed_on, end, serial * 7, None)))
        if plan.history == "renewed":
            signed = end - days(20)
            dated.append((signed, _sign(prison, plan, renewal_key(plan), signed, end + days(1),
                                        add_months(end + days(1), 24) - days(1),
                                        serial * 7 + 40, aid)))
        elif plan.history == "extended":
            signed = end - days(30)
            dated.append((signed, ("agreements", "ExtendAgreement", {
                "agreement_id": aid, "signed_on": signed.isoformat(),
                "effective_until": add_months(end, 12).isoformat(),
                "signatories": _signatories(prison, plan),
                "note": "Perpanjangan satu tahun sambil menunggu evaluasi"})))
        elif plan.history == "amended":
            signed = add_months(plan.signed_on, 10)
            dated.append((signed, ("agreements", "AmendAgreement", {
                "agreement_id": aid, "signed_on": signed.isoformat(),
                "changes": {"committed_sessions_per_month": plan.sessions_per_month + 2},
                "note": "Tambahan sesi per bulan sesuai hasil evaluasi triwulan"})))
        elif plan.history == "terminated":
            ended = add_months(plan.signed_on, 14)
            dated.append((ended, ("agreements", "TerminateAgreement", {
                "agreement_id": aid, "terminated_on": ended.isoformat(),
                "reason": "Yayasan menghentikan layanan di Lapas karena keterbatasan tenaga"})))
    return [command for _, command in sorted(dated, key=lambda entry: entry[0])]
