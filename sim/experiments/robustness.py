"""Robustness measures: pure functions of a performance table (policy x future x replicate).

The performance table has one row per run: ``policy``, ``future``, ``replicate`` and one
column per objective's metric. Every policy must have every future, each with the same
replicates (a robust decision runs them so; :func:`sim.experiments.robust.performance_table`
reads one from a results folder). Each measure first reduces the replicates of a policy in a
future to their mean, its *value in that future*:

* **Undefined values.** A metric that is undefined in a run (NaN, as a public cost per success
  without a success) makes the policy's value in that future undefined: a policy that cannot be
  counted on for a value there. No row is dropped. For regret and paired differences an
  undefined value counts as the worst value of that objective observed anywhere in the table
  (any policy, any future), so it is never better than a defined value in its future and gets
  at least the largest regret there; it never meets a threshold; summary statistics use the
  defined futures and count the others.
* **Mean and spread** (:func:`summary`): mean, standard deviation and quantiles over futures,
  and beside them the replicate noise (the mean standard deviation across replicates within a
  future), so spread over futures can be told from noise.
* **Regret** (:func:`regret`; Savage 1951, doi:10.1080/01621459.1951.10500768): in each future,
  how much worse a policy is than the best policy in that future, in the objective's unit
  (0 for the best). :func:`regret_summary` gives its maximum (minimax regret) and a chosen
  quantile over futures, as in robust decision making (Lempert et al. 2006,
  doi:10.1287/mnsc.1050.0472; McPhail et al. 2018, doi:10.1002/2017EF000649).
* **Satisficing** (:func:`satisficing`; Simon 1956, doi:10.1037/h0042769; Starr 1963): whether a
  policy meets every threshold in a future; the share of futures in which it does
  (:func:`satisficing_summary`) is the domain criterion of McPhail et al. (2018).
* **How sure the ranking is** (:func:`ranking`): policies are ranked on each criterion (the
  chosen regret quantile per objective, and the satisficing share), then futures and, within
  each chosen future, replicates are resampled with replacement (the same replicates for every
  policy, keeping the common random numbers paired) and the ranking is redone: the share of
  resamples in which a policy ranks first, and its central interval of ranks. Replicate noise
  and the sampling of futures both move the resampled rankings, so a ranking that holds
  across them holds against both. :func:`paired_differences` gives the mean advantage of each
  policy over a reference with a bootstrap interval, and how often it is ahead.

Everything here is a pure function of the table; :mod:`sim.experiments.robust` runs a decision
and reads its table, :mod:`sim.outputs.robustness` draws and writes the results. The module is
longer than most because the measures share one reduction of replicates, one rule for
undefined values and one bootstrap, which must stay the same for all of them.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.decision_spec import Objective

POLICY, FUTURE, REPLICATE = "policy", "future", "replicate"
"""Identifying columns of a performance table."""

SATISFICING = "satisficing"
"""Name of the satisficing criterion in ranking tables."""

REGRET_PREFIX = "regret:"
"""Prefix of a regret criterion's name in ranking tables: ``regret:<metric>``."""

QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
"""Quantiles over futures in :func:`summary`."""

RESAMPLES = 1000
"""Default bootstrap resamples."""

SEED = 20240917
"""Default seed of the bootstrap (any non-negative integer)."""

LEVEL = 0.95
"""Default coverage of bootstrap intervals."""


@dataclass(frozen=True)
class Cube:
    """A performance table as an array, for the measures.

    Attributes:
        values: Shape (policies, futures, replicates, objectives).
        policies: Policy names, in the table's order of first appearance.
        futures: Future ids, sorted.
        objectives: The objectives, in the order of the last axis.
    """

    values: np.ndarray
    policies: list[str]
    futures: np.ndarray
    objectives: list[Objective]

    @property
    def signs(self) -> np.ndarray:
        """+1 for objectives to minimise, -1 to maximise: ``signs * value`` is a cost."""
        return np.array([o.sign for o in self.objectives])

    def means(self) -> np.ndarray:
        """Return each policy's value in each future, shape (P, F, M): NaN if any replicate is."""
        return self.values.mean(axis=2)


