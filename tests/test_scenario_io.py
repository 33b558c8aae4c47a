"""Tests for sim.scenario.files and sim.scenario.errors.

Against a small toy schema (not the real one).
"""

import copy
import os
import textwrap
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.errors import NO_VALUE, ScenarioError
from sim.scenario.extends import PROJECT_SCENARIOS, deep_merge, resolve_extends
from sim.scenario.files import dump, load, load_many, validate_data
from sim.scenario.reader import read_yaml

# --- toy schema ------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mode(StrEnum):
    BASELINE = "baseline"
    STRESS = "stress"


class Grant(Strict):
    match_rate: float = Field(0.5, ge=0, le=1)
    ceiling: float = Field(100_000.0, gt=0, json_schema_extra={"unit": "EUR"})


class Finance(Strict):
    instrument: Literal["grant", "loan"] = "grant"
    grant: Grant = Field(default_factory=Grant)


class City(Strict):
    name: str
    population: int = Field(ge=1, le=50_000_000)
    budget: float = Field(ge=0, json_schema_extra={"unit": "EUR"})


class Partner(Strict):
    sector: Literal["firm", "academia", "civil_society"]
    capital: float = Field(0.0, ge=0, json_schema_extra={"unit": "EUR"})


class Toy(Strict):
    name: str
    steps: int = Field(40, ge=1, le=2000)
    mode: Mode = Mode.BASELINE
    tags: list[str] = Field(default_factory=list)
    cities: list[City]
    partners: dict[str, Partner] = Field(default_factory=dict)
    finance: Finance = Field(default_factory=Finance)

    @field_validator("tags")
    @classmethod
    def _tags_unique(cls, tags: list[str]) -> list[str]:
        if len(set(tags)) != len(tags):
            raise ValueError("tags must be unique")
        return tags

    @model_validator(mode="after")
    def _grant_within_budget(self) -> Self:
        total = sum(city.budget for city in self.cities)
        if self.finance.grant.ceiling > total:
            raise ValueError(
                f"finance.grant.ceiling ({self.finance.grant.ceiling:g} EUR) exceeds the "
                f"total city budget ({total:g} EUR)"
            )
        return self


class GrantInstrument(Strict):
    kind: Literal["grant"] = "grant"
    match_rate: float = Field(0.5, ge=0, le=1)


class LoanInstrument(Strict):
    kind: Literal["loan"]
    interest: float = Field(ge=0, le=0.5, json_schema_extra={"unit": "1/year"})


class Funded(Strict):
    instrument: Annotated[GrantInstrument | LoanInstrument, Field(discriminator="kind")]


BASE = """\
name: base
steps: 40
mode: baseline
tags: [pilot, mobility]
cities:
  - name: Lyon
    population: 500000
    budget: 2000000
  - name: Turin
    population: 850000
    budget: 3000000
partners:
  acme:
    sector: firm
    capital: 100000
finance:
  instrument: grant
  grant:
    match_rate: 0.5
    ceiling: 100000
"""

TOY_KEYS = "cities, finance, mode, name, partners, steps, tags"

# --- helpers -----------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def base_data() -> dict[str, Any]:
    return yaml.safe_load(BASE)


