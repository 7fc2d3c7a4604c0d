"""What the `/evaluation` queries share: the programs asked for, keyed by (prison_id, id)."""

from __future__ import annotations

ProgramKey = tuple[str, str]  # (prison_id, program_id)

# The programs asked for, as (prison_id, program_id) pairs: ids are unique within a prison only,
# so every join below also matches the prison.
WANTED = "wanted AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(prison_id, program_id))"
