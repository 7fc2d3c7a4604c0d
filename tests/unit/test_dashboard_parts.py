"""The dashboard's pure parts: the quarters and months its charts and tables read, how a cell is
written in each language, the language a request gets, and the report links of a table."""

from datetime import date

from starlette.requests import Request

from services.reporting.dashboard.i18n import WORDS, choose
from services.reporting.dashboard.program import by_month
from services.reporting.dashboard.quarterly import quarters
from services.reporting.dashboard.tables import Table, shown
from services.reporting.read.figures import BEGINNING, Window


def test_quarters_cover_the_window_cut_at_its_ends():
    found = quarters(Window(date(2025, 2, 10), date(2025, 11, 5)))
    assert [(q.start, q.end) for q in found] == [
        (date(2025, 2, 10), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 11, 5))]


def test_without_a_start_the_quarters_are_the_last_twelve():
    found = quarters(Window(BEGINNING, date(2026, 12, 5)))
    assert len(found) == 12
    assert found[0].start == date(2024, 1, 1) and found[-1].end == date(2026, 12, 5)


def test_months_hold_every_activity_their_total_and_the_commitment():
    rows = [{"month": "2025-08", "activity": "counseling", "held": 2},
            {"month": "2025-07", "activity": "counseling", "held": 1},
            {"month": "2025-08", "activity": "skills_training", "held": 3}]
    assert by_month(rows, ["counseling", "skills_training"], 4) == [
        {"month": "2025-07", "counseling": 1, "skills_training": 0, "sessions_held": 1,
         "committed": 4},
        {"month": "2025-08", "counseling": 2, "skills_training": 3, "sessions_held": 5,
         "committed": 4}]


def test_cells_are_written_in_the_pages_language():
    assert shown("attendance_rate", 0.90909, "id") == "90,9 %"
    assert shown("attendance_rate", 0.90909, "en") == "90.9 %"
    assert shown("enrolled", 12345, "id") == "12.345"
    assert shown("score_change", {"ASSIST": -3.8333}, "id") == "ASSIST: -3,83"
    assert shown("completion_rate", None, "en") == "—"
    assert shown("cohort", 2025, "en") == "2025"  # a year, not a quantity


def _request(query: str = "", cookie: str = "") -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_the_language_is_the_query_then_the_cookie_then_indonesian():
    assert choose(_request(), None) == "id"
    assert choose(_request(cookie="pulih_lang=en"), None) == "en"
    assert choose(_request(cookie="pulih_lang=en"), "id") == "id"
    assert choose(_request(cookie="pulih_lang=fr"), None) == "id"
    assert all(len(pair) == 2 and all(pair) for pair in WORDS.values())


def test_a_tables_downloads_keep_its_filters():
    table = Table("t", "T", ("prison_id",), [], "/evaluation",
                  {"from": "2025-01-01", "prison_id": None, "partner_id": "p"})
    assert table.downloads() == [
        ("CSV", "/evaluation?from=2025-01-01&partner_id=p&format=csv"),
        ("XLSX", "/evaluation?from=2025-01-01&partner_id=p&format=xlsx")]