def with_change(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = base_data()
    change(data)
    return data


def error_of(func: Callable[..., object], *args: Any, **kwargs: Any) -> ScenarioError:
    """Call func, expecting a ScenarioError whose message is a single line."""
    with pytest.raises(ScenarioError) as info:
        func(*args, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


def toy_error(tmp_path: Path, data: dict[str, Any]) -> tuple[Path, ScenarioError]:
    """Write data as a scenario file and return it with the error loading it raises."""
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, error_of(load, path, Toy)


# --- ScenarioError -------------------------------------------------------------------------------


def test_error_message_has_every_part() -> None:
    err = ScenarioError(
        "out of range", path="s.yaml", key="cities[1].budget", value=-5, allowed="at least 0"
    )
    assert str(err) == "s.yaml: cities[1].budget: out of range; got -5; allowed: at least 0"
    assert (err.path, err.key, err.value, err.allowed) == (
        "s.yaml",
        "cities[1].budget",
        -5,
        "at least 0",
    )


def test_error_message_leaves_out_parts_that_do_not_apply() -> None:
    assert str(ScenarioError("file not found", path="s.yaml")) == "s.yaml: file not found"
    assert str(ScenarioError("bad", key="steps")) == "<data>: steps: bad"
    assert str(ScenarioError("bad", path="s.yaml", value=None)) == "s.yaml: bad; got None"
    assert ScenarioError("bad").value is NO_VALUE


def test_error_message_stays_on_one_line() -> None:
    err = ScenarioError("first\nsecond", path="s.yaml", value="a\nb", allowed="x\r\ny")
    assert str(err) == "s.yaml: first second; got 'a\\nb'; allowed: x y"


def test_error_message_shortens_long_values_and_counts_more_problems() -> None:
    err = ScenarioError("bad", path="s.yaml", value=list(range(100)), more=3)
    message = str(err)
    assert "..." in message
    assert len(message) < 120
    assert message.endswith("(and 3 more problems)")
    assert str(ScenarioError("bad", more=1)).endswith("(and 1 more problem)")


# --- read_yaml -------------------------------------------------------------------------------


def test_read_yaml_reads_a_mapping(tmp_path: Path) -> None:
    assert read_yaml(write(tmp_path, "s.yaml", BASE)) == base_data()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    err = error_of(read_yaml, path)
    assert str(err) == f"{path}: file not found; allowed: the path of an existing YAML file"
    assert err.path == str(path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    err = error_of(read_yaml, tmp_path)
    assert str(err) == f"{tmp_path}: is a directory, not a file; allowed: the path of a YAML file"


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: base\nsteps: 40\ncities: [a, b\nmode: x\n")
    err = error_of(read_yaml, path)
    assert str(err).startswith(f"{path}: invalid YAML at line 4, column 5: ")
    assert err.value == "mode: x"
    assert err.key == ""


def test_invalid_yaml_bad_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "finance:\n  grant: 1\n bad: 2\n")
    err = error_of(read_yaml, path)
    assert f"{path}: invalid YAML at line 3, column 2: " in str(err)
    assert str(err).endswith("; got 'bad: 2'")


def test_top_level_list(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- name: base\n- steps: 3\n")
    err = error_of(read_yaml, path)
    assert str(err) == (
        f"{path}: top level is not a mapping; got [{{'name': 'base'}}, {{'steps': 3}}]; "
        "allowed: a mapping of keys to values"
    )


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "# nothing here\n")
    err = error_of(read_yaml, path)
    assert str(err) == f"{path}: file is empty; allowed: a mapping of keys to values"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    err = error_of(read_yaml, path)
    assert str(err).startswith(f"{path}: not UTF-8 text")


# --- deep_merge ----------------------------------------------------------------------------------


def test_deep_merge_merges_mappings_and_replaces_everything_else() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": {"z": 3}}
    override = {"a": {"y": [9], "w": 4}, "c": 5, "d": {"new": 1}}
    assert deep_merge(base, override) == {
        "a": {"x": 1, "y": [9], "w": 4},
        "b": 2,
        "c": 5,
        "d": {"new": 1},
    }


def test_deep_merge_result_shares_nothing_with_inputs() -> None:
    base = {"a": {"x": [1]}, "b": [1]}
    override = {"c": {"y": [2]}}
    merged = deep_merge(base, override)
    merged["a"]["x"].append(99)
    merged["b"].append(99)
    merged["c"]["y"].append(99)
    assert base == {"a": {"x": [1]}, "b": [1]}
    assert override == {"c": {"y": [2]}}


nested_ints = st.recursive(
    st.integers(),
    lambda children: st.dictionaries(st.sampled_from("abcd"), children, max_size=4),
    max_leaves=20,
)
nested_dicts = st.dictionaries(st.sampled_from("abcd"), nested_ints, max_size=4)


@given(nested_dicts, nested_dicts)
def test_deep_merge_does_not_mutate_inputs(base: dict, override: dict) -> None:
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    deep_merge(base, override)
    assert base == base_before
    assert override == override_before


@given(nested_dicts, nested_dicts)
def test_deep_merge_keeps_every_key_and_lets_override_win(base: dict, override: dict) -> None:
    merged = deep_merge(base, override)
    assert merged.keys() == base.keys() | override.keys()
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            assert merged[key] == deep_merge(base[key], value)
        else:
            assert merged[key] == value


# --- extends ---------------------------------------------------------------------------------


def test_extends_chain_deep_merges(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    write(
        tmp_path,
        "middle.yaml",
        """\
        extends: base.yaml
        name: middle
        tags: [energy]
        finance:
          grant:
            match_rate: 0.8
        """,
    )
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: middle.yaml
        steps: 80
        finance:
          instrument: loan
        """,
    )
    data = resolve_extends(child)
    assert "extends" not in data
    assert data["name"] == "middle"
    assert data["steps"] == 80
    assert data["tags"] == ["energy"]
    assert data["cities"] == base_data()["cities"]
    assert data["finance"] == {
        "instrument": "loan",
        "grant": {"match_rate": 0.8, "ceiling": 100000},
    }
    scenario = load(child, Toy)
    assert scenario.finance.grant.ceiling == 100_000
    assert scenario.finance.instrument == "loan"


def test_extends_list_in_child_replaces_base_list(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: base.yaml
        cities:
          - name: Porto
            population: 230000
            budget: 900000
        """,
    )
    scenario = load(child, Toy)
    assert [city.name for city in scenario.cities] == ["Porto"]


def test_extends_paths_are_relative_to_the_extending_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "runs/base.yaml", BASE)
    write(tmp_path, "runs/bases/city.yaml", "extends: ../base.yaml\nname: city\n")
    child = write(tmp_path, "runs/child.yaml", "extends: bases/city.yaml\n")
    monkeypatch.chdir(tmp_path / "runs" / "bases")
    assert load(child, Toy).name == "city"
    assert load(Path("../child.yaml"), Toy).name == "city"


RULE = (
    "allowed: the path of a regular YAML file, relative to the folder of the file that names it, "
    "inside the folder of the file given (or a folder below it) or inside the project's "
    "scenarios/ folder"
)


@pytest.mark.parametrize(
    "reference",
    ["../shared/base.yaml", "/etc/passwd", "/dev/zero", "../../../../../../../../etc/hostname"],
)
def test_extends_outside_the_allowed_folders_is_refused(tmp_path: Path, reference: str) -> None:
    write(tmp_path, "shared/base.yaml", BASE)
    child = write(tmp_path, "runs/child.yaml", f"extends: {reference}\n")
    err = error_of(resolve_extends, child)
    assert str(err).startswith(f"{child}: extends: base file ")
    assert "is outside the folders a base may be in" in str(err)
    assert str(err).endswith(RULE)


def test_extends_through_a_link_that_leaves_the_folder_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret/base.yaml", "name: secret\npassword: hunter2\n")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "base.yaml").symlink_to(secret)
    child = write(tmp_path, "runs/child.yaml", "extends: base.yaml\n")
    err = error_of(resolve_extends, child)
    assert "is outside the folders a base may be in" in str(err)
    assert "hunter2" not in str(err)


def test_extends_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "base.yaml")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n")
    err = error_of(resolve_extends, child)
    assert str(err) == (
        f"{child}: not a regular file (a device, FIFO or socket) (in base file "
        f"{tmp_path / 'base.yaml'}); allowed: the path of a YAML file"
    )


def test_extends_the_project_scenarios_from_anywhere(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", f"extends: {PROJECT_SCENARIOS / 'base.yaml'}\n")
    assert resolve_extends(child)["name"] == "base"


def test_an_error_in_a_base_names_the_file_given_and_never_its_text(tmp_path: Path) -> None:
    base = write(tmp_path, "bases/base.yaml", "name: x\npassword: [hunter2\n")
    child = write(tmp_path, "child.yaml", "extends: bases/base.yaml\n")
    err = error_of(resolve_extends, child)
    assert str(err).startswith(f"{child}: invalid YAML at line 3, column 1: ")
    assert str(err).endswith(f"(in base file {base})")
    assert "hunter2" not in str(err)


def test_extends_name_too_long_for_the_file_system(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", f"extends: {'x' * 5000}.yaml\n")
    err = error_of(resolve_extends, child)
    assert str(err).startswith(f"{child}: extends: ")
    assert "\n" not in str(err)


def test_extends_missing_base(tmp_path: Path) -> None:
    child = write(tmp_path, "runs/child.yaml", "extends: bases/nope.yaml\nsteps: 3\n")
    err = error_of(resolve_extends, child)
    looked_for = tmp_path / "runs" / "bases/nope.yaml"
    assert str(err) == (
        f"{child}: extends: base file not found: {looked_for}; got 'bases/nope.yaml'; {RULE}"
    )
    assert (err.path, err.key) == (str(child), "extends")


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "extends: c.yaml\n")
    c = write(tmp_path, "c.yaml", "extends: a.yaml\n")
    err = error_of(resolve_extends, a)
    assert str(err) == (
        f"{a}: extends: extends cycle: {a} -> {b} -> {c} -> {a} (in base file {c}); "
        f"got 'a.yaml'; {RULE}"
    )


def test_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "extends: ./a.yaml\n")
    err = error_of(load, a, Toy)
    assert str(err).startswith(f"{a}: extends: extends cycle: {a} -> {tmp_path / 'a.yaml'}; ")
    assert err.value == "./a.yaml"


@pytest.mark.parametrize(("text", "value"), [("extends: 3", 3), ("extends: [a.yaml]", ["a.yaml"])])
def test_extends_not_a_string(tmp_path: Path, text: str, value: object) -> None:
    path = write(tmp_path, "s.yaml", text + "\nname: x\n")
    err = error_of(load, path, Toy)
    assert str(err) == (f"{path}: extends: not a file path; got {value!r}; {RULE}")


def test_error_in_base_file_names_the_file_given_then_the_base(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "name: [unclosed\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n")
    err = error_of(load, child, Toy)
    assert err.path == str(child)
    assert str(err).startswith(f"{child}: invalid YAML at line 2")
    assert f"(in base file {base})" in str(err)


# --- validation: unknown keys ----------------------------------------------------------------


def test_unknown_key_top_level(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(stepz=10)))
    assert str(err) == (
        f"{path}: stepz: unknown key (did you mean 'steps'?); got 10; allowed: one of {TOY_KEYS}"
    )
    assert (err.path, err.key, err.value, err.allowed) == (
        str(path),
        "stepz",
        10,
        f"one of {TOY_KEYS}",
    )


