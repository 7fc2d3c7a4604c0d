"""The runner's wait for a ready batch never swallows a cancellation (Python 3.11's
`asyncio.wait_for` does when the event is set in the same loop turn as the cancel)."""

import asyncio

import pytest

from shared.runner import until_set


async def test_a_cancel_in_the_same_turn_as_the_event_stops_the_loop():
    event = asyncio.Event()

    async def follow() -> None:  # the shape of the runner's loop
        while True:
            await until_set(event, 5.0)
            event.clear()

    task = asyncio.create_task(follow())
    await asyncio.sleep(0)  # the task waits on the event
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2.0)


async def test_it_returns_when_set_and_when_the_time_is_up():
    event = asyncio.Event()
    event.set()
    await asyncio.wait_for(until_set(event, 5.0), 1.0)
    event.clear()
    await asyncio.wait_for(until_set(event, 0.05), 2.0)  # the time is up: no TimeoutError
    assert not event.is_set()