def cube(performance: pd.DataFrame, objectives: Sequence[Objective]) -> Cube:
    """Check a performance table and return it as a :class:`Cube`.

    Args:
        performance: One row per run: ``policy``, ``future``, ``replicate`` and each
            objective's metric.
        objectives: The objectives.

    Returns:
        The cube.

    Raises:
        ValueError: A column is missing, a run appears twice, a policy lacks a future or a
            replicate that another has, or an objective is undefined in every run.
    """
    objectives = list(objectives)
    metrics = [o.metric for o in objectives]
    missing = [c for c in [POLICY, FUTURE, REPLICATE, *metrics] if c not in performance]
    if missing:
        raise ValueError(f"the performance table lacks columns {missing}")
    keys = [POLICY, FUTURE, REPLICATE]
    if performance.duplicated(keys).any():
        twice = performance.loc[performance.duplicated(keys), keys].iloc[0].tolist()
        raise ValueError(f"a run appears twice in the performance table: {twice}")
    policies = list(dict.fromkeys(performance[POLICY]))
    futures = np.sort(performance[FUTURE].unique())
    replicates = np.sort(performance[REPLICATE].unique())
    full = pd.MultiIndex.from_product([policies, futures, replicates], names=keys)
    table = performance.set_index(keys)[metrics].reindex(full)
    holes = performance.set_index(keys).index
    if len(holes) != len(full):
        absent = full.difference(holes)[0]
        raise ValueError(
            f"the performance table is not complete: no run for policy {absent[0]}, future "
            f"{absent[1]}, replicate {absent[2]} ({len(full) - len(holes)} missing)"
        )
    values = table.to_numpy(dtype=float).reshape(
        len(policies), len(futures), len(replicates), len(metrics)
    )
    empty = [m for i, m in enumerate(metrics) if np.isnan(values[..., i]).all()]
    if empty:
        raise ValueError(f"objectives undefined in every run: {empty}")
    return Cube(values, policies, futures, objectives)


# --- per future ----------------------------------------------------------------------------------


