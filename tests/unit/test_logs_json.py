"""Log lines are JSON (one per line, as before), written with orjson, and no value loses its
line: what orjson cannot write natively goes through structlog's fallback or the standard
library's encoder."""

from __future__ import annotations

import orjson
import structlog

from shared.logs import configure


def test_every_value_is_written_as_one_json_line(capsys):
    configure()
    try:
        log = structlog.get_logger("test")
        log.info("command_accepted", ms=0.4, events=["SessionHeld"], note="ñ")
        log.info("odd", keys={1: "a"}, big=2**70, thing=object())
    finally:
        structlog.reset_defaults()
    first, second = (orjson.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["event"] == "command_accepted" and first["level"] == "info"
    assert (first["ms"], first["events"], first["note"]) == (0.4, ["SessionHeld"], "ñ")
    assert second["keys"] == {"1": "a"} and second["big"] == 2**70
    assert second["thing"].startswith("<object object at")
