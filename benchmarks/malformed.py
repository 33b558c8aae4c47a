"""Malformed scenario files of every kind a hostile user tried, and how ``validate`` meets them.

``python benchmarks/malformed.py [--per-kind N] [--seed S]`` writes N files of each kind
(:data:`KINDS`, default 40 each, over 1,000 files) into a temporary folder, runs
``partnersim validate`` on each in this process (with a 10 s alarm per file against hangs) and
prints, per kind and in total, how many were refused correctly (exit code 2 and one line on
stderr naming the file as given, no traceback), raised a traceback, hung, or were accepted; then
the time per file (mean, median, slowest). It prints figures and asserts nothing; the suite runs
a few files of each kind (``tests/test_malformed.py``) and fails on any wrong answer.

Each kind is a function ``(rng, folder, i) -> path`` writing one file into ``folder``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.cli.main import main as partnersim  # noqa: E402

type Maker = Callable[[random.Random, Path, int], Path]

PROJECT_BASE = ROOT / "scenarios" / "base.yaml"
FIELDS = [
    ("time", "steps"),
    ("pilots", "capability_effect"),
    ("pilots", "cost_mean"),
    ("trust", "l_plus"),
    ("negotiation", "max_rounds"),
    ("politics", "satisfaction_effect"),
    ("incentives", "match_rate"),
    ("finance", "public_discount_rate"),
]
"""Fields the generated files put bad values into (section, key)."""


def _write(folder: Path, i: int, kind: str, text: str) -> Path:
    path = folder / f"{kind}-{i:04d}.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _field(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIELDS)


def _scalar_in(rng: random.Random, value: str) -> str:
    section, key = _field(rng)
    return f"name: fuzz\n{section}:\n  {key}: {value}\n"


def _word(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice("abcxyz019-_.:") for _ in range(n))


def tag(name: str) -> Maker:
    """Files with an explicit YAML tag (``!!int``, ``!!timestamp``, ...) on a value."""

    def make(rng: random.Random, folder: Path, i: int) -> Path:
        return _write(folder, i, f"tag_{name}", _scalar_in(rng, f"!!{name} {_word(rng)}"))

    return make


def custom_tag(rng: random.Random, folder: Path, i: int) -> Path:
    """A custom tag on a value or a section."""
    text = rng.choice(
        [_scalar_in(rng, f"!{_word(rng, 4)} 3"), "name: x\ntime: !python/object {}\n"]
    )
    return _write(folder, i, "custom_tag", text)


def deep(rng: random.Random, folder: Path, i: int) -> Path:
    """Hundreds of levels of nesting, in flow or block style."""
    depth = rng.randint(100, 5000)
    if rng.random() < 0.5:
        text = "name: x\ntime: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "name: x\n" + "".join("  " * k + f"k{k}:\n" for k in range(min(depth, 800)))
        text += "  " * min(depth, 800) + "v: 1\n"
    return _write(folder, i, "deep", text)


def long_extends(rng: random.Random, folder: Path, i: int) -> Path:
    """An ``extends`` name too long for the file system."""
    name = _word(rng, 1) * rng.randint(300, 5000)
    return _write(folder, i, "long_extends", f"extends: {name}.yaml\nname: x\n")


def surrogate(rng: random.Random, folder: Path, i: int) -> Path:
    """A lone surrogate: escaped in double quotes, or as raw (invalid UTF-8) bytes."""
    point = rng.randint(0xD800, 0xDFFF)
    if rng.random() < 0.5:
        return _write(folder, i, "surrogate", f'name: "a\\u{point:04x}b"\n')
    return _write(folder, i, "surrogate", f"name: a{chr(point)}b\n")


def laughs(rng: random.Random, folder: Path, i: int) -> Path:
    """A "billion laughs" file: nested anchors and aliases, a few hundred bytes."""
    width = rng.randint(5, 10)
    lines = ['a: &a ["' + "lol" * rng.randint(1, 3) + '"' + ', "lol"' * (width - 1) + "]"]
    names = "abcdefghij"
    for level in range(1, rng.randint(6, 10)):
        items = ", ".join(f"*{names[level - 1]}" for _ in range(width))
        lines.append(f"{names[level]}: &{names[level]} [{items}]")
    lines.append(f"name: *{names[len(lines) - 1]}")
    return _write(folder, i, "laughs", "\n".join(lines) + "\n")


def duplicate(rng: random.Random, folder: Path, i: int) -> Path:
    """A key given twice (YAML keeps the last one silently)."""
    section, key = _field(rng)
    if rng.random() < 0.5:
        text = f"name: a\n{section}:\n  {key}: 1\n  {key}: 2\n"
    else:
        text = f"name: a\n{section}: {{}}\nname: b\n"
    return _write(folder, i, "duplicate", text)


def not_finite(rng: random.Random, folder: Path, i: int) -> Path:
    """NaN or infinity, in a priority or a parameter."""
    value = rng.choice([".nan", ".NaN", ".inf", "-.inf", ".Inf", "1e400", "-1e999"])
    if rng.random() < 0.5:
        text = f"name: x\ncities:\n  - priorities: {{mobility: {value}, energy: 1}}\n"
        return _write(folder, i, "not_finite", text)
    return _write(folder, i, "not_finite", _scalar_in(rng, value))


def too_large(rng: random.Random, folder: Path, i: int) -> Path:
    """Values beyond a field's bounds: 1e308, 10^40, money past exact cents, huge effects."""
    choice = rng.randrange(4)
    if choice == 0:
        return _write(folder, i, "too_large", _scalar_in(rng, rng.choice(["1e308", "1.7e308"])))
    if choice == 1:
        return _write(folder, i, "too_large", _scalar_in(rng, "1" + "0" * rng.randint(31, 400)))
    if choice == 2:
        text = f"name: x\ncities:\n  - annual_budget: {rng.choice(['1e16', '5e13', '1e13'])}\n"
        return _write(folder, i, "too_large", text)
    text = f"name: x\npilots:\n  capability_effect: {rng.randint(51, 10_000)}\n"
    return _write(folder, i, "too_large", text)


