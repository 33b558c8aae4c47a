"""The result of one run: tidy tables, a manifest, and how to write and read them.

Tables (all tidy, one row per observation, Parquet on disk):
    steps: one row per step (step 0 is the initial state) with every metric of
        :mod:`sim.model.metrics` as a column.
    events: every pilot lifecycle transition (step, pilot, from, to, parties, reason).
    pilots: one row per pilot with its attributes, terms and final state.
    negotiations: one row per negotiation (agreed, rounds, reason, alignment).
    elections: one row per city and election (satisfaction, outcome, cut, pilots at risk).
    deals: one row per attempt of an instrument to close a pilot's financing (closed or why not,
        expected return or premium).
    outcome_contracts: one row per evaluated outcome contract (true and measured outcome, share
        of the maximum payment paid).
    transfers: the ledger journal (step, from, to, amount, reason, pilot).
    accounts: one row per ledger account at the horizon: kind, owner, balance and its role for
        public cost (purse, vehicle or outside; :mod:`sim.finance.public_cost`).
    claims: the public's open claims and commitments at the horizon, at expected cash (a
        positive value is owed to the public), valued at each reported discount rate.
    public_cost: the net present public cost at each of those rates, with successes and the
        cost per success, computed from the tables above.
    public_cost_parts: the lines that sum to it at each rate: what the purse paid out and got
        back by reason, what the vehicles hold by kind, the open claims by kind
        (:func:`sim.finance.public_cost.public_cost_parts`).
    agents: per-agent state each step, only when the scenario asks (``output.agent_state``).
Every table carries ``scenario`` and ``seed`` columns so that tables of many runs concatenate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TABLES: tuple[str, ...] = (
    "steps",
    "events",
    "pilots",
    "negotiations",
    "elections",
    "deals",
    "outcome_contracts",
    "transfers",
    "accounts",
    "claims",
    "public_cost",
    "public_cost_parts",
    "agents",
)


@dataclass
class RunResult:
    """Tables and manifest of one run.

    Attributes:
        tables: DataFrames by name (see the module docstring).
        manifest: Provenance, seed and the resolved scenario.
    """

    tables: dict[str, pd.DataFrame]
    manifest: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Give tables as attributes: ``result.steps``, ``result.events``, ..."""
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def final(self) -> pd.Series:
        """Return the metrics at the last step."""
        return self.tables["steps"].iloc[-1]

    def write(self, out: str | Path) -> Path:
        """Write every table as Parquet and the manifest as JSON into folder ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            table.to_parquet(out / f"{name}.parquet", index=False)
        (out / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
        return out

    @classmethod
    def read(cls, folder: str | Path) -> RunResult:
        """Read a result written by :meth:`write`."""
        folder = Path(folder)
        tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
        return cls(tables=tables, manifest=json.loads((folder / "manifest.json").read_text()))