def test_unknown_key_nested(tmp_path: Path) -> None:
    path, err = toy_error(
        tmp_path, with_change(lambda d: d["finance"]["grant"].update(match_rte=0.7))
    )
    assert str(err) == (
        f"{path}: finance.grant.match_rte: unknown key (did you mean 'match_rate'?); got 0.7; "
        "allowed: one of ceiling, match_rate"
    )


def test_unknown_key_in_list_of_models(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["cities"][1].update(budgt=5)))
    assert str(err) == (
        f"{path}: cities[1].budgt: unknown key (did you mean 'budget'?); got 5; "
        "allowed: one of budget, name, population"
    )


def test_unknown_key_in_dict_of_models(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["partners"]["acme"].update(secter=1)))
    assert str(err) == (
        f"{path}: partners.acme.secter: unknown key (did you mean 'sector'?); got 1; "
        "allowed: one of capital, sector"
    )


def test_unknown_key_without_close_match_gives_no_hint(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(weather="rainy")))
    assert str(err) == f"{path}: weather: unknown key; got 'rainy'; allowed: one of {TOY_KEYS}"


# --- validation: types, ranges, choices ------------------------------------------------------


def test_wrong_type(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(steps="many")))
    assert str(err) == f"{path}: steps: wrong type; got 'many'; allowed: a whole number"


