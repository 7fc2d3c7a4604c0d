"""The agreement (PKS) aggregate. Pure: no I/O, no clock, no logging."""

from services.agreements.domain.decide import Command, decide, expiry_due
from services.agreements.domain.state import Agreement, evolve

__all__ = ["Agreement", "Command", "decide", "evolve", "expiry_due"]
