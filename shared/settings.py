"""Settings from the environment (names are part of the public contract).

`Settings` is the plain value the services are handed (tests `dataclasses.replace` it); the
fields it reads from `PULIH_*` variables are parsed by pydantic-settings, from the same
declaration, so a bad variable is reported by name with what it must be.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, create_model
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

PREFIX = "PULIH_"

# A URL may carry a password: an error about it never repeats the value.
Url = Annotated[str | None, Field(description="a URL", json_schema_extra={"secret": True})]
Port = Annotated[int, Field(ge=1, le=65535, description="an integer port 1–65535")]
OptionalPort = Annotated[int | None, Field(ge=1, le=65535, description="an integer port 1–65535")]
Directory = Annotated[Path | None, Field(description="a directory")]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False,
                                 description="a positive number of seconds")]
# pydantic reads on/off (also true/false, yes/no, 1/0); unset: the default the field documents.
Switch = Annotated[bool | None, Field(description="on or off")]


class SettingsError(ValueError):
    """A bad environment: one line per bad variable, naming it and what it must be."""


@dataclass(frozen=True)
class Settings:
    nats_url: Url = None
    # The identities to connect with (`pulih auth init DIR`); unset: an open server.
    nats_credentials: Directory = None
    database_url: Url = None
    data_dir: Path = Path(".pulih")
    http_port: Port = 8080
    http_host: str = "127.0.0.1"
    expiry_check_seconds: Seconds = 3600.0
    readmodel_schema: str = "readmodel"
    # Bearer tokens on the reports; None: on unless http_host is a loopback address.
    http_auth: Switch = None
    http_jwks_url: Url = None
    # Prometheus metrics of the whole process on this port (shared/metrics.py); unset: none
    # but reporting's own `GET /metrics` on http_port.
    metrics_port: OptionalPort = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = _Source(_Environment, os.environ if env is None else env)
        try:
            parsed = _Environment(_build_sources=((source,), {}))
        except ValidationError as e:
            # `from None`: pydantic's own report would echo every input, passwords included.
            raise SettingsError(_explain(e)) from None
        return cls(**parsed.model_dump())


# Not a contract variable: only tests and the rebuild choose another read-model schema.
_NOT_FROM_ENV = {"readmodel_schema"}


class _EnvironmentBase(BaseSettings):
    # Exact names (the aliases below), and an empty variable counts as unset.
    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, frozen=True)


def _variable(name: str) -> str:
    return PREFIX + name.upper()


_hints = typing.get_type_hints(Settings, include_extras=True)
_Environment = create_model(
    "_Environment", __base__=_EnvironmentBase,
    **{f.name: (Annotated[_hints[f.name], Field(validation_alias=_variable(f.name))], f.default)
       for f in fields(Settings) if f.name not in _NOT_FROM_ENV},
)
_FIELD_OF = {_variable(name): field for name, field in _Environment.model_fields.items()}


class _Source(EnvSettingsSource):
    """The environment source over a given mapping (tests pass a dict) rather than os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._env, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


def _explain(error: ValidationError) -> str:
    lines: dict[str, str] = {}
    for problem in error.errors():
        variable = str(problem["loc"][0])
        field = _FIELD_OF[variable]
        secret = (field.json_schema_extra or {}).get("secret")
        got = "" if secret else f", got {problem['input']!r}"
        # A union reports once per member; the variable is named once.
        lines.setdefault(variable, f"{variable} must be {field.description}{got}")
    return "\n".join(lines.values())
