"""Differences between the scenarios of a comparison, paired by replicate.

Replicate k of every scenario runs with the same seed and the same named random streams
(common random numbers, :mod:`sim.runs.compare`), so scenario minus base, replicate by replicate,
removes the luck the two runs share. The interval of the mean paired difference is then much
narrower than the intervals of the two means suggest, and whether it excludes zero says whether
the change made a difference beyond chance at this number of replicates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.runs.compare import check_columns, end_of_horizon, mean_interval, scenario_order, units

DIFFERENCE_COLUMNS = ["scenario", "base", "metric", "unit", "n", "mean", "lower", "upper", "level"]
"""Columns of :func:`paired_differences`."""


def paired_differences(
    steps: pd.DataFrame,
    metrics: Sequence[str],
    *,
    base: str,
    level: float = 0.95,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return each scenario's end-of-horizon difference from ``base``, paired by replicate.

    A pair is the last step of replicate k of a scenario and of the base (runs are matched by
    ``replicate``, else by ``seed``); pairs where either value is NaN are left out and ``n``
    counts the rest. The interval is the Student-t interval of the mean difference (NaN for
    fewer than two pairs).

    Args:
        steps: Step table of a comparison.
        metrics: Metric columns.
        base: The scenario the others are compared with.
        level: Confidence level of the interval.
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per scenario other than ``base`` and metric, with columns scenario, base,
        metric, unit, n, mean (scenario minus base), lower, upper, level.

    Raises:
        ValueError: A metric is not in the table, or ``base`` is not one of its scenarios.
    """
    metrics = list(metrics)
    check_columns(steps, metrics)
    names = scenario_order(steps, order)
    if base not in names:
        raise ValueError(f"base scenario not in the table: {base}; available: {', '.join(names)}")
    key = "replicate" if "replicate" in steps.columns else "seed"
    end = end_of_horizon(steps).set_index(["scenario", key])
    unit = units(metrics)
    rows = []
    for name in names:
        if name == base:
            continue
        for metric in metrics:
            pairs = pd.concat(
                [end.loc[name, metric], end.loc[base, metric]], axis=1, join="inner"
            ).to_numpy(dtype=float)
            kept = pairs[~np.isnan(pairs).any(axis=1)]
            mean, lower, upper = mean_interval(kept[:, 0] - kept[:, 1], level)
            rows.append(
                {
                    "scenario": name,
                    "base": base,
                    "metric": metric,
                    "unit": unit[metric],
                    "n": len(kept),
                    "mean": mean,
                    "lower": lower,
                    "upper": upper,
                    "level": level,
                }
            )
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
