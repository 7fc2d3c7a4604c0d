"""The custody events in the `participants` / `releases` read models (issue 13, §5).

- A transfer (`ParticipantTransferred`, or a v1 `ParticipantReleased` of type `transfer`: the
  same to every reader) is a `releases` row with `release_type` `transfer` and `to_prison_id`
  (null for v1): the stay here ended, nobody was released. A `RecordReadmission` after it (a
  return here) ends that row as for a release. Readers leave these rows out of `released*`.
- `conditional` (ParticipantReleased v2) on each release row and on the participant (its latest
  release's), null for a transfer.
- `ConditionalReleaseRevoked` ends the latest release row with `revoked_on` (never
  `readmitted_on`: a revocation is not a readmission) and puts the participant back in custody.
- `ParticipantDied` sets the participant's `died_on`, out of custody; nothing may follow it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.contract.events import (
    ConditionalReleaseRevoked,
    ParticipantDied,
    ParticipantTransferred,
)

TRANSFERRED, REVOKED = ParticipantTransferred.TYPE, ConditionalReleaseRevoked.TYPE
DIED = ParticipantDied.TYPE

# Appended to the participants and releases tables (participants.py's DDL).
COLUMNS = ("conditional", "to_prison_id", "died_on")
TYPES = ("bool", "text", "date")
RELEASE_COLUMNS = ("conditional", "to_prison_id", "revoked_on")
RELEASE_TYPES = ("bool", "text", "date")
REGISTERED = {"conditional": None, "to_prison_id": None, "died_on": None}
# /recidivism follows a person (a pseudonym) through every prison.
DDL = """
CREATE INDEX IF NOT EXISTS releases_person_idx ON releases (participant_id);
CREATE INDEX IF NOT EXISTS participants_person_idx ON participants (participant_id);
"""

def _day(value: Any) -> date:
    return date.fromisoformat(value)


def conditional(data: dict[str, Any]) -> bool | None:
    value = data.get("conditional")
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"conditional {value!r} is not a boolean")
    return value


def as_release(data: dict[str, Any]) -> dict[str, Any]:
    """A transfer's data as the release of type `transfer` every reader treats it as."""
    to = data["to_prison_id"]
    if not isinstance(to, str):
        raise ValueError(f"to_prison_id {to!r} is not a string")
    return {"released_on": data["transferred_on"], "release_type": "transfer",
            "conditional": None, "to_prison_id": to}


def release_row(doc: dict[str, Any], readmitted_on: date | None,
                revoked_on: date | None = None) -> dict[str, Any]:
    """The `releases` row of the participant's latest release (or transfer), as ended so far."""
    return {"participant_id": doc["participant_id"], "n": doc["releases"],
            "prison_id": doc["prison_id"], "released_on": doc["released_on"],
            "release_type": doc["release_type"], "readmitted_on": readmitted_on,
            "conditional": doc["conditional"], "to_prison_id": doc["to_prison_id"],
            "revoked_on": revoked_on}


def revoked(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    on = _day(data["revoked_on"])
    if doc["in_custody"] or doc["conditional"] is not True:
        raise ValueError(f"participant {doc['participant_id']} has no conditional release "
                         "to revoke")
    if on < doc["released_on"]:
        raise ValueError(f"revoked on {on} before the release on {doc['released_on']}")
    out = {**doc, "in_custody": True, "custody_since": on}
    out["new_releases"] = {**doc["new_releases"],
                           doc["releases"]: release_row(doc, None, revoked_on=on)}
    return out


def died(doc: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    on = _day(data["died_on"])
    since = doc["custody_since"] if doc["in_custody"] else doc["released_on"]
    if on < since:
        raise ValueError(f"died on {on} before {since}")
    return {**doc, "in_custody": False, "died_on": on}
