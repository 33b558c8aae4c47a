"""What a comparison cannot call a finding: metrics that are empty or fixed by their inputs.

A metric that takes the same value in every replicate of a scenario is not something the
runs found out: its inputs fix it (blended leverage, 2.50 [2.50, 2.50], is the ratio of the
stack's tranche shares). Drawn with an interval of zero width beside real findings, it reads as
a precise result. A metric that is zero or undefined in every run (no fund, so no fund
balance) has nothing to show. :func:`metric_kinds` sorts a comparison's metrics into these
kinds, so that figures leave them out and reports mark them as such; the registry may name the
inputs that fix a metric (``Metric.fixed_by``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from sim.runs.compare import check_columns, end_of_horizon

type Kind = Literal["varies", "fixed", "empty"]

RELATIVE = 1e-6
"""Values closer than this, relative to their size, count as the same: money is kept in whole
cents, so a ratio fixed by construction still wobbles in its eighth digit (2.49999997)."""


def metric_kinds(steps: pd.DataFrame, metrics: Sequence[str]) -> dict[str, Kind]:
    """Sort metrics by what their end-of-horizon values across replicates can show.

    Args:
        steps: Step table of a comparison (``scenario`` and ``replicate`` or ``seed``).
        metrics: Metric columns.

    Returns:
        Each metric's kind: ``"empty"`` when no run has a value other than zero;
        ``"fixed"`` when, in every scenario, the replicates with a value all have the same
        one (and some scenario has at least two such replicates); else ``"varies"``.

    Raises:
        ValueError: A metric is not in the table.
    """
    check_columns(steps, list(metrics))
    end = end_of_horizon(steps)
    kinds: dict[str, Kind] = {}
    for metric in metrics:
        values = end[metric].to_numpy(dtype=float)
        if not np.any(np.isfinite(values) & (values != 0)):
            kinds[metric] = "empty"
            continue
        groups = [g[metric].dropna().to_numpy(dtype=float) for _, g in end.groupby("scenario")]
        constant = all(_same(group) for group in groups)
        repeated = any(len(group) >= 2 for group in groups)
        kinds[metric] = "fixed" if constant and repeated else "varies"
    return kinds


def _same(values: np.ndarray) -> bool:
    """Tell whether every value equals the first, up to :data:`RELATIVE`."""
    if len(values) < 2:
        return True
    return bool(np.ptp(values) <= RELATIVE * max(1.0, float(np.abs(values).max())))
