"""Scenario files as people write them: cities merge by name, times take units, money hints."""

from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.extends import deep_merge, merge_items
from sim.scenario.files import load
from sim.scenario.schema import Scenario

PARENT = """\
name: parent
cities:
  - name: north
    annual_budget: 3.0e6
    procurement_flexibility: 0.2
  - name: south
    annual_budget: 1.0e6
    risk_appetite: 0.8
finance:
  instruments: [revolving, grant]
"""


def child_of_parent(tmp_path: Path, text: str) -> Scenario:
    (tmp_path / "parent.yaml").write_text(PARENT)
    path = tmp_path / "child.yaml"
    path.write_text("extends: parent.yaml\n" + text)
    return load(path, Scenario)


def test_an_unnamed_city_merges_with_the_parents_city_at_its_position(tmp_path):
    child = child_of_parent(tmp_path, "cities:\n  - annual_budget: 5.0e6\n  - {}\n")
    north, south = child.cities
    assert (north.name, north.annual_budget, north.procurement_flexibility) == ("north", 5e6, 0.2)
    assert (south.name, south.annual_budget, south.risk_appetite) == ("south", 1e6, 0.8)


def test_a_named_city_merges_with_the_parents_city_of_that_name_wherever_it_stands(tmp_path):
    child = child_of_parent(
        tmp_path, "cities:\n  - {name: south, citizens: 700}\n  - {name: north}\n"
    )
    assert [city.name for city in child.cities] == ["south", "north"]  # the child's order
    south, north = child.cities
    assert (south.citizens, south.annual_budget, south.risk_appetite) == (700, 1e6, 0.8)
    assert (north.annual_budget, north.procurement_flexibility) == (3e6, 0.2)


def test_a_new_name_starts_from_the_defaults_and_the_childs_list_says_which_cities_exist(tmp_path):
    child = child_of_parent(tmp_path, "cities:\n  - {name: east, annual_budget: 2.0e6}\n")
    (east,) = child.cities
    default = Scenario().cities[0]
    assert east.annual_budget == 2e6
    assert east.procurement_flexibility == default.procurement_flexibility
    assert east.risk_appetite == default.risk_appetite


def test_other_lists_replace_the_parents(tmp_path):
    child = child_of_parent(tmp_path, "finance:\n  instruments: [grant]\n")
    assert child.finance.instruments == ["grant"]
    assert [city.name for city in child.cities] == ["north", "south"]  # untouched


def test_override_merges_cities_the_same_way():
    base = Scenario().override({"cities": [{"name": "a", "citizens": 500}, {"name": "b"}]})
    moved = base.override({"cities": [{"annual_budget": 4e6}, {"name": "b", "citizens": 900}]})
    assert [(c.name, c.citizens, c.annual_budget) for c in moved.cities] == [
        ("a", 500, 4e6),
        ("b", 900, base.cities[1].annual_budget),
    ]


def test_merge_items_copies_and_leaves_its_inputs_alone():
    base = [{"name": "a", "x": [1]}]
    override = [{"name": "a", "y": 2}, {"z": 3}]
    merged = merge_items(base, override, "name")
    assert merged == [{"name": "a", "x": [1], "y": 2}, {"z": 3}]
    merged[0]["x"].append(9)
    assert base == [{"name": "a", "x": [1]}]
    assert override == [{"name": "a", "y": 2}, {"z": 3}]


def test_only_lists_of_mappings_merge_item_by_item():
    assert deep_merge({"cities": [{"name": "a"}]}, {"cities": "oops"}) == {"cities": "oops"}
    assert deep_merge({"other": [{"name": "a", "x": 1}]}, {"other": [{"name": "a"}]}) == {
        "other": [{"name": "a"}]
    }


@pytest.mark.parametrize(
    ("time", "election_interval"),
    [
        ({"election_interval": "4 years"}, 16),
        ({"election_interval": "16 quarters"}, 16),
        ({"election_interval": "1 year"}, 4),
        ({"election_interval": "12 steps"}, 12),
        ({"election_interval": 12}, 12),  # a number is in the field's own unit
        ({"steps_per_year": 12, "election_interval": "4 years"}, 48),
        ({"steps_per_year": 12, "election_interval": "18 months"}, 18),
    ],
)
def test_a_time_with_a_unit_is_converted_to_steps(time, election_interval):
    assert Scenario().override({"time": time}).time.election_interval == election_interval


def test_times_convert_in_every_section_and_to_a_years_field():
    config = Scenario().override(
        {
            "time": {"steps": "10 years"},
            "pilots": {"duration_mean": "30 months", "start_delay": "3 quarters"},
            "finance": {"revolving": {"term_years": "80 quarters"}},
        }
    )
    assert config.time.steps == 40
    assert config.pilots.duration_mean == pytest.approx(10.0)
    assert config.pilots.start_delay == 3
    assert config.finance.revolving.term_years == 20


def test_a_time_in_a_file_is_converted_too(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("time:\n  steps_per_year: 12\n  steps: 5 years\n")
    assert load(path, Scenario).time.steps == 60


def test_a_budget_below_its_floor_is_refused_but_zero_and_real_budgets_are_not():
    with pytest.raises(ScenarioError, match=r"did you mean 2\.5 M EUR\? write 2\.5e6"):
        Scenario().override({"cities": [{"annual_budget": 2.5}]})
    with pytest.raises(ScenarioError, match=r"below 10,000 EUR/year\): amounts are in whole"):
        Scenario().override({"cities": [{"annual_budget": 5000}]})
    with pytest.raises(ScenarioError, match=r"pilots\.cost_mean: implausibly small"):
        Scenario().override({"pilots": {"cost_mean": 1.0}})
    assert Scenario().override({"cities": [{"annual_budget": 0}]}).cities[0].annual_budget == 0
    assert Scenario().override({"cities": [{"annual_budget": 1e4}]}).cities[0].annual_budget == 1e4
