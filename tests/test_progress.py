"""Runs that say what they are doing: a bar on a terminal, periodic log lines in a log file."""

import logging
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from sim.runs.progress import EVERY_SECONDS, Progress, choose_mode, clock_text

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\S+): (\d+)/(\d+) runs \((\d+)%\)")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "sim.runs.progress"]


def test_mode_is_a_bar_on_a_terminal_and_log_lines_elsewhere():
    assert choose_mode(None, terminal=True) == "bar"
    assert choose_mode(None, terminal=False) == "log"
    assert choose_mode(False, terminal=True) == "off"
    assert choose_mode(True, terminal=False) == "bar"


def test_log_lines_come_every_tenth_of_the_runs_with_the_time_left(caplog):
    caplog.set_level(logging.INFO, logger="sim.runs.progress")
    clock = FakeClock()
    with Progress(40, desc="compare", clock=clock) as progress:
        for _ in range(40):
            clock.now += 1.0  # one second a run
            progress.update()
    lines = messages(caplog)
    assert lines[0] == "compare: 40 runs to do"
    counts = [int(re.search(r": (\d+)/40", line).group(1)) for line in lines[1:]]
    assert counts == list(range(4, 41, 4))  # every 10 %, the last one included once
    assert lines[1] == "compare: 4/40 runs (10%), 0:04 elapsed, about 0:36 left"
    assert lines[-1] == "compare: 40/40 runs (100%), 0:40 elapsed"


def test_slow_runs_get_a_line_every_thirty_seconds_and_failures_are_counted(caplog):
    caplog.set_level(logging.INFO, logger="sim.runs.progress")
    clock = FakeClock()
    with Progress(1000, desc="sweep", initial=500, clock=clock) as progress:
        clock.now += EVERY_SECONDS  # 30 s for a single run: a line although far from 10 %
        progress.update(ok=False)
        clock.now += 1.0
        progress.update()  # not yet due
    lines = messages(caplog)
    assert lines[0] == "sweep: 500 runs to do (500 done before)"
    assert lines[1] == "sweep: 501/1000 runs (50%), 0:30 elapsed, about 4:09:30 left, 1 failed"
    assert lines[2].startswith("sweep: 502/1000 runs (50%), 0:31 elapsed")  # on close
    assert len(lines) == 3


def test_off_writes_nothing(caplog):
    caplog.set_level(logging.INFO, logger="sim.runs.progress")
    with Progress(3, desc="quiet", mode="off") as progress:
        for _ in range(3):
            progress.update()
    assert messages(caplog) == []


@pytest.mark.parametrize(("seconds", "text"), [(5, "0:05"), (65.4, "1:05"), (3725, "1:02:05")])
def test_clock_text(seconds, text):
    assert clock_text(seconds) == text


def command_lines(arguments: list[str]) -> list[re.Match]:
    """Run partnersim with stderr to a pipe (not a terminal) and parse its progress lines."""
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli.main", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "\r" not in done.stderr  # no bar drawn into a log
    return [match for line in done.stderr.splitlines() if (match := LINE.match(line))]


def test_compare_writes_progress_lines_to_a_log(tmp_path):
    arguments = ["compare", str(ROOT / "scenarios" / "base.yaml"), "--reps", "4", "--steps", "2"]
    found = command_lines([*arguments, "--out", str(tmp_path / "out")])
    assert [m.group(1) for m in found] == ["compare"] * 4
    assert [int(m.group(2)) for m in found] == [1, 2, 3, 4]
    assert {int(m.group(3)) for m in found} == {4}
    assert found[-1].group(4) == "100"


def test_sweep_writes_progress_lines_to_a_log(tmp_path):
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(
        "name: tiny\nmodel: sim.experiments.reference_models:ishigami\n"
        "parameters:\n  - {key: x1, bounds: [0, 1]}\n  - {key: x2, bounds: [0, 1]}\n"
        "  - {key: x3, bounds: [0, 1]}\ndesign: {method: lhs, samples: 50}\nseed: 1\n"
    )
    found = command_lines(["sweep", str(sweep), "--out", str(tmp_path / "out")])
    assert [int(m.group(2)) for m in found] == list(range(5, 51, 5))
    assert {m.group(1) for m in found} == {"tiny"}
