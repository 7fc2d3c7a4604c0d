"""`pulih status` without servers: URLs shown without their secrets, and the table's rows."""

import pytest

from ops.status import without_secret
from ops.status_table import COLUMNS, render, rows


@pytest.mark.parametrize("url, shown", [
    ("postgresql://pulih:s3cret@db.kanwil:5432/pulih", "postgresql://pulih@db.kanwil:5432/pulih"),
    ("postgresql://pulih@db/pulih?sslmode=require&password=s3cret",
     "postgresql://pulih@db/pulih?sslmode=require"),
    ("nats://s3cret@nats.kanwil:4222", "nats://nats.kanwil:4222"),
    ("nats://svc:s3cret@[::1]:4222", "nats://svc@[::1]:4222"),
    ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
    (None, None),
])
def test_urls_lose_their_secrets(url, shown):
    assert without_secret(url) == shown


REPORT = {
    "servers": {"nats": {"url": "nats://127.0.0.1:4222", "how": "external", "reachable": True,
                         "error": None},
                "postgres": {"url": "postgresql://pulih@127.0.0.1:5433/pulih", "how": "embedded",
                             "reachable": False, "error": "ConnectionRefusedError: refused"}},
    "stream": {"name": "PULIH_EVENTS", "exists": True, "messages": 3012, "bytes": 1234567,
               "first_seq": 1, "last_seq": 3012},
    "schema": "readmodel",
    "projections": {"agreements": {"last_seq": 3000, "lag": 12, "parked": 0},
                    "programs": {"last_seq": 3012, "lag": 0, "parked": 2},
                    "attendance": {"last_seq": 3012, "lag": 0, "parked": 0},
                    "evaluation": {"last_seq": None, "lag": None, "parked": None}},
    "problem": None, "sites": [],
}


def test_one_table_with_every_figure():
    table = {r[0]: r for r in rows(REPORT)}
    assert table["server nats"][1:2] == ("up",)
    assert table["server postgres"][1] == "DOWN"
    assert table["server postgres"][-1] == ("postgresql://pulih@127.0.0.1:5433/pulih (embedded) "
                                            "ConnectionRefusedError: refused")
    assert table["stream PULIH_EVENTS"][1:6] == ("ok", "3012", "1234567", "1", "3012")
    assert table["projection agreements"][1:8] == ("behind", "", "", "", "3000", "12", "0")
    assert table["projection programs"][1] == "parked"
    assert table["projection attendance"][1] == "current"
    assert table["projection evaluation"][5:8] == ("?", "?", "?")
    assert table["sites"][1] == "none"
    text = render(REPORT).splitlines()
    assert text[0].split() == list(COLUMNS)
    assert len(text) == 1 + len(table)
    stream_line = next(line for line in text if line.startswith("stream"))
    assert stream_line.index("3012") == text[0].index("MESSAGES")  # aligned under its column
