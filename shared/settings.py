"""Settings from the environment (names are part of the public contract)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    nats_url: str | None
    database_url: str | None
    data_dir: Path
    http_port: int
    http_host: str = "127.0.0.1"
    readmodel_schema: str = "readmodel"
    expiry_check_seconds: float = 3600.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            nats_url=env.get("PULIH_NATS_URL") or None,
            database_url=env.get("PULIH_DATABASE_URL") or None,
            data_dir=Path(env.get("PULIH_DATA_DIR") or ".pulih"),
            http_port=int(env.get("PULIH_HTTP_PORT") or 8080),
            http_host=env.get("PULIH_HTTP_HOST") or "127.0.0.1",
            expiry_check_seconds=float(env.get("PULIH_EXPIRY_CHECK_SECONDS") or 3600),
        )
