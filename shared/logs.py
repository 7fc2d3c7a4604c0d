"""Structured logging: JSON lines when not on a terminal, with ids bound per command."""

from __future__ import annotations

import json
import logging
import sys

import orjson
import structlog


def configure(level: str = "INFO") -> None:
    renderer = (
        structlog.dev.ConsoleRenderer()
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer(serializer=_json)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries that log through the standard library (faststream, uvicorn) stay quiet
    # unless something is wrong.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def _json(event: dict, default=None, **_: object) -> str:  # noqa: ANN001 -- structlog's
    """One log line with orjson (a command logs one: the standard library's encoder cost a
    few per cent of a command's CPU); what orjson cannot write goes through structlog's
    fallback (`default`), as with json.dumps; a line orjson refuses (an integer beyond 64
    bits) is written by the standard library's encoder instead of being lost."""
    try:
        return orjson.dumps(event, default=default, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(event, default=default)