def test_wrong_type_for_a_section(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(finance=0.5)))
    assert str(err) == (
        f"{path}: finance: wrong type; got 0.5; allowed: a mapping with keys grant, instrument"
    )


def test_wrong_type_for_a_list(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(tags="pilot")))
    assert str(err) == f"{path}: tags: wrong type; got 'pilot'; allowed: a list"


def test_out_of_range_with_unit(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["cities"][0].update(budget=-5)))
    assert str(err) == (
        f"{path}: cities[0].budget: out of range; got -5; allowed: at least 0 (unit: EUR)"
    )


def test_out_of_range_exclusive_bound_with_unit(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["finance"]["grant"].update(ceiling=0)))
    assert str(err) == (
        f"{path}: finance.grant.ceiling: out of range; got 0; allowed: greater than 0 (unit: EUR)"
    )


def test_out_of_range_names_both_bounds(tmp_path: Path) -> None:
    path, err = toy_error(
        tmp_path, with_change(lambda d: d["finance"]["grant"].update(match_rate=1.5))
    )
    assert str(err) == (
        f"{path}: finance.grant.match_rate: out of range; got 1.5; "
        "allowed: at least 0 and at most 1"
    )


def test_out_of_range_int(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(steps=0)))
    assert str(err) == f"{path}: steps: out of range; got 0; allowed: at least 1 and at most 2000"


def test_bad_literal(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["finance"].update(instrument="equity")))
    assert str(err) == (
        f"{path}: finance.instrument: invalid choice; got 'equity'; "
        "allowed: one of 'grant' or 'loan'"
    )


def test_bad_enum(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(mode="stres")))
    assert str(err) == (
        f"{path}: mode: invalid choice; got 'stres'; allowed: one of 'baseline' or 'stress'"
    )


