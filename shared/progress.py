"""Progress of the operator's long commands (`pulih replay`, `pulih events export|import`,
`pulih audit verify`), always on stderr: stdout stays the data's alone.

`PULIH_PROGRESS` chooses how:
- `auto` (default): a progress bar when stderr is a terminal; otherwise a plain line at most
  every `PULIH_PROGRESS_SECONDS` (default 10), and a last one when done if any was written, so
  a command shorter than that writes nothing (no bar redraws, no carriage returns in CI logs);
- `bar`: the bar even when stderr is not a terminal;
- `lines`: plain lines at most every `PULIH_PROGRESS_SECONDS`, and always a last one when done;
- `off`: nothing.
A line reads `pulih events export: 1,234/5,000 events (24%), 812 events/s`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO, TypeVar

MODES = ("auto", "bar", "lines", "off")
DEFAULT_SECONDS = 10.0
BAR_REFRESH = 0.2  # seconds between two redraws of a bar
T = TypeVar("T")


class ProgressError(ValueError):
    """PULIH_PROGRESS or PULIH_PROGRESS_SECONDS is not one of the values it can be."""


def choice(env: dict[str, str] | None = None) -> tuple[str, float, bool]:
    """(mode, seconds between lines, whether the mode was asked for rather than `auto`)."""
    env = os.environ if env is None else env
    mode = env.get("PULIH_PROGRESS") or "auto"
    if mode not in MODES:
        raise ProgressError(f"PULIH_PROGRESS must be one of {', '.join(MODES)}, got {mode!r}")
    raw = env.get("PULIH_PROGRESS_SECONDS") or str(DEFAULT_SECONDS)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ProgressError("PULIH_PROGRESS_SECONDS must be a number of seconds ≥ 0, got "
                            f"{raw!r}")
    return mode, seconds, mode != "auto"


class Progress:
    """How far one long step is: `to(position)` as it goes (cheap: it only draws when due),
    `done()` at its end. Positions are stream sequences or bytes, out of `total`."""

    def __init__(self, what: str, total: int, unit: str = "events",
                 out: TextIO | None = None, env: dict[str, str] | None = None):
        self.what, self.total, self.unit = what, max(total, 0), unit
        self.position, self._out = 0, out or sys.stderr
        mode, self._every, self._asked = choice(env)
        if mode == "auto":
            mode = "bar" if _is_terminal(self._out) else "lines"
        self.mode, self._lines_written, self._bar = mode, 0, None
        self._started = time.monotonic()
        if mode == "bar":
            from tqdm import tqdm

            self._every = BAR_REFRESH
            self._bar = tqdm(total=self.total, unit=" " + unit if unit != "B" else "B",
                             unit_scale=True, unit_divisor=1024 if unit == "B" else 1000,
                             desc=what, file=self._out, smoothing=0.1, mininterval=0,
                             dynamic_ncols=True)
        self._due = self._started + self._every

    def to(self, position: int) -> None:
        self.position = position
        if self.mode != "off" and (now := time.monotonic()) >= self._due:
            self._due = now + self._every
            self._show(now)

    def through(self, items: Iterable[T], position: Callable[[T], int] | None = None
                ) -> Iterator[T]:
        """`items` passed on, moving to `position(item)` after each is used (None: the bytes
        of the items so far)."""
        so_far = 0
        for item in items:
            yield item
            if position is None:
                so_far += len(item)  # type: ignore[arg-type]
                self.to(so_far)
            else:
                self.to(position(item))

    def done(self) -> None:
        """The step finished: the bar filled and closed, or the last line (see the modes)."""
        self.position = max(self.position, self.total)
        if self._bar is not None:
            self._bar.update(self.position - self._bar.n)
            self._bar.close()
        elif self.mode == "lines" and (self._asked or self._lines_written):
            self._show(time.monotonic(), last=True)

    def abandon(self) -> None:
        """The step failed: the bar closed where it stopped (the error says why)."""
        if self._bar is not None:
            self._bar.close()

    def _show(self, now: float, last: bool = False) -> None:
        if self._bar is not None:
            self._bar.update(min(self.position, self.total) - self._bar.n)
            return
        self._out.write(self.line(now - self._started, last) + "\n")
        self._out.flush()
        self._lines_written += 1

    def line(self, elapsed: float, last: bool = False) -> str:
        share = f" ({self.position * 100 // self.total}%)" if self.total else ""
        rate = f", {_amount(round(self.position / elapsed), self.unit)}/s" if elapsed else ""
        when = f", done in {elapsed:.1f} s" if last else ""
        return (f"{self.what}: {_amount(self.position, self.unit, bare=True)}/"
                f"{_amount(self.total, self.unit)}{share}{rate}{when}")


@contextlib.contextmanager
def progress(what: str, total: int, unit: str = "events") -> Iterator[Progress]:
    """A Progress for the block: done when it ends, abandoned when it raises."""
    shown = Progress(what, total, unit)
    try:
        yield shown
    except BaseException:
        shown.abandon()
        raise
    shown.done()


def _amount(n: int, unit: str, bare: bool = False) -> str:
    if unit == "B":
        return f"{n / 2**20:,.1f}" + ("" if bare else " MiB")
    return f"{n:,}" + ("" if bare else f" {unit}")


def _is_terminal(out: Any) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