def not_strict(rng: random.Random, folder: Path, i: int) -> Path:
    """A true/false or text where a number goes, a number where true/false goes."""
    text = rng.choice(
        [
            _scalar_in(rng, rng.choice(["true", "false", '"4"', "yes", "4.0e0x"])),
            "name: x\ntime:\n  steps: 4.5\n",
            f"name: x\nincentives:\n  testbed: {rng.choice(['1', '0', 'yes', 'on', '"true"'])}\n",
        ]
    )
    return _write(folder, i, "not_strict", text)


def extends_away(rng: random.Random, folder: Path, i: int) -> Path:
    """``extends`` out of the allowed folders: absolute, ``../..``, a device, a FIFO."""
    choice = rng.randrange(4)
    if choice == 0:
        target = rng.choice(["/etc/passwd", "/etc/hostname", "/dev/zero", "/proc/self/environ"])
    elif choice == 1:
        target = "../" * rng.randint(2, 12) + "etc/passwd"
    elif choice == 2:
        fifo = folder / f"fifo-{i:04d}.yaml"
        os.mkfifo(fifo)
        target = fifo.name
    else:
        outside = folder.parent / f"outside-{i:04d}.yaml"
        outside.write_text("name: secret\npassword: hunter2\n")
        target = f"../{outside.name}"
    return _write(folder, i, "extends_away", f"extends: {target}\nname: x\n")


def broken_chain(rng: random.Random, folder: Path, i: int) -> Path:
    """A base that is missing, invalid, circular, or not a path."""
    choice = rng.randrange(4)
    if choice == 0:
        return _write(folder, i, "broken_chain", f"extends: missing-{_word(rng)}.yaml\n")
    if choice == 1:
        base = folder / f"base-{i:04d}.yaml"
        base.write_text(rng.choice(["a: [1, 2\n", "a: !!int x\n", "a: 1\na: 2\n", "- 1\n"]))
        return _write(folder, i, "broken_chain", f"extends: {base.name}\n")
    if choice == 2:
        name = f"broken_chain-{i:04d}.yaml"
        return _write(folder, i, "broken_chain", f"extends: {name}\n")
    return _write(folder, i, "broken_chain", f"extends: {rng.choice(['3', '[a]', '{}', 'null'])}\n")


