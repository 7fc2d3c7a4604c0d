"""Errors are values with a contract code; the edge turns them into the reply body."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.replies import Code

__all__ = ["MAX_DETAILS", "Code", "Detail", "Rejected", "invalid", "not_found", "rule"]


@dataclass(frozen=True)
class Detail:
    field: str
    message: str


# A reply names at most this many details (a 10,000-mark attendance list can have 10,000
# offenders): the reply must fit in one NATS message (1 MB by default), and the message says
# how many there are.
MAX_DETAILS = 100


@dataclass
class Rejected(Exception):
    """A command refused for a reason the caller can act on. Nothing was written."""

    code: Code
    message: str
    details: list[Detail] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def body(self) -> dict:
        """The contract's reply body, `shared.replies.CommandRejected`, as a plain dict
        (tests/unit/test_docs_current.py holds it to the model)."""
        details = [{"field": d.field, "message": d.message} for d in self.details[:MAX_DETAILS]]
        if len(self.details) > MAX_DETAILS:
            details.append({"field": "details",
                            "message": f"{len(self.details) - MAX_DETAILS} more not shown"})
        return {"ok": False,
                "error": {"code": self.code, "message": self.message, "details": details}}


def rule(message: str, field_name: str | None = None) -> Rejected:
    details = [Detail(field_name, message)] if field_name else []
    return Rejected("rule", message, details)


def invalid(message: str, field_name: str) -> Rejected:
    return Rejected("invalid", message, [Detail(field_name, message)])


def not_found(message: str) -> Rejected:
    return Rejected("not_found", message)
