"""How scenarios differ, and the smallest file that reproduces one."""

import pytest
from conftest import ROOT

from sim.scenario.diff import Difference, describe, differences, overrides
from sim.scenario.files import load
from sim.scenario.schema import Scenario, TimeConfig

MODEL_FILES = sorted(
    path
    for folder in ("", "finance", "levers")
    for path in (ROOT / "scenarios" / folder).glob("*.yaml")
)
"""The model's scenario files (docking and sweep files have schemas of their own)."""


def test_differences_walk_mappings_and_lists_of_records():
    base = {
        "name": "a",
        "time": {"steps": 40, "steps_per_year": 4},
        "cities": [{"name": "x", "budget": 1.0}, {"name": "y", "budget": 2.0}],
        "finance": {"instruments": ["grant"]},
        "gone": 1,
    }
    other = {
        "name": "b",
        "time": {"steps": 80, "steps_per_year": 4},
        "cities": [{"name": "x", "budget": 1.0}, {"name": "y", "budget": 3.5}],
        "finance": {"instruments": ["revolving", "grant"]},
        "new": True,
    }
    assert differences(base, other) == [
        Difference("time.steps", 40, 80),
        Difference("cities[1].budget", 2.0, 3.5),
        Difference("finance.instruments", ["grant"], ["revolving", "grant"]),
        Difference("new", None, True),
        Difference("gone", 1, None),
    ]
    # the labels count when asked
    assert differences(base, other, skip=())[0] == Difference("name", "a", "b")


def test_lists_of_different_length_are_one_value():
    base = {"cities": [{"name": "x"}]}
    other = {"cities": [{"name": "x"}, {"name": "y"}]}
    assert differences(base, other) == [Difference("cities", base["cities"], other["cities"])]


def test_identical_scenarios_have_no_differences():
    data = Scenario().model_dump(mode="json")
    assert differences(data, data) == []


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_overrides_give_every_shipped_scenario_back(path):
    resolved = load(path, Scenario).model_dump(mode="json")
    defaults = Scenario().model_dump(mode="json")
    smallest = overrides(resolved, defaults)
    assert Scenario().override(smallest).model_dump(mode="json") == resolved
    # and nothing in it is a default: every top-level key but the labels differs
    for key in set(smallest) - {"name", "description"}:
        assert smallest[key] != defaults[key]


def test_overrides_keep_only_what_differs():
    defaults = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}
    data = {"a": 1, "b": {"c": 2, "d": 4}, "e": [1, 2, 3]}
    assert overrides(data, defaults) == {"b": {"d": 4}, "e": [1, 2, 3]}
    assert overrides(defaults, defaults) == {}


def test_describe_reads_the_schema():
    field = TimeConfig.model_fields["steps"]
    assert describe("time.steps") == (field.description, "steps")
    budget = describe("cities[2].annual_budget")
    assert budget[1] == "EUR/year" and "budget" in budget[0].lower()
    assert describe("finance.instruments")[1] == ""  # a list of names has no unit
    assert describe("finance.instruments")[0].startswith("Instruments the city runs")
    assert describe("no_such.key") == ("", "")
    assert describe("cities[0]") == ("", "")  # a list item, not a field
