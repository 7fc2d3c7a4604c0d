"""A participant's pseudonym: the `participant_id` every prison derives for the same person
(contract "Personal data (v2)"), so a readmission to another prison is recognised, without the
NIK or register number ever entering Pulih.

`participant_id(key, nik=…)` or `participant_id(key, register_number=…)`:
1. normalise the identifier — NIK: surrounding whitespace and inner spaces removed, then
   exactly 16 ASCII digits; register number (the national register number, used where the NIK
   is missing): every whitespace character removed, uppercased, then 1–64 printable ASCII
   characters;
2. domain-separate it: `b"pulih/participant/v1/" + kind + b"\\x00" + value` (kind `nik` or
   `register_number`), so a NIK and a register number spelling the same characters never
   collide, and a later scheme (v2) never meets v1's values;
3. HMAC-SHA256 under the office's secret key (at least 32 bytes; `pulih pseudonym new-key`);
4. the first 16 bytes of the MAC as a UUID with RFC 9562 version 8 (custom) and variant bits
   set: the canonical lowercase form the contract's `participant_id` takes.

The same person has two different pseudonyms under their NIK and their register number: a
prison should use the NIK whenever it has one. Without the key the mapping cannot be
reversed or recomputed (16-digit NIKs could be enumerated by anyone holding it: the key is
the secret, kept at the regional or national office). Errors never echo the value.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

MIN_KEY_BYTES = 32
_DOMAIN = b"pulih/participant/v1/"


def normalise_nik(nik: str) -> str:
    value = "".join(nik.split(" ")).strip()
    if len(value) != 16 or not (value.isascii() and value.isdigit()):
        raise ValueError("a NIK is exactly 16 digits")
    return value


def normalise_register_number(number: str) -> str:
    value = "".join(number.split()).upper()
    if not 1 <= len(value) <= 64 or not (value.isascii() and value.isprintable()):
        raise ValueError("a register number is 1 to 64 printable ASCII characters "
                         "(whitespace ignored)")
    return value


def participant_id(key: bytes, *, nik: str | None = None,
                   register_number: str | None = None) -> str:
    """The person's `participant_id` under `key`, from exactly one of `nik` and
    `register_number` (see the module docstring). Raises ValueError naming the rule broken,
    never the value."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the key must be at least {MIN_KEY_BYTES} bytes")
    if (nik is None) == (register_number is None):
        raise ValueError("give exactly one of nik and register_number")
    if nik is not None:
        kind, value = b"nik", normalise_nik(nik)
    else:
        kind, value = b"register_number", normalise_register_number(register_number or "")
    mac = hmac.new(key, _DOMAIN + kind + b"\x00" + value.encode("ascii"),
                   hashlib.sha256).digest()
    raw = bytearray(mac[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant 10 (RFC 9562)
    return str(uuid.UUID(bytes=bytes(raw)))
