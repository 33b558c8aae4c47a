"""Where results go: one rule for every command that writes them, checked before anything runs.

Every command that writes results (``run``, ``compare``, ``sweep``, ``dock``, ``sensitivity``,
``discover``, and ``report`` for its own two files) calls :func:`check_folder` (or
:func:`check_files`) on its output before it simulates anything, and then writes through
:func:`replace_with` (or, for a sweep that streams into its folder, :func:`clear`). The rule:

* **The path must be usable.** A file where the folder should be, a path that runs through a
  file, or a folder that cannot be written (the nearest existing folder on the way, when the
  output does not exist yet) is refused with one line (:class:`OutputError`; exit code 2 on the
  command line).
* **Existing results are kept unless told otherwise.** A folder that exists and holds anything
  is refused, unless ``--force`` (replace it) or, where the command has it, ``--resume`` (carry
  on in it). An empty folder is used as it is.
* **``--force`` replaces only partnersim results**: a folder holding a ``manifest.json`` that
  partnersim wrote (it names ``partnersim_version``); any other folder is refused even with
  ``--force``, so a mistyped ``--out ~`` cannot delete a home folder.
* **Never a mix of old and new tables**: results are written into a new folder beside the
  output and swapped in whole when complete (:func:`replace_with`); the old results are removed
  only then. A run that fails to write leaves the old results as they were.
* **Names in paths are made safe** (:func:`safe_name`): a scenario named ``../../x`` writes
  ``results/_._.._x-seed0`` and one named ``/abs/x`` ``results/_abs_x-seed0``, inside the
  results folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

MANIFEST = "manifest.json"
"""The file that marks a folder as partnersim results (with ``partnersim_version`` in it)."""

STAMP = "partnersim_version"
"""The key of a manifest that says partnersim wrote it (see :mod:`sim.runs.provenance`)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_CHARS = 100


class OutputError(Exception):
    """Results cannot be written where they were asked to go; ``str()`` is one line."""


def safe_name(name: str) -> str:
    """Return ``name`` as one harmless path component.

    Runs of characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``; a
    leading dot becomes ``_`` (no hidden files, no ``..``); the result is at most 100 characters
    and never empty.

    Args:
        name: A scenario, sweep or docking name, as written in its file.

    Returns:
        A name that stays inside the folder it is joined to.
    """
    text = _UNSAFE.sub("_", name)[:_NAME_CHARS]
    if text.startswith("."):
        text = "_" + text[1:]
    return text or "unnamed"


def is_results(folder: Path) -> bool:
    """Tell whether ``folder`` holds a manifest that partnersim wrote."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and STAMP in manifest


def check_folder(out: Path, *, force: bool = False, resume: bool | None = None) -> Path:
    """Check, before anything runs, that results may be written into folder ``out``.

    Args:
        out: The output folder.
        force: Replace results already in ``out`` (only partnersim results).
        resume: Carry on with results already in ``out`` (the command checks they match);
            None for a command that cannot resume.

    Returns:
        ``out``.

    Raises:
        OutputError: The path is not usable, or ``out`` holds something the flags do not allow
            to replace or resume (see the module docstring).
    """
    check_path(out)
    if not out.exists():
        return out
    if not out.is_dir():
        raise OutputError(f"{out}: a file is in the way; choose another folder for the results")
    if not _writable(out):
        raise OutputError(f"{out}: cannot write in this folder; choose another")
    if not any(out.iterdir()) or resume:
        return out
    if not force:
        carry_on = "resume them with --resume, " if resume is not None else ""
        raise OutputError(
            f"{out}: already holds results; {carry_on}pass --force to replace them, or choose "
            "another --out folder"
        )
    if not is_results(out):
        raise OutputError(
            f"{out}: holds files that are not partnersim results (no {MANIFEST} written by "
            "partnersim); --force replaces only partnersim results: choose another folder"
        )
    return out


def check_files(paths: Iterable[Path], *, force: bool = False) -> None:
    """Check, before anything is built, that files may be written (a report's PDF and HTML).

    Args:
        paths: The files to write.
        force: Replace files that exist (regular files only).

    Raises:
        OutputError: A path is not usable, is a folder, or names an existing file without
            ``force``.
    """
    for path in paths:
        check_path(path)
        if path.is_dir():
            raise OutputError(f"{path}: a folder is in the way; choose another file name")
        if path.exists() and not force:
            raise OutputError(f"{path}: already exists; pass --force to replace it")
        if path.exists() and not path.is_file():
            raise OutputError(f"{path}: not a regular file; choose another file name")


def check_path(path: Path) -> None:
    """Refuse a path that runs through a file, or whose nearest existing folder is read-only.

    Raises:
        OutputError: One line naming the path and the problem.
    """
    existing = path
    try:
        while not existing.exists():
            if existing.is_symlink():  # a dangling link: nothing we may create behind it
                raise OutputError(f"{path}: {existing} is a broken link; choose another path")
            existing = existing.parent
    except OSError as exc:
        raise OutputError(f"{path}: cannot use this path ({exc.strerror})") from None
    if existing != path and not existing.is_dir():
        raise OutputError(f"{path}: {existing} is a file, so nothing can be written under it")
    folder = existing if existing != path else path.parent
    if folder.exists() and not _writable(folder):
        raise OutputError(f"{path}: cannot write in {folder}; choose another path")


def _writable(folder: Path) -> bool:
    """Tell whether new entries can be made in ``folder``, by making and removing one.

    Asking (``os.access``) is not enough: root may write anywhere by permission, yet not in
    ``/proc`` or on a read-only mount, and the refusal would come only when the results are
    written, after the runs.
    """
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".partnersim-probe-")
    except OSError:
        return False
    os.close(handle)
    os.unlink(name)
    return True


def clear(out: Path) -> None:
    """Remove the results in ``out`` (after :func:`check_folder` with ``force``).

    Raises:
        OutputError: ``out`` holds something other than partnersim results.
    """
    if not out.exists() or not any(out.iterdir()):
        return
    if not is_results(out):
        raise OutputError(f"{out}: holds files that are not partnersim results; not removed")
    shutil.rmtree(out)


def replace_with[T](out: Path, write: Callable[[Path], T]) -> T:
    """Write results into a fresh folder beside ``out``, then put it in the place of ``out``.

    The old contents of ``out`` (partnersim results, checked by :func:`check_folder`) are
    removed only after the new ones are complete, so ``out`` never holds a mix of both; if
    ``write`` fails, ``out`` is left as it was.

    Args:
        out: The output folder.
        write: Writes the results into the folder it is given.

    Returns:
        What ``write`` returned.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        written = write(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)
    return written


def inside(folder: Path, name: str | os.PathLike[str]) -> Path:
    """Return the file ``name`` names inside ``folder``, refusing any that would leave it.

    ``name`` is taken relative to ``folder``; after following symbolic links (of the folder
    and of whatever part of the path exists), the file must lie in ``folder`` or below.

    Args:
        folder: The folder files may be written in (need not exist yet).
        name: A file name or relative path, e.g. ``explored.yaml`` or ``runs/a.yaml``.

    Returns:
        ``folder / name``.

    Raises:
        OutputError: ``name`` is empty, absolute, or leads out of ``folder`` (the message says
            which, for the caller to name the file).
    """
    text = os.fspath(name).strip()
    if not text:
        raise OutputError("no file name given")
    path = folder / text
    try:
        escapes = Path(text).is_absolute() or not path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot use this path: {exc}") from None
    if escapes:
        raise OutputError(f"it leads out of {folder}")
    return path
