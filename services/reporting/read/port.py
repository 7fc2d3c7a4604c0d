"""The one port the HTTP side reads through; the composition root plugs in the real reads
(`services.reporting.read.live`), unit tests a hand-written fake."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import asyncpg
import nats.errors
import nats.js.errors

from services.reporting.read.figures import Window
from services.reporting.read.recidivism import Graduates
from shared.store import Recorded, StoreUnavailable

Rows = list[dict[str, Any]]


class ReadModel(Protocol):
    """Every report query takes the read-model `schema` to read (the live one or a replay's)
    and returns the contract's items, filtered and ordered. A list's `prisons` keeps only
    those prisons' rows (the prisons a bearer token covers); None: every prison."""

    async def agreements(self, schema: str, today: date, prison_id: str | None,
                         partner_id: str | None, status: str | None, *,
                         prisons: Sequence[str] | None = None) -> Rows: ...

    async def program(self, schema: str, program_id: str, prison_id: str | None) -> Rows:
        """The `/programs/{program_id}` body of the program of that id in each prison that
        has one (`prison_id`'s only, when given); empty when there is none."""
        ...

    async def roster(self, schema: str, prison_id: str, program_id: str) -> Rows:
        """The `/programs/{program_id}/participants` items of that prison's program (see
        `read.phases.roster`); empty when it has no participant."""
        ...

    async def program_sessions(self, schema: str, prison_id: str, program_id: str, to: date
                               ) -> dict[str, Any]:
        """The dashboard's program page: held sessions per month and activity, and each
        participant's attendance, up to `to` (see `read.program_sessions`)."""
        ...

    async def evaluation(self, schema: str, window: Window, prison_id: str | None,
                         partner_id: str | None, *, prisons: Sequence[str] | None = None,
                         kanwil_id: str | None = None) -> Rows:
        """`/evaluation` rows; `kanwil_id`: the programs of that Kanwil's prisons only."""
        ...

    async def regional(self, schema: str, window: Window, *,
                       prisons: Sequence[str] | None = None, prison_id: str | None = None,
                       kanwil_id: str | None = None) -> Rows:
        """`/regional` rows, of `prison_id` only, of that Kanwil's prisons only when given."""
        ...

    async def prison_ids(self, schema: str, to: date, *, prisons: Sequence[str] | None = None,
                         kanwil_id: str | None = None) -> list[str]:
        """The `prison_id`s of the `/regional` rows on `to` (a program, or an agreement signed
        by then), ordered, without computing them (`read.listing`)."""
        ...

    async def program_keys(self, schema: str, prison_id: str | None, partner_id: str | None,
                           *, prisons: Sequence[str] | None = None,
                           kanwil_id: str | None = None) -> list[tuple[str, str]]:
        """`(prison_id, program_id)` of the `/evaluation` rows, in its order."""
        ...

    async def partners(self, schema: str, *, prisons: Sequence[str] | None = None
                       ) -> list[tuple[str, str]]:
        """`(partner_id, partner_name)` of the agreements `/agreements` lists, ordered."""
        ...

    async def quarterly(self, schema: str, quarters: Sequence[Window], by_kanwil: bool, *,
                        prisons: Sequence[str] | None = None, prison_id: str | None = None,
                        kanwil_id: str | None = None) -> Rows:
        """Per line (a prison, or a Kanwil) and quarter, the sums of its `/regional` rows'
        counts (`read.quarterly`)."""
        ...

    async def intake(self, schema: str, window: Window, prison_id: str | None, *,
                     prisons: Sequence[str] | None = None) -> Rows:
        """The `/intake` rows: one per prison with a stay screened inside `window`."""

    async def recidivism(self, schema: str, to: date, cohort: int | None, window: int | None,
                         prison_id: str | None, *,
                         prisons: Sequence[str] | None = None,
                         graduates: Graduates | None = None) -> Rows:
        """`/recidivism` rows (services/reporting/read/recidivism.py); `graduates` (None:
        everyone) keeps the graduates it names."""
        ...

    async def recidivism_stock(self, schema: str, on: date, prison_id: str | None, *,
                               prisons: Sequence[str] | None = None) -> Rows:
        """`/recidivism/stock` rows (services/reporting/read/stock.py)."""

    async def quotas(self, schema: str, year: int, tracks: Sequence[str]) -> Rows:
        """The `/quotas` prison rows of `year` for `tracks`, every prison (the route filters
        and rolls them up)."""
        ...

    async def kanwils(self, schema: str, *, prisons: Sequence[str] | None = None) -> Rows:
        """`{kanwil_id, kanwil_name}` of the Kanwil the prisons are assigned to (the
        dashboard's Kanwil filter)."""
        ...

    async def checkpoint(self, schema: str) -> int | None:
        """The last stream sequence applied into `schema`; None when `schema` holds no
        read-model today's queries can read."""
        ...

    async def replay_day(self, schema: str) -> date | None:
        """The WIB day a replay was built up to, if recorded."""
        ...

    async def health(self) -> dict[str, Any]:
        """`{"projections": {name: {"last_seq", "lag", "parked"}}, "stream_last_seq",
        "problem"}`: how far each projection lags behind the log."""
        ...

    async def audit(self, aggregate_type: str, aggregate_id: str, prison_id: str | None
                    ) -> list[Recorded]:
        """The events of the aggregates of that id straight from the log, as stored, in
        order; `prison_id`'s only when given, else in every prison."""
        ...


# What a port's call raises when a dependency is down, or went away mid-request: the caller
# may retry (503 `unavailable`). ConnectionError and nats' TimeoutError are OSErrors.
DEPENDENCY_DOWN: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)
