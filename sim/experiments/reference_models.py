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
    SAVAGE-1951: Savage, L. J. (1951), "The theory of statistical decision", Journal of the
        American Statistical Association 46(253), 55-67, doi:10.1080/01621459.1951.10500768
        (minimax regret).
"""

from __future__ import annotations

import math

ISHIGAMI_A = 7.0
"""Ishigami's ``a`` (SALIB's default, the usual benchmark value)."""
ISHIGAMI_B = 0.1
"""Ishigami's ``b`` (SALIB's default, the usual benchmark value)."""

SAFE_COST = 1.0
"""Cost of the fully hedged choice in :func:`policy_choice`, the same in every future."""
HEDGE_PRICE = 0.3
"""Benefit given up per unit of hedge in :func:`policy_choice`."""
CHOICE_NOISE = 0.01
"""Standard deviation of the run-to-run noise on :func:`policy_choice`'s outputs."""


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


def policy_choice(params: dict[str, float], seed: int) -> dict[str, float]:
    """A choice under uncertainty whose robust answer is known by construction.

    A policy hedges a share ``hedge`` of its cost at a price that is the same in every future
    (:data:`SAFE_COST`) and leaves the rest exposed to the severity ``u`` of the future, which
    costs ``2 u``; hedging gives up benefit::

        cost = hedge * SAFE_COST + (1 - hedge) * 2 u
        benefit = 1 - HEDGE_PRICE * hedge

    plus independent normal noise of standard deviation :data:`CHOICE_NOISE` on each, from the
    run's seed. ``v`` is an uncertainty with no effect (PRIM must leave it unrestricted). With
    ``u`` uniform on [0, 1] every hedge has mean cost 1, so the mean cannot choose. Among the
    policies hedge 0 ("exposed"), 0.5 ("half") and 1 ("hedged"), regret on cost is
    ``max(0, 2u - 1)``, ``|u - 0.5|`` and ``max(0, 1 - 2u)``: maximum regret 1, 0.5 and 1 and 90th
    percentile 0.8, 0.45 and 0.8, so "half" is the minimax-regret choice (SAVAGE-1951). With
    "good enough" meaning cost at most 1.2 and benefit at least 0.8, the shares of futures
    meeting both are 0.6 (fails where u > 0.6), 0.7 (fails where u > 0.7) and 0 (benefit 0.7).

    Args:
        params: ``hedge`` (share, [0, 1]), ``u`` (severity, [0, 1]), ``v`` (no effect) and
            optionally ``undefined_above``: cost is undefined (NaN, as a cost per success
            without a success) where ``u`` exceeds it (default: never).
        seed: The run's seed (the noise).

    Returns:
        ``{"cost": ..., "benefit": ...}``.
    """
    import numpy as np

    hedge, u = params["hedge"], params["u"]
    noise = np.random.default_rng(seed).normal(0.0, CHOICE_NOISE, size=2)
    cost = hedge * SAFE_COST + (1.0 - hedge) * 2.0 * u + noise[0]
    if u > params.get("undefined_above", math.inf):
        cost = math.nan
    return {"cost": float(cost), "benefit": float(1.0 - HEDGE_PRICE * hedge + noise[1])}


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