def future_values(performance: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """Return each policy's value in each future: the mean over its replicates.

    Args:
        performance: The performance table.
        objectives: The objectives.

    Returns:
        One row per policy and future: ``policy``, ``future`` and each objective's metric
        (NaN where the metric is undefined in any replicate).
    """
    data = cube(performance, objectives)
    return _frame(data, data.means(), [o.metric for o in data.objectives])


def regret(performance: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """Return each policy's regret in each future, per objective.

    Args:
        performance: The performance table.
        objectives: The objectives.

    Returns:
        One row per policy, future and objective: ``policy``, ``future``, ``objective``,
        ``value`` (NaN if undefined), ``best`` (the best value of any policy in that future),
        ``regret`` (how much worse than the best, >= 0, in the metric's unit; an undefined
        value counts as the worst value observed anywhere, see the module docstring) and
        ``undefined``.
    """
    data = cube(performance, objectives)
    means = data.means()
    regrets = regret_array(means, data.signs)
    costs = _imputed_costs(means, data.signs)
    best = costs.min(axis=0) * data.signs  # (F, M), back in the metric's direction
    frames = []
    for m, objective in enumerate(data.objectives):
        frame = _frame(data, means[:, :, m : m + 1], ["value"])
        frame.insert(2, "objective", objective.metric)
        frame["best"] = np.tile(best[:, m], len(data.policies))
        frame["regret"] = regrets[:, :, m].ravel()
        frame["undefined"] = np.isnan(frame["value"].to_numpy())
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def regret_summary(regrets: pd.DataFrame, quantile: float) -> pd.DataFrame:
    """Summarise regret over futures: its maximum, a quantile and its mean.

    Args:
        regrets: The table of :func:`regret`.
        quantile: The quantile to report, in [0, 1] (0.9: exceeded in one future of ten).

    Returns:
        One row per policy and objective: ``policy``, ``objective``, ``max_regret``,
        ``quantile_regret``, ``mean_regret``, ``undefined`` (futures without a value).
    """
    groups = regrets.groupby([POLICY, "objective"], sort=False)["regret"]
    table = pd.DataFrame(
        {
            "max_regret": groups.max(),
            "quantile_regret": groups.quantile(quantile),
            "mean_regret": groups.mean(),
            "undefined": regrets.groupby([POLICY, "objective"], sort=False)["undefined"].sum(),
        }
    )
    return table.reset_index()


def satisficing(performance: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """Return whether each policy meets each threshold, and all of them, in each future.

    Args:
        performance: The performance table.
        objectives: The objectives; those without a threshold are left out.

    Returns:
        One row per policy and future: ``policy``, ``future``, ``meets:<metric>`` per
        objective with a threshold, and ``meets_all``. An undefined value meets nothing.

    Raises:
        ValueError: No objective has a threshold.
    """
    data = cube(performance, objectives)
    met = satisfied_array(data.means(), data.objectives)
    named = [o.metric for o in data.objectives if o.threshold is not None]
    frame = _frame(data, met, [f"meets:{m}" for m in named])
    frame["meets_all"] = met.all(axis=2).ravel()
    return frame.astype({f"meets:{m}": bool for m in named})


def satisficing_summary(met: pd.DataFrame) -> pd.DataFrame:
    """Return the share of futures in which each policy meets each threshold and all of them.

    Args:
        met: The table of :func:`satisficing`.

    Returns:
        One row per policy: ``policy``, ``share:<metric>`` per threshold, ``share_all``.
    """
    columns = [c for c in met.columns if c.startswith("meets")]
    shares = met.groupby(POLICY, sort=False)[columns].mean()
    shares.columns = [
        c.replace("meets_all", "share_all").replace("meets:", "share:") for c in columns
    ]
    return shares.reset_index()


def summary(
    performance: pd.DataFrame,
    objectives: Sequence[Objective],
    quantiles: Sequence[float] = QUANTILES,
) -> pd.DataFrame:
    """Return each policy's mean and spread over futures, per objective, beside replicate noise.

    Args:
        performance: The performance table.
        objectives: The objectives.
        quantiles: Quantiles over futures to report.

    Returns:
        One row per policy and objective: ``policy``, ``objective``, ``mean``, ``sd`` (over
        futures' values), ``q<percent>`` per quantile (e.g. ``q10``), ``futures`` (with a
        value), ``undefined`` (without one) and ``replicate_sd`` (mean over futures of the
        standard deviation across replicates; NaN with one replicate).
    """
    data = cube(performance, objectives)
    means = data.means()
    policies, _, replicates, metrics = data.values.shape
    with _quiet_nan():
        noise = (
            np.nanmean(np.std(data.values, axis=2, ddof=1), axis=1)
            if replicates > 1
            else np.full((policies, metrics), np.nan)
        )
        rows = []
        for p, policy in enumerate(data.policies):
            for m, objective in enumerate(data.objectives):
                column = means[p, :, m]
                defined = column[~np.isnan(column)]
                row = {
                    POLICY: policy,
                    "objective": objective.metric,
                    "mean": defined.mean() if len(defined) else np.nan,
                    "sd": defined.std(ddof=1) if len(defined) > 1 else np.nan,
                }
                for q in quantiles:
                    row[f"q{round(q * 100):d}"] = (
                        np.quantile(defined, q) if len(defined) else np.nan
                    )
                row |= {
                    "futures": len(defined),
                    "undefined": len(column) - len(defined),
                    "replicate_sd": noise[p, m],
                }
                rows.append(row)
    return pd.DataFrame(rows)


# --- ranking -------------------------------------------------------------------------------------


def criteria(objectives: Sequence[Objective]) -> list[str]:
    """Return the ranking criteria: ``satisficing`` (with thresholds), then ``regret:<metric>``.

    The first is the primary one, by which :func:`leaders` orders policies.
    """
    names = [f"{REGRET_PREFIX}{o.metric}" for o in objectives]
    if any(o.threshold is not None for o in objectives):
        names.insert(0, SATISFICING)
    return names


def criterion_values(
    means: np.ndarray, objectives: Sequence[Objective], quantile: float
) -> np.ndarray:
    """Return each policy's value on each criterion of :func:`criteria`, as costs.

    Args:
        means: Policy values per future, shape (P, F, M).
        objectives: The objectives of the last axis.
        quantile: The regret quantile.

    Returns:
        Shape (P, C): minus the satisficing share (so that lower is better throughout), then the
        regret quantile of each objective.
    """
    signs = np.array([o.sign for o in objectives])
    columns = list(np.quantile(regret_array(means, signs), quantile, axis=1).T)
    if any(o.threshold is not None for o in objectives):
        columns.insert(0, -satisfied_array(means, objectives).all(axis=2).mean(axis=1))
    return np.column_stack(columns)


def ranking(
    performance: pd.DataFrame,
    objectives: Sequence[Objective],
    *,
    quantile: float,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Rank the policies on each criterion and say how sure the ranking is.

    Args:
        performance: The performance table.
        objectives: The objectives.
        quantile: The regret quantile ranked on.
        resamples: Bootstrap resamples of futures and, within them, replicates.
        seed: Seed of the resampling.
        level: Coverage of the rank interval.

    Returns:
        One row per criterion and policy, best first within a criterion: ``criterion``,
        ``policy``, ``value`` (the satisficing share, or the regret quantile in the metric's
        unit), ``rank`` (1 = best; ties share the better rank), ``p_best`` (share of resamples
        in which the policy ranks first, ties included), ``rank_low`` and ``rank_high`` (the
        central ``level`` interval of its resampled ranks).
    """
    data = cube(performance, objectives)
    names = criteria(data.objectives)
    point = criterion_values(data.means(), data.objectives, quantile)
    ranks = np.stack([_ranks(s) for s in _resampled_criteria(data, quantile, resamples, seed)])
    tail = (1 - level) / 2
    rows = []
    for c, name in enumerate(names):
        base = _ranks(point)[:, c]
        for p in np.argsort(base, kind="stable"):
            shown = -point[p, c] if name == SATISFICING else point[p, c]
            rows.append(
                {
                    "criterion": name,
                    POLICY: data.policies[p],
                    "value": shown,
                    "rank": int(base[p]),
                    "p_best": float((ranks[:, p, c] == 1).mean()),
                    "rank_low": int(np.quantile(ranks[:, p, c], tail, method="lower")),
                    "rank_high": int(np.quantile(ranks[:, p, c], 1 - tail, method="higher")),
                }
            )
    return pd.DataFrame(rows)


def leaders(ranks: pd.DataFrame, count: int) -> list[str]:
    """Return the ``count`` best policies on the primary (first) criterion of a ranking table."""
    first = ranks[ranks["criterion"] == ranks["criterion"].iloc[0]]
    return list(first.sort_values("rank", kind="stable")[POLICY].head(count))


def paired_differences(
    performance: pd.DataFrame,
    objective: Objective,
    reference: str,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Return each policy's advantage over a reference policy, future by future, on one objective.

    The advantage in a future is how much better the policy's value is than the reference's
    there (positive: better; in the metric's unit; undefined values count as the worst value
    observed, as for regret). The interval resamples futures and replicates as :func:`ranking`.

    Args:
        performance: The performance table.
        objective: The objective compared.
        reference: The policy compared against (e.g. the leader).
        resamples: Bootstrap resamples.
        seed: Seed of the resampling.
        level: Coverage of the interval.

    Returns:
        One row per other policy: ``policy``, ``reference``, ``objective``, ``advantage`` (mean
        over futures), ``low`` and ``high`` (its bootstrap interval), ``share_ahead`` (share of
        futures in which the policy is better) and ``share_behind``.

    Raises:
        ValueError: ``reference`` is not a policy of the table.
    """
    data = cube(performance, [objective])
    if reference not in data.policies:
        raise ValueError(f"no policy {reference!r}; policies: {data.policies}")
    r = data.policies.index(reference)

    def advantage(means: np.ndarray) -> np.ndarray:
        costs = _imputed_costs(means, data.signs)[:, :, 0]
        return costs[r] - costs  # (P, F): positive where the policy costs less

    point = advantage(data.means())
    boot = np.stack(
        [
            advantage(sample.mean(axis=2)).mean(axis=1)
            for sample in _resamples(data, resamples, seed)
        ]
    )
    tail = (1 - level) / 2
    rows = [
        {
            POLICY: policy,
            "reference": reference,
            "objective": objective.metric,
            "advantage": point[p].mean(),
            "low": np.quantile(boot[:, p], tail),
            "high": np.quantile(boot[:, p], 1 - tail),
            "share_ahead": (point[p] > 0).mean(),
            "share_behind": (point[p] < 0).mean(),
        }
        for p, policy in enumerate(data.policies)
        if p != r
    ]
    return pd.DataFrame(rows)


# --- arrays --------------------------------------------------------------------------------------


def regret_array(means: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Return regret per policy, future and objective from values of shape (P, F, M).

    Args:
        means: Policy values per future (NaN: undefined).
        signs: +1 per objective to minimise, -1 to maximise.

    Returns:
        Shape (P, F, M): the policy's cost minus the least cost of any policy in that future,
        an undefined value counting as the worst observed value of its objective.
    """
    costs = _imputed_costs(means, signs)
    return costs - costs.min(axis=0, keepdims=True)


def satisfied_array(means: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """Return whether each value meets its threshold, shape (P, F, T) for T thresholds.

    Args:
        means: Policy values per future, shape (P, F, M) (NaN meets nothing).
        objectives: The objectives of the last axis; those without a threshold are left out.
    """
    columns = [
        means[:, :, m] * o.sign <= o.threshold * o.sign
        for m, o in enumerate(objectives)
        if o.threshold is not None
    ]
    if not columns:
        raise ValueError("no objective has a threshold, so nothing can be satisficed")
    return np.stack(columns, axis=2)


def _imputed_costs(means: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Return values as costs (lower is better), undefined ones as the worst observed cost."""
    costs = means * signs
    with _quiet_nan():
        worst = np.nanmax(costs, axis=(0, 1), keepdims=True)
    return np.where(np.isnan(costs), worst, costs)


def _resamples(data: Cube, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield bootstrap samples of the cube: futures, then replicates within each, with replacement.

    Every policy gets the same futures and replicates, keeping the comparison paired.
    """
    rng = np.random.default_rng(seed)
    futures, replicates = data.values.shape[1:3]
    for _ in range(resamples):
        f = rng.integers(futures, size=futures)
        r = rng.integers(replicates, size=(futures, replicates))
        yield data.values[:, f[:, None], r, :]


def _resampled_criteria(
    data: Cube, quantile: float, resamples: int, seed: int
) -> Iterator[np.ndarray]:
    """Yield the criterion values (P, C) of each bootstrap sample."""
    for sample in _resamples(data, resamples, seed):
        yield criterion_values(sample.mean(axis=2), data.objectives, quantile)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Return ranks per column of (P, C) costs: 1 for the least, ties sharing the better rank."""
    from scipy.stats import rankdata

    return rankdata(values, method="min", axis=0).astype(int)


def _frame(data: Cube, values: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Return a (P, F, K) array as a table: policy, future, then K columns."""
    policies, futures = len(data.policies), len(data.futures)
    frame = pd.DataFrame(
        {
            POLICY: np.repeat(data.policies, futures),
            FUTURE: np.tile(data.futures, policies),
        }
    )
    flat = values.reshape(policies * futures, -1)
    for k, column in enumerate(columns):
        frame[column] = flat[:, k]
    return frame


@contextlib.contextmanager
def _quiet_nan() -> Iterator[None]:
    """Silence NumPy's warnings about all-NaN or too short slices (the callers handle them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
