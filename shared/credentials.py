"""Which NATS identity a process connects as, from a credentials directory
(PULIH_NATS_CREDENTIALS, written by `pulih auth init`): its seed file and its own inbox.

Each identity's permissions allow subscribing only under `_INBOX_{identity}.>`, so replies and
push deliveries meant for one identity can never be read by another; nats-py puts every reply
subject and deliver subject it makes under `inbox_prefix`. Without a directory (an open server)
there are no options at all: exactly a plain `nats.connect(url)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SERVICES, REPORTING, ADMIN = "services", "reporting", "admin"
SEED_SUFFIX = ".nk"


def officer(prison_id: str, name: str) -> str:
    return f"officer-{prison_id}-{name}"


def region(kanwil_id: str, name: str) -> str:
    return f"region-{kanwil_id}-{name}"


def subscriber(name: str) -> str:
    return f"subscriber-{name}"


def inbox_prefix(identity: str) -> str:
    return f"_INBOX_{identity}"


def seed_file(credentials: Path, identity: str) -> Path:
    return credentials / f"{identity}{SEED_SUFFIX}"


def connect_options(credentials: Path | None, identity: str) -> dict[str, Any]:
    """Keyword arguments for `nats.connect` (and FastStream's NatsBroker) as `identity`; none
    without credentials."""
    if credentials is None:
        return {}
    seed = seed_file(credentials, identity)
    if not seed.is_file():
        raise FileNotFoundError(f"no seed for NATS identity {identity!r}: {seed} "
                                "(create it with `pulih auth init`)")
    return {"nkeys_seed": str(seed), "inbox_prefix": inbox_prefix(identity)}


async def ensure_streams(nats_url: str, credentials: Path | None) -> None:
    """With credentials, create the streams as `admin` (the only identity allowed to), in a
    connection of its own that is closed at once; the other identities only use them."""
    if credentials is None:
        return
    import nats

    from shared.jetstream import ensure_stream

    nc = await nats.connect(nats_url, name="pulih-admin", **connect_options(credentials, ADMIN))
    try:
        await ensure_stream(nc)
    finally:
        await nc.close()
