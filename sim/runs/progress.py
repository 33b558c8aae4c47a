"""Progress of many runs: a bar with an ETA on a terminal, periodic log lines everywhere else.

A comparison or a sweep can take minutes to hours. On a terminal, :class:`Progress` draws a
``tqdm`` bar with the rate and the time left; when the output is not a terminal (a batch job's
log, ``make demo | tee``, CI), a bar would be lost or garble the file, so it writes a log line
instead at the start, every :data:`EVERY_SHARE` of the runs or :data:`EVERY_SECONDS` seconds,
whichever comes first, and at the end::

    compare: 12/40 runs (30%), 0:15 elapsed, about 0:35 left

The lines go to the logger ``sim.runs.progress`` at level INFO (the ``partnersim`` command shows
them on stderr with a time stamp; in a library or a notebook they show once logging is set up).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal, Self

from tqdm import tqdm

logger = logging.getLogger(__name__)

EVERY_SHARE = 0.1
"""Share of the runs between two log lines."""

EVERY_SECONDS = 30.0
"""Seconds between two log lines at the most, however slowly runs finish."""

type Mode = Literal["bar", "log", "off"]


def choose_mode(progress: bool | None, *, terminal: bool | None = None) -> Mode:
    """Return how to show progress: a bar on a terminal, log lines otherwise, or nothing.

    Args:
        progress: True for a bar, False for nothing, None to decide by ``terminal``.
        terminal: Whether stderr is a terminal (default: ask it).

    Returns:
        ``"bar"``, ``"log"`` or ``"off"``.
    """
    if progress is not None:
        return "bar" if progress else "off"
    if terminal is None:
        terminal = sys.stderr.isatty()
    return "bar" if terminal else "log"


def clock_text(seconds: float) -> str:
    """Return a duration as ``m:ss``, or ``h:mm:ss`` from an hour on."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts finished runs and shows them as a bar or as periodic log lines.

    Use as a context manager; call :meth:`update` as each run finishes.

    Attributes:
        total: Runs in all, including those done before (``initial``).
        done: Runs finished so far, including ``initial``.
        failed: Runs that raised so far.
    """

    def __init__(
        self,
        total: int,
        *,
        desc: str,
        initial: int = 0,
        mode: Mode = "log",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start counting.

        Args:
            total: Runs in all.
            desc: What runs, named at the start of every line (e.g. "compare", a sweep's name).
            initial: Runs already done before this session (a resumed sweep); the time left
                is estimated from this session's runs only.
            mode: See :func:`choose_mode`.
            clock: Seconds from a fixed origin (tests pass a fake one).
        """
        self.total = total
        self.done = initial
        self.failed = 0
        self._desc = desc
        self._initial = initial
        self._mode = mode
        self._clock = clock
        self._start = clock()
        self._last_time = self._start
        self._last_done = initial
        self._bar = (
            tqdm(total=total, initial=initial, desc=desc, unit="run", file=sys.stderr)
            if mode == "bar"
            else None
        )
        if mode == "log":
            before = f" ({initial} done before)" if initial else ""
            logger.info("%s: %d runs to do%s", desc, total - initial, before)

    def update(self, *, ok: bool = True) -> None:
        """Count one finished run (``ok=False``: it raised)."""
        self.done += 1
        self.failed += not ok
        if self._bar is not None:
            self._bar.update()
            if not ok:
                self._bar.set_postfix(failed=self.failed)
        elif self._mode == "log" and self._due():
            self._log()

    def _due(self) -> bool:
        """Whether a log line is due: a share of the runs or enough seconds since the last."""
        step = max(1, round(EVERY_SHARE * self.total))
        return (
            self.done - self._last_done >= step
            or self._clock() - self._last_time >= EVERY_SECONDS
            or self.done == self.total
        )

    def _log(self) -> None:
        now = self._clock()
        elapsed = now - self._start
        ran = self.done - self._initial
        share = self.done / self.total if self.total else 1.0
        parts = [f"{self._desc}: {self.done}/{self.total} runs ({share:.0%})"]
        parts.append(f"{clock_text(elapsed)} elapsed")
        if self.done < self.total and ran:
            parts.append(f"about {clock_text(elapsed / ran * (self.total - self.done))} left")
        if self.failed:
            parts.append(f"{self.failed} failed")
        logger.info(", ".join(parts))
        self._last_time, self._last_done = now, self.done

    def close(self) -> None:
        """Close the bar (or log the last count if it was not logged)."""
        if self._bar is not None:
            self._bar.close()
        elif self._mode == "log" and self._last_done != self.done:
            self._log()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
