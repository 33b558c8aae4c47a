"""Reference models: small functions with known answers that run through the sweep runner.

A sweep file with ``model: sim.experiments.reference_models:ishigami`` runs a function of this kind
instead of the partnership model, through the same design, executors and results store. Any
importable function with this signature works (``model: package.module:function``)::

    def model(params: dict[str, float], seed: int) -> dict[str, float]

``params`` holds the applied value of each swept parameter by its key; ``seed`` is the run's
seed (spawned from the sweep's base seed); the returned mapping's keys become the metric columns
of ``runs.parquet``. The function is looked up by name inside the worker, so it runs on spawned
pool workers and on Dask workers alike.

Sources:
    ISHIGAMI-HOMMA-1990: Ishigami, T. and Homma, T. (1990), "An importance quantification
        technique in uncertainty analysis for computer models", Proceedings of the First
        International Symposium on Uncertainty Modeling and Analysis (ISUMA '90), 398-403,
        doi:10.1109/ISUMA.1990.151285.
    SALIB: SALib's ``SALib.test_functions.Ishigami`` and its documentation (Herman and Usher
        2017, doi:10.21105/joss.00097), which give a = 7, b = 0.1 and inputs on [-pi, pi].
"""

from __future__ import annotations

import math

ISHIGAMI_A = 7.0
"""Ishigami's ``a`` (SALIB's default, the usual benchmark value)."""
ISHIGAMI_B = 0.1
"""Ishigami's ``b`` (SALIB's default, the usual benchmark value)."""


class InjectedFault(RuntimeError):
    """The error :func:`faulty` raises on purpose, to test how a sweep handles failing runs."""


def ishigami(params: dict[str, float], seed: int) -> dict[str, float]:
    """The Ishigami function, ``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` (ISHIGAMI-HOMMA-1990).

    The standard test of variance-based sensitivity analysis: with x1, x2, x3 independent and
    uniform on [-pi, pi], a = 7 and b = 0.1, its first-order Sobol' indices are S1 = 0.3139,
    S2 = 0.4424, S3 = 0 and its total-order indices ST1 = 0.5576, ST2 = 0.4424, ST3 = 0.2437
    (closed forms in SALIB's documentation).

    Args:
        params: ``x1``, ``x2`` and ``x3`` (radians, on [-pi, pi] in the standard problem).
        seed: Unused: the function is deterministic (accepted so that it runs as any model).

    Returns:
        ``{"y": value}``.
    """
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    return {"y": y}


def faulty(params: dict[str, float], seed: int) -> dict[str, float]:
    """A model that breaks on purpose at some inputs, for testing fault handling.

    It returns ``y = x + u`` with ``u`` uniform on [0, 1) drawn from the run's seed (so that
    replicates differ and seeds can be checked), and raises :class:`InjectedFault` whenever the
    parameter ``x`` is at least ``fail_above`` (a parameter too, default 1).

    Args:
        params: ``x`` (any number) and optionally ``fail_above``.
        seed: The run's seed.

    Returns:
        ``{"y": x + u, "u": u}``.

    Raises:
        InjectedFault: ``x >= fail_above``.
    """
    import numpy as np

    x = params["x"]
    limit = params.get("fail_above", 1.0)
    if x >= limit:
        raise InjectedFault(f"injected fault: x = {x} is at least fail_above = {limit}")
    u = float(np.random.default_rng(seed).random())
    return {"y": x + u, "u": u}
