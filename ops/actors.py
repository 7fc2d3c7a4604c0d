"""`pulih audit verify --identities DIR`: events whose actor is no identity known when the event
was recorded. A warning, not a broken link: the chain may be intact (someone with disk access
can re-hash a forged event), but the command edge would never have written that actor.

With identities configured the edge writes only the actor of the sending officer's credentials
(`officer:{prison}:{name}`, or a region user's `region:{kanwil}:{name}` on a prison's own
aggregate); the services' own timers write `system:{service}` actors, which no
credentials name and so are not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.identities import Identities

OFFICER, SYSTEM, REGION = "officer:", "system:", "region:"
SHOWN = 20  # the first warnings listed; all are counted


@dataclass(frozen=True)
class Unknown:
    seq: int
    subject: str
    actor: str
    reason: str


@dataclass
class ActorCheck:
    identities: Identities
    count: int = 0
    shown: list[Unknown] = field(default_factory=list)

    def check(self, seq: int, subject: str, envelope: dict[str, Any]) -> None:
        """Count (and list the first SHOWN of) the events whose actor is not accounted for."""
        reason = self.reason(envelope)
        if reason is not None:
            self.count += 1
            if len(self.shown) < SHOWN:
                self.shown.append(Unknown(seq, subject, envelope["actor"], reason))

    def reason(self, envelope: dict[str, Any]) -> str | None:
        actor = envelope["actor"]
        if actor.startswith(SYSTEM):
            return None
        if actor.startswith(REGION):  # a Kanwil's quota or assignment (shared/regions.py)
            if envelope["aggregate_type"] != "prison":
                return "a region's actor on another aggregate than a prison's own"
            if not self.identities.known_at(actor, datetime.fromisoformat(
                    envelope["recorded_at"])):
                return "no region user with this actor when the event was recorded"
            return None
        if not actor.startswith(OFFICER):
            return "not an officer's actor"
        if actor.split(":")[1] != envelope["prison_id"]:
            return "an officer of another prison"
        if not self.identities.known_at(actor, datetime.fromisoformat(envelope["recorded_at"])):
            return "no officer with this actor when the event was recorded"
        return None

    def report(self) -> list[str]:
        if not self.count:
            return ["  actors: every officer actor is an identity known at the time"]
        lines = [f"  actors: WARNING — {self.count} event(s) whose actor is not an identity "
                 "known at the time:"]
        lines += [f"    seq {u.seq}  {u.actor}  {u.reason}  ({u.subject})" for u in self.shown]
        if self.count > len(self.shown):
            lines.append(f"    … {self.count - len(self.shown)} more")
        return lines
