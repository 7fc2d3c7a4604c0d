"""Direct gets (JetStream's `$JS.API.DIRECT.GET`): the store's batched reads of the log."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence

import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from shared.envelope import STREAM
from shared.history import Recorded
from shared.store import StoreUnavailable

# The header beside each event naming the command that wrote it: "{Name} {sha256 of data}".
COMMAND_HEADER = "Pulih-Command"
READ_BATCH = 1000
TIMEOUT = 5.0


class DirectReader:
    """Direct gets (server ≥ 2.11) over one long-lived reply subscription: the last message of
    each subject under a filter (`multi_last`, served from the server's subject index at any
    log size), and the messages under a filter from a sequence on, in batches."""

    def __init__(self, nc: Client):
        self._nc = nc
        self._prefix = nc.new_inbox()
        self._ids = itertools.count()
        self._waiting: dict[str, asyncio.Queue[Msg]] = {}
        self._sub = None

    async def _route(self, msg: Msg) -> None:
        queue = self._waiting.get(msg.subject)
        if queue is not None:
            queue.put_nowait(msg)

    async def lasts(self, prefixes: Sequence[str]) -> dict[str, list[Recorded]]:
        """The newest message of every subject `{prefix}.*`, per prefix, in sequence order:
        several aggregates in one request."""
        out: list[tuple[str, Recorded]] = []
        await self._request({"multi_last": [f"{p}.*" for p in prefixes], "batch": READ_BATCH},
                            out, ",".join(prefixes))
        found: dict[str, list[Recorded]] = {}
        for subject, record in sorted(out, key=lambda pair: pair[1].seq):
            found.setdefault(subject.rpartition(".")[0], []).append(record)
        return found

    async def read(self, subject_filter: str, from_seq: int, count: int | None = None
                   ) -> list[Recorded]:
        """Messages matching the filter from `from_seq` on: all of them, or the first `count`
        (a known count lets the server stop there instead of searching on to the tail)."""
        out: list[tuple[str, Recorded]] = []
        while True:
            batch = READ_BATCH if count is None else min(READ_BATCH, count - len(out))
            request = {"seq": from_seq, "next_by_subj": subject_filter, "batch": batch}
            more = await self._request(request, out, subject_filter)
            if not more or (count is not None and len(out) >= count):
                return [record for _, record in out]
            from_seq = out[-1][1].seq + 1

    async def _request(self, request: dict, out: list[tuple[str, Recorded]], what: str
                       ) -> bool:
        if self._sub is None:
            self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._route)
        reply = f"{self._prefix}.{next(self._ids)}"
        queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._waiting[reply] = queue
        try:
            await self._nc.publish(f"$JS.API.DIRECT.GET.{STREAM}", orjson.dumps(request),
                                   reply=reply)
            async with asyncio.timeout(TIMEOUT):  # not wait_for: see runner.py `until_set`
                return await self._drain(queue, out)
        except (TimeoutError, nats.errors.Error) as exc:
            raise StoreUnavailable(f"reading {what}: {exc!r}") from exc
        finally:
            del self._waiting[reply]

    @staticmethod
    async def _drain(queue: asyncio.Queue[Msg], out: list[tuple[str, Recorded]]) -> bool:
        """Collect one batch; True when the server says more remain after it."""
        while True:
            msg = await queue.get()
            headers = msg.headers or {}
            status = headers.get("Status")
            if status == "404":
                return False
            if status == "204":  # end of batch
                return int(headers.get("Nats-Num-Pending", "0")) > 0
            if status:
                raise StoreUnavailable(f"direct get status {status}")
            out.append((headers["Nats-Subject"],
                        Recorded(int(headers["Nats-Sequence"]), orjson.loads(msg.data),
                                 headers.get(COMMAND_HEADER))))
