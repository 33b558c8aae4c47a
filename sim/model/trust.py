"""Asymmetric trust and reputation dynamics between partners.

Trust is built slowly and lost quickly (negativity bias: Slovic 1993, "Perceived risk, trust,
and democracy", *Risk Analysis* 13(6); Poortinga and Pidgeon 2004, "Trust, the asymmetry
principle, and the role of prior beliefs", *Risk Analysis* 24(6)). The update rule is the
two-layer model of Pant and Yu (2025), "Computational foundations for strategic coopetition:
formalizing trust and reputation dynamics" (arXiv:2510.24909; reference code under the MIT
licence): an immediate trust level ``T`` in [0, 1] driven by a bounded performance signal, and
a slow reputation-damage memory ``R`` in [0, 1] that caps how far trust can be rebuilt after
violations.

As an alternative reputation rule the module also provides the beta reputation system of Jøsang
and Ismail (2002), "The beta reputation system", 15th Bled Electronic Commerce Conference.

Every update function is element-wise: it accepts Python floats or numpy arrays of any
(broadcast-compatible) shape, and returns a numpy float64 scalar for scalar input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TrustParams",
    "beta_reputation",
    "decay_evidence",
    "observe",
    "observe_alike",
    "trust_signal",
    "update_reputation",
    "update_trust",
]

FloatArray = NDArray[np.float64] | np.float64
"""Result of an element-wise update: an array, or a float64 scalar for scalar input."""


@dataclass(frozen=True)
class TrustParams:
    """Parameters of the asymmetric trust and reputation update (Pant and Yu 2025).

    All rates are dimensionless, per observation (one update step).

    Attributes:
        l_plus: Trust-building rate λ⁺ in (0, 1]. Default 0.10 (Pant and Yu 2025).
        l_minus: Trust-erosion rate λ⁻ in (0, 1]. Default 0.30, i.e. erosion three times faster
            than building (Pant and Yu 2025, after Slovic 1993).
        mu_r: Reputation-damage rate μ_R in [0, 1] applied after a violation. Default 0.60
            (Pant and Yu 2025).
        delta_r: Reputation-damage decay (forgiveness) rate δ_R in [0, 1] per step without a
            violation. Default 0.03 (Pant and Yu 2025).
        xi: Dependence amplification ξ in [0, 1]: erosion is multiplied by (1 + ξ D) for a
            truster whose dependence on the partner is D. Default 0.50 (Pant and Yu 2025).
        k: Signal sensitivity κ > 0, per unit of performance (the units of the performance
            measure passed to :func:`trust_signal`). Default 1.0 (Pant and Yu 2025).

    Raises:
        ValueError: If a parameter is out of range, or if ``l_minus * (1 + xi) > 1``, which
            would let one maximal violation by a fully depended-on partner drive trust below 0.

    """

    l_plus: float = 0.10
    l_minus: float = 0.30
    mu_r: float = 0.60
    delta_r: float = 0.03
    xi: float = 0.50
    k: float = 1.0

    def __post_init__(self) -> None:
        for name in ("l_plus", "l_minus"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value!r}")
        for name in ("mu_r", "delta_r", "xi"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}")
        if not 0.0 < self.k < np.inf:
            raise ValueError(f"k must be positive and finite, got {self.k!r}")
        if self.l_minus * (1.0 + self.xi) > 1.0:
            raise ValueError(
                "l_minus * (1 + xi) must be <= 1 so that erosion "
                "(at most l_minus * T * (1 + xi) per step) cannot push trust below 0; "
                f"got l_minus={self.l_minus!r}, xi={self.xi!r} "
                f"(product {self.l_minus * (1.0 + self.xi)!r})"
            )

    @classmethod
    def from_ratio(cls, l_plus: float, erosion_ratio: float, **rest: float) -> TrustParams:
        """Build parameters from a building rate and an erosion/building ratio.

        With the default ``xi = 0.5`` the stability condition ``l_minus * (1 + xi) <= 1``
        limits the ratio to ``1 / (1.5 * l_plus)`` (6.67 for ``l_plus = 0.1``); sweeping the
        ratio up to 9 needs ``l_plus <= 0.074`` or ``xi <= 0.11``.

        Args:
            l_plus: Trust-building rate λ⁺ in (0, 1], per step (Pant and Yu 2025).
            erosion_ratio: λ⁻ / λ⁺, dimensionless; 3 in Pant and Yu (2025), commonly swept
                from 1 (symmetric) to 9.
            **rest: Any other :class:`TrustParams` field (``mu_r``, ``delta_r``, ``xi``, ``k``).

        Returns:
            Parameters with ``l_minus = erosion_ratio * l_plus``.

        Raises:
            ValueError: If the resulting parameters are invalid (see :class:`TrustParams`).

        """
        return cls(l_plus=l_plus, l_minus=erosion_ratio * l_plus, **rest)


def trust_signal(performance: ArrayLike, baseline: ArrayLike, k: float) -> FloatArray:
    """Map observed performance to a bounded cooperation signal in [-1, 1].

    Implements s = tanh(κ (a - baseline)) (Pant and Yu 2025).

    Args:
        performance: The partner's observed performance a, in any unit (same unit as
            ``baseline``).
        baseline: The performance the truster expects, same unit as ``performance``.
        k: Sensitivity κ > 0, per unit of performance.

    Returns:
        The signal s in [-1, 1]; positive means better than expected.

    """
    return np.tanh(k * (np.asarray(performance, dtype=np.float64) - baseline))


def update_trust(
    trust: ArrayLike,
    reputation: ArrayLike,
    signal: ArrayLike,
    params: TrustParams,
    dependence: ArrayLike = 0.0,
) -> FloatArray:
    """Apply one asymmetric trust update (Pant and Yu 2025).

    Building (s > 0): ΔT = λ⁺ s max(0, (1 - R) - T), so reputation damage R caps trust at
    1 - R. Erosion (s <= 0): ΔT = λ⁻ s T (1 + ξ D).

    Args:
        trust: Current trust T in [0, 1], dimensionless.
        reputation: Reputation damage R in [0, 1] before this observation, dimensionless.
        signal: Cooperation signal s in [-1, 1] from :func:`trust_signal`.
        params: Update rates.
        dependence: The truster's dependence D in [0, 1] on the partner, dimensionless.

    Returns:
        The new trust, clipped into [0, 1].

    """
    t = np.asarray(trust, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    building = _built(t, np.asarray(reputation), s, params)
    erosion = _eroded(t, s, params, np.asarray(dependence))
    return np.clip(t + np.where(s > 0.0, building, erosion), 0.0, 1.0)


def _built(t: np.ndarray, r: np.ndarray, s: np.ndarray, params: TrustParams) -> FloatArray:
    """Return trust's change where it builds (s > 0): λ⁺ s max(0, (1 - R) - T)."""
    return params.l_plus * s * np.maximum(0.0, 1.0 - r - t)


