"""How many worker processes: the cores this process may use, and the ``--workers`` option.

Kept apart from :mod:`sim.runs.execution` so that a command's parser reads ``--workers auto``
without importing the executors (``multiprocessing`` and ``concurrent.futures``: about 0.1 s,
which ``partnersim --help`` does not pay).
"""

from __future__ import annotations

import argparse
import os

AUTO = "auto"
"""The ``--workers`` value that means one worker per core this process may use."""


def usable_cores() -> int:
    """Return how many cores this process may run on.

    Its CPU affinity where the system reports one (a batch scheduler's or a container's limit
    shows there), else ``os.cpu_count()``, else 1.
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def workers_option(text: str) -> int:
    """Read a ``--workers`` value: a whole number, or ``auto`` for :func:`usable_cores`.

    The argparse ``type`` of every command's ``--workers``. The floor (at least 1) is checked
    with the command's other numbers, so that ``0`` gets the same message everywhere.

    Args:
        text: The option's value as typed.

    Returns:
        The number of worker processes.

    Raises:
        argparse.ArgumentTypeError: ``text`` is neither (argparse prints the message under the
            option's name and exits with status 2).
    """
    if text.strip().lower() == AUTO:
        return usable_cores()
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of worker processes or {AUTO!r} (one per core this "
            f"process may use: {usable_cores()} here); got {text!r}"
        ) from None
