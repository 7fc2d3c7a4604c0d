"""The region's prisons, their partners and their cohorts: the scenario's few fixed choices.

Lapas Banyuwangi keeps the seed scenario (`deploy.demo`: its agreements exactly, its 2025
Gennesa cohort) and adds two cohorts under the LRPPN agreement. The three other prisons are
real Kanwil Jawa Timur establishments; their partners (but the BNN offices, which exist) and
every agreement, number and figure are invented. People are named by role only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from deploy.demo import PRISON as BANYUWANGI

KANWIL = "kanwil-jatim"
KANWIL_NAME = "Kanwil Ditjenpas Jawa Timur"
REGION_USER = "demo"


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    kind: str  # ipwl | foundation | government
    head: str  # the signatory's title, standing in for a name
    services: tuple[str, ...]


@dataclass(frozen=True)
class AgreementPlan:
    key: str
    partner: Partner
    signed_on: date
    months: int  # the first term
    # "renewed" (a new agreement renews it as it runs out), "extended" (once, by a year),
    # "amended" (more sessions a month), "expires" (runs out), "terminated" (ended early).
    history: str
    sessions_per_month: int


@dataclass(frozen=True)
class CohortPlan:
    key: str  # also the cohort's label, e.g. "2024-II"
    agreement: str  # an AgreementPlan key (or a seed agreement's key in Banyuwangi)
    track: str
    starts_on: date
    size: int


@dataclass(frozen=True)
class Prison:
    slug: str
    name: str
    code: str  # in agreement numbers
    agreements: tuple[AgreementPlan, ...]
    cohorts: tuple[CohortPlan, ...]

    @property
    def head(self) -> str:
        return f"Kepala {self.name}"


BNNP = Partner("bnnp-jawa-timur", "Badan Narkotika Nasional Provinsi Jawa Timur", "government",
               "Kepala BNNP Jawa Timur", ("medical", "counseling", "social_guidance"))
SOCIAL = ("counseling", "social_guidance", "skills_training", "mental_guidance")


def _foundation(slug: str, name: str) -> Partner:
    return Partner(slug, name, "foundation", f"Ketua {name}",
                   (*SOCIAL, "spiritual_guidance", "aftercare"))


def _ipwl(slug: str, name: str) -> Partner:
    return Partner(slug, name, "ipwl", f"Pimpinan {name}", ("medical", *SOCIAL))


JEMBER = Prison("lapas-jember", "Lapas Kelas IIA Jember", "LPJ", (
    AgreementPlan("ipwl-2023", _ipwl("ipwl-bina-sehat-jember", "IPWL Klinik Bina Sehat Jember"),
                  date(2023, 3, 1), 24, "renewed", 4),
    AgreementPlan("yayasan-2023", _foundation("yayasan-harapan-baru-jember",
                                              "Yayasan Harapan Baru Jember"),
                  date(2023, 7, 3), 18, "extended", 4),
    AgreementPlan("bnnp-2024", BNNP, date(2024, 1, 15), 12, "expires", 2),
), (
    CohortPlan("2023-II", "ipwl-2023", "social", date(2023, 7, 10), 20),
    CohortPlan("2024-II", "yayasan-2023", "social", date(2024, 7, 8), 22),
    CohortPlan("2025-II", "ipwl-2025", "medical", date(2025, 8, 4), 18),
))
PAMEKASAN = Prison("lapas-narkotika-pamekasan", "Lapas Narkotika Kelas IIA Pamekasan", "LNP", (
    AgreementPlan("bnnp-2023", BNNP, date(2023, 2, 6), 48, "amended", 4),
    AgreementPlan("ipwl-2024", _ipwl("ipwl-madura-sehat", "IPWL Klinik Pratama Madura Sehat"),
                  date(2024, 1, 8), 36, "amended", 6),
    AgreementPlan("yayasan-2023", _foundation("yayasan-cahaya-madura", "Yayasan Cahaya Madura"),
                  date(2023, 5, 2), 24, "terminated", 2),
), (
    CohortPlan("2023-I", "bnnp-2023", "medical", date(2023, 3, 6), 24),
    CohortPlan("2024-I", "ipwl-2024", "social", date(2024, 2, 5), 25),
    CohortPlan("2026-I", "ipwl-2024", "medical", date(2026, 2, 2), 22),
))
PROBOLINGGO = Prison("lapas-probolinggo", "Lapas Kelas IIB Probolinggo", "LPP", (
    AgreementPlan("bnnk-2024", Partner(
        "bnnk-probolinggo", "Badan Narkotika Nasional Kabupaten Probolinggo", "government",
        "Kepala BNNK Probolinggo", ("counseling", "social_guidance", "aftercare")),
        date(2024, 2, 1), 24, "extended", 2),
    AgreementPlan("yayasan-2024", _foundation("yayasan-mentari-probolinggo",
                                              "Yayasan Mentari Probolinggo"),
                  date(2024, 4, 1), 24, "renewed", 4),
), (
    CohortPlan("2024-I", "yayasan-2024", "social", date(2024, 4, 15), 18),
    CohortPlan("2025-I", "bnnk-2024", "post_rehabilitation", date(2025, 3, 3), 16),
    CohortPlan("2026-I", "yayasan-2026", "social", date(2026, 4, 6), 20),
))
BANYUWANGI_COHORTS = (
    CohortPlan("2025-I", "lrppn-bi-2025", "social", date(2025, 3, 10), 22),
    CohortPlan("2026-I", "lrppn-bi-2025", "social", date(2026, 3, 2), 24),
)
PRISONS = (BANYUWANGI, JEMBER.slug, PAMEKASAN.slug, PROBOLINGGO.slug)
NEW_PRISONS = (JEMBER, PAMEKASAN, PROBOLINGGO)
BANYUWANGI_NAME = "Lapas Kelas IIA Banyuwangi"
