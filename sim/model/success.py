"""Success and scale-up odds of a pilot as pure functions (DOMAIN: lifecycle, scale-up)."""

from __future__ import annotations

import numpy as np

from sim.model.politics import logistic, logit
from sim.scenario.processes import PilotConfig, ScaleUpConfig


def success_probability(
    *,
    capability: float | np.ndarray,
    codesign: bool | np.ndarray,
    data_sharing: float | np.ndarray,
    bonus: float,
    capability_mean: float,
    cfg: PilotConfig,
) -> float | np.ndarray:
    """Return a pilot's chance of success, or one per consortium when given arrays.

    Log-odds start at the base rate (CISCO-2017) and add: capability above the population mean,
    co-design by a citizen group, data sharing above one half, and the levers' bonus.

    Args:
        capability: Mean capability in the pilot's domain of the consortium's organisations
            (the city excluded), in [0, 1]; or an array, one per consortium.
        codesign: Whether a citizen group co-designs the pilot (or an array).
        data_sharing: Agreed data-sharing level in [0, 1] (or an array).
        bonus: Extra log-odds from incentives (test bed).
        capability_mean: Population mean capability, so an average consortium gets the base rate.
        cfg: Pilot parameters.

    Returns:
        A float for scalar inputs, else an array of the inputs' shape.
    """
    x = (
        logit(cfg.base_success)
        + cfg.capability_effect * (np.asarray(capability) - capability_mean)
        + np.where(codesign, cfg.codesign_effect, 0.0)
        + cfg.data_effect * (2.0 * np.asarray(data_sharing) - 1.0)
        + bonus
    )
    if x.ndim == 0:
        return logistic(float(x))
    # the scalar logistic (math.exp), not np.exp: NumPy's vectorised exp may differ from the C
    # library's in the last bit, and odds decided in a batch must equal odds decided alone
    return np.array([logistic(v) for v in x.tolist()])


def scaleup_probability(*, support: float, private_share: float, cfg: ScaleUpConfig) -> float:
    """Return the chance a successful pilot is put forward to scale into a programme.

    Whether it then scales depends on someone financing the programme (the model's rule):
    money is not a term here, so that no instrument's way of holding money changes the odds.

    Args:
        support: Citizen support in the pilot's neighbourhood (mean of satisfaction and trust in
            the city), in [0, 1].
        private_share: Share of the pilot's cost paid by private partners, in [0, 1].
        cfg: Scale-up parameters.
    """
    x = (
        logit(cfg.base)
        + cfg.support_effect * (support - 0.5)
        + cfg.private_effect * (private_share - 0.5)
    )
    return logistic(x)
