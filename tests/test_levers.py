"""Each incentive lever changes what it plausibly changes, over replicates (paired 95% CIs)."""

import numpy as np
from conftest import scenario
from test_behaviour import STEPS, assert_increases

from sim.model.model import PartnershipModel
from sim.runs.runner import collect

SEEDS = range(8)


def models(seeds=SEEDS, **overrides):
    out = []
    for seed in seeds:
        model = PartnershipModel(scenario(time={"steps": STEPS}, **overrides), seed=seed)
        for _ in range(STEPS):
            model.step()
        out.append(model)
    return out


def per_run(fn, runs) -> np.ndarray:
    return np.array([fn(m) for m in runs], dtype=float)


def mean_public_share(model) -> float:
    pilots = collect(model).pilots
    return pilots.loc[pilots.instrument == "grant", "public_share"].mean()


def test_match_rate_raises_the_public_share_of_financed_pilots():
    base, matched = models(), models(incentives={"match_rate": 1.0})
    assert_increases(per_run(mean_public_share, base), per_run(mean_public_share, matched))


def test_open_data_draws_more_proposals():
    base, open_data = models(), models(incentives={"open_data": True})
    proposals = lambda m: m.entered["proposed"]  # noqa: E731
    assert_increases(per_run(proposals, base), per_run(proposals, open_data))


def test_innovation_procurement_raises_agreements_and_covers_failures():
    base = models()
    procured = models(incentives={"innovation_procurement": True, "procurement_risk_share": 0.5})
    agreed = lambda m: m.entered["agreed"]  # noqa: E731
    assert_increases(per_run(agreed, base), per_run(agreed, procured))
    assert sum(m.flow("failure_cover") for m in procured) > 0
    assert sum(m.flow("failure_cover") for m in base) == 0


def test_capacity_building_grows_capabilities_faster():
    base, built = models(), models(incentives={"capacity_building": True})
    capability = lambda m: m.population.capability[m.population.sector > 0].mean()  # noqa: E731
    assert_increases(per_run(capability, base), per_run(capability, built))


def test_misaligned_objectives_lower_alignment_and_agreements():
    aligned = {
        s: {"profit": 0.25, "public_value": 0.25, "knowledge": 0.25, "legitimacy": 0.25}
        for s in ("government", "firm", "academia", "civil_society")
    }
    misaligned = {
        "government": {"profit": 0.0, "public_value": 1.0, "knowledge": 0.0, "legitimacy": 0.0},
        "firm": {"profit": 1.0, "public_value": 0.0, "knowledge": 0.0, "legitimacy": 0.0},
        "academia": {"profit": 0.0, "public_value": 0.0, "knowledge": 1.0, "legitimacy": 0.0},
        "civil_society": {"profit": 0.0, "public_value": 0.0, "knowledge": 0.0, "legitimacy": 1.0},
    }
    a, m = models(objectives=aligned), models(objectives=misaligned)
    alignment = lambda model: np.mean([n["alignment"] for n in model.negotiations])  # noqa: E731
    agreed = lambda model: model.entered["agreed"]  # noqa: E731
    assert_increases(per_run(alignment, m), per_run(alignment, a))
    assert_increases(per_run(agreed, m), per_run(agreed, a))
