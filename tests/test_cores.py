"""How many workers: ``--workers auto`` and its errors (sim.runs.cores)."""

from __future__ import annotations

import argparse
import os

import pytest

from sim.cli.main import main
from sim.runs import cores
from sim.runs.cores import usable_cores, workers_option


def test_usable_cores_are_the_affinity_where_the_system_reports_one(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert usable_cores() == 3


def test_usable_cores_fall_back_to_the_cpu_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert usable_cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # undeterminable
    assert usable_cores() == 1


@pytest.mark.parametrize(("text", "expected"), [("4", 4), ("1", 1), (" 2 ", 2), ("0", 0)])
def test_a_number_of_workers_is_read_as_typed(text, expected):
    # 0 and negatives pass here: the command checks the floor with its other numbers
    assert workers_option(text) == expected


@pytest.mark.parametrize("text", ["auto", "AUTO", " Auto "])
def test_auto_is_one_worker_per_usable_core(monkeypatch, text):
    monkeypatch.setattr(cores, "usable_cores", lambda: 7)
    assert workers_option(text) == 7


@pytest.mark.parametrize("text", ["x", "2.5", "", "all"])
def test_anything_else_names_what_is_allowed(text):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        workers_option(text)
    message = str(err.value)
    assert "whole number" in message and "'auto'" in message and f"got {text!r}" in message


@pytest.mark.parametrize("command", [["compare", "scenarios/base.yaml"], ["sweep", "s.yaml"]])
def test_the_commands_reject_a_bad_workers_value_before_running(capsys, command):
    with pytest.raises(SystemExit) as stop:
        main([*command, "--workers", "many"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --workers" in err and "got 'many'" in err


def test_the_commands_read_auto(monkeypatch, tmp_path):
    """``--workers auto`` reaches the comparison as the usable cores."""
    monkeypatch.setattr(cores, "usable_cores", lambda: 3)
    seen = {}

    class Stop(Exception):
        pass

    def compare(paths, **options):
        seen.update(options)
        raise Stop

    monkeypatch.setattr("sim.runs.compare.compare", compare)
    with pytest.raises(Stop):
        main(["compare", "scenarios/base.yaml", "--workers", "auto", "--out", str(tmp_path / "o")])
    assert seen["workers"] == 3
