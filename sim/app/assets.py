"""The app's front-end files, kept on this machine so that the page works offline.

Solara's page loads its Vue app, RequireJS and Font Awesome through the server's CDN proxy,
which fetches each file from a public CDN on first use and keeps it in a cache
(``solara.server.settings.assets.proxy_cache_dir``, inside the virtual environment). Where the
CDN cannot be reached, the page stays blank and says nothing. Solara's own ``solara-assets``
package would ship the files, but its releases lag Solara's (1.58 against 1.64, with another
version of the Vue app), so it does not fit.

This module puts the exact packages the page asks for into that cache, from the npm registry
(the same files the CDN serves, checked against the registry's SHA-512 integrity):
``make setup`` runs it once (``python -m sim.app.assets``), and ``partnersim app`` checks the
cache before serving and fetches what is missing, or says which files are missing and how to
get them. The packages are read from Solara's own page template (:func:`required`), so a Solara
upgrade that moves to new versions is followed without a change here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

logger = logging.getLogger(__name__)

REGISTRY = "https://registry.npmjs.org"
"""The npm registry the packages come from."""

TIMEOUT = 60.0
"""Seconds one download may take."""

_CDN_PATH = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@([\w.+-]+)/")
_SETTING_PATH = re.compile(r"^/?((?:@[\w.-]+/)?[\w.-]+)@([\w.+-]+)/")


def cache_dir() -> Path:
    """Return Solara's asset cache, where the server's CDN proxy looks for files first."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def required() -> list[tuple[str, str]]:
    """Return the npm packages (name, version) that Solara's page loads through the CDN.

    Read from Solara's page template and its Font Awesome setting.
    """
    import solara.server
    from solara.server.settings import assets

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(_CDN_PATH.findall(template.read_text(encoding="utf-8")))
    font = _SETTING_PATH.match(assets.fontawesome_path)
    if font is not None:
        found.add(font.groups())
    return sorted(found)


def folder(name: str, version: str, cache: Path) -> Path:
    """Return where the proxy looks for a package's files: ``CACHE/name@version/``."""
    return cache / f"{name}@{version}"


def missing(cache: Path | None = None) -> list[tuple[str, str]]:
    """Return the required packages that are not in the cache."""
    cache = cache_dir() if cache is None else cache
    return [
        (n, v) for n, v in required() if not folder(n, v, cache).joinpath("package.json").is_file()
    ]


def fetch(name: str, version: str, cache: Path) -> Path:
    """Download one package from the npm registry, check it, and unpack it into the cache.

    Args:
        name: The npm package, e.g. ``@widgetti/solara-vuetify3-app``.
        version: Its exact version.
        cache: Solara's asset cache.

    Returns:
        The package's folder in the cache.

    Raises:
        OSError: The registry cannot be reached or the download fails.
        ValueError: The download does not match the registry's integrity hash.
    """
    with urllib.request.urlopen(f"{REGISTRY}/{name}/{version}", timeout=TIMEOUT) as response:
        dist = json.load(response)["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=TIMEOUT) as response:
        packed = response.read()
    algorithm, _, expected = dist.get("integrity", "").partition("-")
    if algorithm == "sha512":
        got = base64.b64encode(hashlib.sha512(packed).digest()).decode()
        if got != expected:
            raise ValueError(f"{name}@{version}: download does not match the registry's hash")
    target = folder(name, version, cache)
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        members = []
        for member in tar.getmembers():
            _, _, inside = member.name.partition("/")  # npm packs everything under package/
            if inside:
                member.name = inside
                members.append(member)
        tar.extractall(partial, members=members, filter="data")
    partial.replace(target)  # whole or not at all: the proxy never sees half a package
    return target


def ensure(cache: Path | None = None) -> list[tuple[str, str]]:
    """Fetch every required package that the cache lacks.

    Args:
        cache: Solara's asset cache (default: :func:`cache_dir`).

    Returns:
        The packages still missing afterwards (empty when the page will load offline).
    """
    cache = cache_dir() if cache is None else cache
    for name, version in missing(cache):
        try:
            fetch(name, version, cache)
            logger.info("fetched %s@%s into %s", name, version, cache)
        except (OSError, ValueError) as err:
            logger.warning("cannot fetch %s@%s from %s: %s", name, version, REGISTRY, err)
    return missing(cache)


def main() -> int:
    """Fetch the app's front-end files (``make setup`` runs this); 1 if some are missing."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    left = ensure()
    for name, version in left:
        print(f"missing: {name}@{version} (the app's page would be blank offline)", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