def huge_file(rng: random.Random, folder: Path, i: int) -> Path:
    """A file over the size limit (1 MB)."""
    line = f"# {_word(rng, 70)}\n"
    return _write(folder, i, "huge_file", "name: x\n" + line * (1_000_001 // len(line) + 1))


def syntax(rng: random.Random, folder: Path, i: int) -> Path:
    """Broken YAML, binary bytes, several documents, a list or nothing at the top, odd keys."""
    text = rng.choice(
        [
            "name: [unclosed\n",
            "a:\n  b: 1\n c: 2\n",
            "a: 1\n---\nb: 2\n",
            "- 1\n- 2\n",
            "",
            "# only a comment\n",
            "1: x\n",
            "? [a, b]\n: c\n",
            "name: x\0y\n",
            "\t- tabs\n",
            f"{_word(rng)}: 1\n",
            "time: {steps: }\n",
        ]
    )
    if rng.random() < 0.1:
        path = folder / f"syntax-{i:04d}.yaml"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(200)))
        return path
    return _write(folder, i, "syntax", text)


KINDS: dict[str, Maker] = {
    "tag_int": tag("int"),
    "tag_timestamp": tag("timestamp"),
    "tag_float": tag("float"),
    "tag_bool": tag("bool"),
    "tag_binary": tag("binary"),
    "custom_tag": custom_tag,
    "deep": deep,
    "long_extends": long_extends,
    "surrogate": surrogate,
    "laughs": laughs,
    "duplicate": duplicate,
    "not_finite": not_finite,
    "too_large": too_large,
    "not_strict": not_strict,
    "extends_away": extends_away,
    "broken_chain": broken_chain,
    "huge_file": huge_file,
    "syntax": syntax,
}
"""Every kind of malformed file, by name."""

HANG_SECONDS = 10
"""How long one file may take before it counts as a hang."""


class Hang(Exception):
    """A file took longer than allowed."""


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` if the block takes longer than ``seconds`` (main thread, Unix)."""

    def ring(signum: int, frame: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def verdict(path: Path, *, seconds: int = HANG_SECONDS) -> tuple[str, str, float]:
    """Validate ``path`` in this process; return the verdict, stderr and seconds taken.

    The verdict is ``refused`` (exit code 2, one line on stderr naming the file as given, no
    traceback), ``traceback`` (an exception escaped, or a message that is not one such line),
    ``hang`` or ``accepted`` (exit code 0).
    """
    err, out = io.StringIO(), io.StringIO()
    began = time.perf_counter()
    try:
        with alarm(seconds), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = partnersim(["validate", str(path)])
    except Hang:
        return "hang", "", time.perf_counter() - began
    except BaseException as exc:  # what a user would see as a traceback
        return "traceback", f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - began
    taken = time.perf_counter() - began
    text = err.getvalue()
    if code == 0:
        return "accepted", out.getvalue(), taken
    lines = text.splitlines()
    one_line = code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {path}: ")
    return ("refused" if one_line and "Traceback" not in text else "traceback"), text, taken


def write_files(folder: Path, per_kind: int, seed: int) -> list[tuple[str, Path]]:
    """Write ``per_kind`` files of every kind into ``folder``; return (kind, path) pairs."""
    rng = random.Random(seed)
    made = []
    for kind, make in KINDS.items():
        sub = folder / kind
        sub.mkdir(parents=True, exist_ok=True)
        made += [(kind, make(rng, sub, i)) for i in range(per_kind)]
    return made


def main(argv: list[str] | None = None) -> None:
    """Write the files, validate each, print the counts and the time per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=60, help="files per kind (default 60)")
    parser.add_argument("--seed", type=int, default=14, help="seed of the generator")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(Path(folder), args.per_kind, args.seed)
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        times: list[float] = []
        examples: dict[str, str] = {}
        for kind, path in files:
            result, text, taken = verdict(path)
            counts[kind][result] += 1
            times.append(taken)
            if result != "refused":
                shown = text.strip()[:200].encode("utf-8", "backslashreplace").decode()
                examples.setdefault(f"{kind}/{result}", f"{path.name}: {shown}")
    verdicts = ("refused", "traceback", "hang", "accepted")
    print(f"{len(files):,} malformed files, {len(KINDS)} kinds, seed {args.seed}")
    print(f"{'kind':<15}" + "".join(f"{v:>11}" for v in verdicts))
    for kind, counter in counts.items():
        print(f"{kind:<15}" + "".join(f"{counter[v]:>11,}" for v in verdicts))
    total = sum(counts.values(), Counter())
    print(f"{'total':<15}" + "".join(f"{total[v]:>11,}" for v in verdicts))
    print(
        f"time per file: mean {statistics.mean(times) * 1e3:.1f} ms, median "
        f"{statistics.median(times) * 1e3:.1f} ms, slowest {max(times):.2f} s"
    )
    for where, example in examples.items():
        print(f"  {where}: {example}")


if __name__ == "__main__":
    main()