def test_missing_required_key(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d["cities"][1].pop("population")))
    assert str(err) == f"{path}: cities[1].population: missing required key"
    assert err.value is NO_VALUE


# --- validation: validators and error counts -----------------------------------------------------


def test_cross_field_model_validator(tmp_path: Path) -> None:
    path, err = toy_error(
        tmp_path, with_change(lambda d: d["finance"]["grant"].update(ceiling=9_000_000))
    )
    assert str(err) == (
        f"{path}: finance.grant.ceiling (9e+06 EUR) exceeds the total city budget (5e+06 EUR)"
    )
    assert err.key == ""


def test_field_validator_keeps_its_key_and_value(tmp_path: Path) -> None:
    path, err = toy_error(tmp_path, with_change(lambda d: d.update(tags=["a", "a"])))
    assert str(err) == f"{path}: tags: tags must be unique; got ['a', 'a']"


def test_further_problems_are_counted(tmp_path: Path) -> None:
    def break_three(data: dict[str, Any]) -> None:
        data.update(steps=0, mode="x")
        data["cities"][0]["budget"] = -1

    path, err = toy_error(tmp_path, with_change(break_three))
    assert str(err) == (
        f"{path}: steps: out of range; got 0; allowed: at least 1 and at most 2000 "
        "(and 2 more problems)"
    )
    assert err.more == 2


def test_validate_data_in_memory_names_no_file() -> None:
    err = error_of(validate_data, with_change(lambda d: d.update(steps=0)), Toy, source=None)
    assert str(err) == "<data>: steps: out of range; got 0; allowed: at least 1 and at most 2000"
    assert err.path is None


def test_validate_data_top_level_not_a_mapping() -> None:
    err = error_of(validate_data, ["a"], Toy, source="s.yaml")
    assert str(err) == f"s.yaml: wrong type; got ['a']; allowed: a mapping with keys {TOY_KEYS}"


def test_validation_error_does_not_chain_pydantic_traceback() -> None:
    err = error_of(validate_data, {"name": 1}, Toy, source="s.yaml")
    assert err.__cause__ is None
    assert err.__suppress_context__


def test_discriminated_union_hides_pydantic_tag() -> None:
    data = {"instrument": {"kind": "loan", "interest": 0.9, "intrest": 1}}
    err = error_of(validate_data, data, Funded, source="f.yaml")
    assert str(err) == (
        "f.yaml: instrument.interest: out of range; got 0.9; "
        "allowed: at least 0 and at most 0.5 (unit: 1/year) (and 1 more problem)"
    )
    data = {"instrument": {"kind": "loan", "interest": 0.1, "intrest": 1}}
    err = error_of(validate_data, data, Funded, source="f.yaml")
    assert str(err) == (
        "f.yaml: instrument.intrest: unknown key (did you mean 'interest'?); got 1; "
        "allowed: one of interest, kind"
    )


def test_discriminated_union_bad_tag() -> None:
    err = error_of(validate_data, {"instrument": {"kind": "bond"}}, Funded, source="f.yaml")
    assert str(err) == (
        "f.yaml: instrument.kind: invalid choice; got 'bond'; allowed: one of 'grant', 'loan'"
    )


# --- load, load_many, dump -------------------------------------------------------------------


def test_load_happy_path(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, "s.yaml", BASE), Toy)
    assert isinstance(scenario, Toy)
    assert scenario.partners["acme"].sector == "firm"
    assert scenario.mode is Mode.BASELINE


def test_load_many_reports_every_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", BASE)
    bad_type = write(tmp_path, "bad_type.yaml", BASE.replace("steps: 40", "steps: lots"))
    missing = tmp_path / "missing.yaml"
    results = load_many([good, bad_type, missing], Toy)
    assert [path for path, _ in results] == [good, bad_type, missing]
    assert isinstance(results[0][1], Toy)
    assert str(results[1][1]) == (
        f"{bad_type}: steps: wrong type; got 'lots'; allowed: a whole number"
    )
    assert str(results[2][1]).startswith(f"{missing}: file not found")


def test_dump_then_load_round_trips(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nmode: stress\nsteps: 12\n")
    scenario = load(child, Toy)
    out = tmp_path / "resolved.yaml"
    dump(scenario, out)
    assert load(out, Toy) == scenario
    text = out.read_text(encoding="utf-8")
    assert "extends" not in text
    assert "{" not in text
    assert list(yaml.safe_load(text)) == list(Toy.model_fields)