def _eroded(t: np.ndarray, s: np.ndarray, params: TrustParams, d: np.ndarray) -> FloatArray:
    """Return trust's change where it erodes (s <= 0): λ⁻ s T (1 + ξ D)."""
    return params.l_minus * s * t * (1.0 + params.xi * d)


def update_reputation(reputation: ArrayLike, signal: ArrayLike, params: TrustParams) -> FloatArray:
    """Apply one reputation-damage update (Pant and Yu 2025).

    After a violation (s < 0) damage grows: ΔR = -μ_R s (1 - R); otherwise it decays:
    ΔR = -δ_R R.

    Args:
        reputation: Current reputation damage R in [0, 1], dimensionless.
        signal: Cooperation signal s in [-1, 1] from :func:`trust_signal`.
        params: Update rates.

    Returns:
        The new reputation damage, clipped into [0, 1].

    """
    r = np.asarray(reputation, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    return np.clip(np.where(s < 0.0, _damaged(r, s, params), _forgiven(r, params)), 0.0, 1.0)


def _damaged(r: np.ndarray, s: np.ndarray, params: TrustParams) -> FloatArray:
    """Return reputation damage after a violation (s < 0): R - μ_R s (1 - R)."""
    return r - params.mu_r * s * (1.0 - r)


def _forgiven(r: np.ndarray, params: TrustParams) -> FloatArray:
    """Return reputation damage after no violation (s >= 0): R (1 - δ_R)."""
    return r * (1.0 - params.delta_r)


def observe(
    trust: ArrayLike,
    reputation: ArrayLike,
    performance: ArrayLike,
    baseline: ArrayLike,
    params: TrustParams,
    dependence: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Update trust and reputation damage after observing a partner's performance.

    Trust is updated with the reputation damage from before the observation, then reputation
    damage is updated. All arguments broadcast element-wise.

    Args:
        trust: Current trust T in [0, 1], dimensionless.
        reputation: Current reputation damage R in [0, 1], dimensionless.
        performance: The partner's observed performance, in any unit.
        baseline: Expected performance, same unit as ``performance``.
        params: Update rates and signal sensitivity.
        dependence: The truster's dependence D in [0, 1] on the partner, dimensionless.

    Returns:
        ``(new_trust, new_reputation)``, both in [0, 1].

    """
    signal = trust_signal(performance, baseline, params.k)
    new_trust = update_trust(trust, reputation, signal, params, dependence)
    return new_trust, update_reputation(reputation, signal, params)


def observe_alike(
    trust: np.ndarray,
    reputation: np.ndarray,
    performance: float,
    baseline: float,
    params: TrustParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Update many observers' trust and reputation damage after one observed performance.

    :func:`observe` with no dependence, for observers who all see the same performance (the
    citizens of a neighbourhood): their one signal needs only its own branch of each update,
    which is what :func:`observe`'s ``np.where`` picks, so the results are the same to the bit
    at about half the operations on the arrays.

    Args:
        trust: Current trust T in [0, 1] of each observer, dimensionless.
        reputation: Current reputation damage R in [0, 1], the shape of ``trust``.
        performance: The performance they all observed, in any unit.
        baseline: Expected performance, same unit as ``performance``.
        params: Update rates and signal sensitivity.

    Returns:
        ``(new_trust, new_reputation)``, both in [0, 1], the shape of ``trust``.

    """
    s = trust_signal(performance, baseline, params.k)
    t = np.asarray(trust, dtype=np.float64)
    r = np.asarray(reputation, dtype=np.float64)
    change = _built(t, r, s, params) if s > 0.0 else _eroded(t, s, params, np.asarray(0.0))
    damage = _damaged(r, s, params) if s < 0.0 else _forgiven(r, params)
    return np.clip(t + change, 0.0, 1.0), np.clip(damage, 0.0, 1.0)


def beta_reputation(positive: ArrayLike, negative: ArrayLike) -> FloatArray:
    """Compute the expected reputation from good and bad evidence (Jøsang and Ismail 2002).

    The expectation of Beta(r + 1, s + 1): (r + 1) / (r + s + 2); 0.5 with no evidence.

    Args:
        positive: Evidence r >= 0 of satisfactory outcomes (possibly decayed, so not
            necessarily an integer count).
        negative: Evidence s >= 0 of unsatisfactory outcomes.

    Returns:
        The reputation score in (0, 1).

    Raises:
        ValueError: If any evidence count is negative.

    """
    r = np.asarray(positive, dtype=np.float64)
    s = np.asarray(negative, dtype=np.float64)
    if np.any(r < 0.0) or np.any(s < 0.0):
        raise ValueError("evidence counts must be non-negative")
    return (r + 1.0) / (r + s + 2.0)


def decay_evidence(count: ArrayLike, forgetting: float) -> FloatArray:
    """Discount accumulated evidence by one step of forgetting (Jøsang and Ismail 2002).

    Args:
        count: Evidence count(s) >= 0, dimensionless.
        forgetting: Forgetting factor λ in (0, 1] per step; 1 keeps all evidence.

    Returns:
        The decayed evidence ``count * forgetting``.

    Raises:
        ValueError: If ``forgetting`` is outside (0, 1] or a count is negative.

    """
    if not 0.0 < forgetting <= 1.0:
        raise ValueError(f"forgetting must be in (0, 1], got {forgetting!r}")
    c = np.asarray(count, dtype=np.float64)
    if np.any(c < 0.0):
        raise ValueError("evidence counts must be non-negative")
    return c * forgetting
