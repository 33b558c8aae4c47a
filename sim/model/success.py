"""Success and scale-up odds of a pilot as pure functions (DOMAIN: lifecycle, scale-up)."""

from __future__ import annotations

from sim.model.politics import logistic, logit
from sim.scenario.processes import PilotConfig, ScaleUpConfig


def success_probability(
    *,
    capability: float,
    codesign: bool,
    data_sharing: float,
    bonus: float,
    capability_mean: float,
    cfg: PilotConfig,
) -> float:
    """Return a pilot's chance of success.

    Log-odds start at the base rate (CISCO-2017) and add: capability above the population mean,
    co-design by a citizen group, data sharing above one half, and the levers' bonus.

    It is called for every candidate a partner search asks
    (:func:`sim.model.joining.first_to_join`), so it works on Python floats, without arrays; the
    logistic is the scalar one (``math.exp``), the same for a candidate as for a consortium.

    Args:
        capability: Mean capability in the pilot's domain of the consortium's organisations
            (the city excluded), in [0, 1].
        codesign: Whether a citizen group co-designs the pilot.
        data_sharing: Agreed data-sharing level in [0, 1].
        bonus: Extra log-odds from incentives (test bed).
        capability_mean: Population mean capability, so an average consortium gets the base rate.
        cfg: Pilot parameters.
    """
    return logistic(
        logit(cfg.base_success)
        + cfg.capability_effect * (capability - capability_mean)
        + (cfg.codesign_effect if codesign else 0.0)
        + cfg.data_effect * (2.0 * data_sharing - 1.0)
        + bonus
    )


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
