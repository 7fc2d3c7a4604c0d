"""The dashboard's words in Bahasa Indonesia (the default) and English, and how a request
chooses: `?lang=` (then remembered in a cookie), else the cookie, else Indonesian."""

from __future__ import annotations

from starlette.requests import Request

LANG_COOKIE = "pulih_lang"
LANGS = ("id", "en")

# key: (Indonesian, English)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Dasbor Rehabilitasi Kanwil", "Regional Rehabilitation Dashboard"),
    "region": ("Wilayah", "Region"),
    "pathway": ("Jalur rehabilitasi", "Rehabilitation pathway"),
    "agreements": ("Perjanjian kerja sama", "Cooperation agreements"),
    "programs": ("Program per lapas dan mitra", "Programs per prison and partner"),
    "program": ("Program", "Program"),
    "period_from": ("Dari", "From"),
    "period_to": ("Sampai", "To"),
    "partner": ("Mitra", "Partner"),
    "prison": ("Lapas", "Prison"),
    "kanwil": ("Kanwil", "Regional office"),
    "all": ("Semua", "All"),
    "apply": ("Terapkan", "Apply"),
    "freshness": ("Kesegaran data", "Data freshness"),
    "lag": ("peristiwa belum diproses", "events not yet applied"),
    "up_to_date": ("mutakhir", "up to date"),
    "download": ("Unduh", "Download"),
    "by_quarter": ("Per triwulan", "By quarter"),
    "sessions_by_month": ("Sesi per bulan dibanding komitmen PKS",
                          "Sessions per month against the agreement's commitment"),
    "committed": ("komitmen per bulan", "committed per month"),
    "held": ("sesi terlaksana", "sessions held"),
    "roster": ("Daftar peserta", "Roster"),
    "quotas": ("Target dan realisasi", "Target and realised"),
    "intake": ("Alur penerimaan: ketepatan waktu dan daftar tunggu",
               "Intake pipeline: timeliness and waiting list"),
    "recidivism": ("Residivisme per kohort pembebasan", "Recidivism by release cohort"),
    "expiring_note": ("Berakhir dalam 60 hari disorot.", "Expiring within 60 days highlighted."),
    "extensions_history": ("Riwayat perpanjangan", "History of extensions"),
    "no_rows": ("Tidak ada data.", "No data."),
    "signin": ("Masuk", "Sign in"),
    "signout": ("Keluar", "Sign out"),
    "token": ("Token akses", "Access token"),
    "bad_token": ("Token tidak berlaku", "The token is not valid"),
    "language": ("English", "Bahasa Indonesia"),
    "previous": ("Sebelumnya", "Previous"),
    "next": ("Berikutnya", "Next"),
    "rows_of": ("baris {}–{} dari {}", "rows {}–{} of {}"),
    "prison_typed": ("ketik kode lapas ({} lapas)", "type a prison id ({} prisons)"),
    "no_kanwil": ("Tanpa Kanwil", "No regional office"),
    "total": ("Total", "Total"),
    # columns
    "prison_id": ("Lapas", "Prison"),
    "partner_id": ("Mitra", "Partner"),
    "program_name": ("Program", "Program"),
    "enrolled": ("Peserta", "Participants"),
    "active": ("Aktif", "Active"),
    "completed": ("Selesai", "Completed"),
    "withdrawn": ("Keluar program", "Withdrawn"),
    "completion_rate": ("Tingkat penyelesaian", "Completion rate"),
    "sessions_held": ("Sesi terlaksana", "Sessions held"),
    "hours_by_activity": ("Jam per kegiatan", "Hours by activity"),
    "attendance_rate": ("Tingkat kehadiran", "Attendance rate"),
    "score_change": ("Perubahan skor per instrumen", "Score change per instrument"),
    "released": ("Dibebaskan", "Released"),
    "released_6m": ("Bebas ≥6 bln", "Released ≥6 m"),
    "readmitted_6m": ("Kembali ≤6 bln", "Readmitted ≤6 m"),
    "released_12m": ("Bebas ≥12 bln", "Released ≥12 m"),
    "readmitted_12m": ("Kembali ≤12 bln", "Readmitted ≤12 m"),
    "released_24m": ("Bebas ≥24 bln", "Released ≥24 m"),
    "readmitted_24m": ("Kembali ≤24 bln", "Readmitted ≤24 m"),
    "agreements_active": ("PKS aktif", "Active agreements"),
    "partner_name": ("Mitra", "Partner"),
    "number": ("Nomor PKS", "Agreement number"),
    "status": ("Status", "Status"),
    "effective_until": ("Berlaku sampai", "In force until"),
    "signed_on": ("Ditandatangani", "Signed on"),
    "days_left": ("Sisa hari", "Days left"),
    "extensions": ("Perpanjangan", "Extensions"),
    "participant_id": ("Peserta (pseudonim)", "Participant (pseudonym)"),
    "enrolled_on": ("Terdaftar", "Enrolled on"),
    "left_on": ("Keluar", "Left on"),
    "phase": ("Fase", "Phase"),
    "month": ("Bulan", "Month"),
    "attended": ("Hadir", "Attended"),
    "counted": ("Tercatat", "Marked"),
    "track": ("Jalur", "Track"),
    "target": ("Target", "Target"),
    "realised": ("Realisasi", "Realised"),
    "screened": ("Disaring", "Screened"),
    "placed": ("Ditempatkan", "Placed"),
    "waitlisted": ("Daftar tunggu", "Waiting list"),
    "decided": ("Diputuskan", "Decided"),
    "days_to_decision_median": ("Median hari ke keputusan", "Median days to decision"),
    "timeliness_rate": ("Tepat waktu (≤14 hari kerja)", "On time (≤14 working days)"),
    "cohort": ("Kohort", "Cohort"),
    "realisation_rate": ("Persentase realisasi", "Realisation rate"),
    "returned": ("Kembali", "Returned"),
    "followed": ("Diikuti", "Followed"),
    "recidivism_rate": ("Tingkat residivisme", "Recidivism rate"),
    "window_months": ("Jangka (bulan)", "Window (months)"),
}


def choose(request: Request, lang: str | None) -> str:
    """The page's language: `?lang=` when valid, else the cookie, else Indonesian."""
    for wanted in (lang, request.cookies.get(LANG_COOKIE)):
        if wanted in LANGS:
            return wanted
    return "id"


def words(lang: str) -> dict[str, str]:
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}
