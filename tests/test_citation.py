"""CITATION.cff parses, follows CFF 1.2.0's required fields and matches the package."""

import datetime as dt
import re
import tomllib

import yaml
from conftest import ROOT

import sim.docking.schema
from sim.scenario.reference import source_keys

CFF = ROOT / "CITATION.cff"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def citation() -> dict:
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def test_citation_parses_with_the_required_fields() -> None:
    data = citation()
    assert data["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(data)
    assert data["type"] == "software"
    assert data["authors"] == [{"name": "partnersim developers"}]
    assert data["title"].startswith("partnersim: ")
    assert len(data["abstract"].split()) > 50
    assert "agent-based model" in data["keywords"]


def test_citation_matches_the_package() -> None:
    data = citation()
    assert str(data["version"]) == PYPROJECT["version"]
    assert data["license"] == PYPROJECT["license"] == "MIT"
    released = data["date-released"]
    assert isinstance(released, str)  # quoted, so YAML keeps it as the ISO string CFF wants
    assert dt.date.fromisoformat(released) == dt.date(2026, 11, 22)


def test_references_name_the_sources_the_model_implements() -> None:
    references = citation()["references"]
    for reference in references:
        assert {"type", "title", "authors"} <= set(reference), reference.get("title")
        assert reference["authors"], reference["title"]
        if "doi" in reference:
            assert re.fullmatch(r"10\.\d{4,}/\S+", reference["doi"]), reference["doi"]
    titles = " | ".join(" ".join(r["title"].split()) for r in references)
    assert "The ODD protocol for describing agent-based" in titles
    assert "ODD+D, an extension of the ODD protocol" in titles
    assert "Innovation networks: a simulation approach" in titles  # SKIN
    assert "tripartite evolutionary game of enterprises, public and government" in titles
    # the docking source carries the DOI the game's schema cites
    (wang,) = [r for r in references if r.get("journal") == "Journal of Cleaner Production"]
    (key, meaning), *_ = source_keys(sim.docking.schema)
    assert key == "WANG-2023"
    assert f"doi:{wang['doi']}" in meaning
