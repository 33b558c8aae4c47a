"""Section 6 of a comparison's report: the public cost as a finance officer counts it.

From :mod:`sim.runs.finance_table`: the net present public cost per success at four discount
rates with its rank, the cost line by line (what the purse paid and received, what the vehicles
hold, the open claims), leverage across blended deals, and a fund's recycling multiple beside the
US Clean Water SRF's (:data:`sim.finance.formulas.CWSRF_MULTIPLES`). Why each difference arises,
with runs that switch its driver off, is in docs/finance.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.outputs.cells import estimate_cells

if TYPE_CHECKING:
    from sim.outputs.document import Block
    from sim.runs.compare import Comparison


def finance_section(comparison: Comparison) -> list[Block]:
    """Return the finance officer's section, from :mod:`sim.runs.finance_table`.

    Cost per success by discount rate, the cost line by line, leverage across deals and the
    fund's recycling multiple.
    """
    from sim.outputs.document import Heading, Paragraph, Row, Table
    from sim.runs.finance_table import finance_tables

    tables = finance_tables(comparison)
    blocks: list[Block] = [
        Heading("6 Public cost, as a finance officer counts it"),
        Paragraph(
            "Net present public cost is one definition for every instrument "
            "(sim.finance.public_cost): what the public purse (treasuries, innovation budgets, "
            "public capital providers) pays out, less what comes back to it (repayments, "
            "recoveries, savings to the treasury), each discounted from when it moved, less "
            "what the public vehicles (funds, escrows, reserves) still hold at the horizon and "
            "the open claims valued at expected cash (loans outstanding, the city's share of "
            "savings still to come), plus what is still owed. Moving budget into a fund is "
            "neither spending nor income; money idle in a fund costs its time value."
        ),
    ]
    if not tables:
        blocks.append(Paragraph("These results hold no public-cost tables (an older partnersim)."))
        return blocks
    by_rate = tables.get("public_cost_by_rate")
    if by_rate is not None:
        rows = []
        for rate, group in by_rate.groupby("rate", sort=True):
            cells = [f"{rate:.1%}"]
            for row in group.itertuples():
                mean, interval = estimate_cells(row.mean, row.lower, row.upper, "EUR")
                cells.append(f"{mean} {interval} #{row.rank}")
            rows.append(Row(tuple(cells)))
        blocks += [
            Heading("Cost per success at four discount rates", level=2),
            Paragraph(
                "M EUR per successful pilot, mean over replicates [95 % interval] and rank "
                "(#1 the cheapest). 3.5 % is the UK Green Book's rate, 2 % the US OMB's "
                "(Circular A-94, 2023), 4 % the European Commission's financial rate; a ranking "
                "that turns between rates turns on the time value of money."
            ),
            Table(header=("rate", *group["scenario"]), rows=tuple(rows), align="l" + "r" * 9),
        ]
    lines = tables.get("public_cost_lines")
    if lines is not None:
        scenarios = [c for c in lines.columns if c not in ("rate", "part", "item")]
        rows = [
            Row(
                (
                    f"{row['part']}: {row['item']}" if row["item"] else "total",
                    *(
                        estimate_cells(row[name], math.nan, math.nan, "EUR")[0]
                        for name in scenarios
                    ),
                )
            )
            for _, row in lines.iterrows()
        ]
        blocks += [
            Heading("The cost line by line", level=2),
            Paragraph(
                f"M EUR per run (mean over replicates) at {float(lines['rate'].iloc[0]):.1%}: "
                "what the purse paid out by reason, what came back by reason (negative), what "
                "the vehicles hold at the horizon by kind (negative) and the open claims by kind "
                "(negative: owed to the public; positive: owed by it). The lines sum to the "
                "total, the mean net present public cost."
            ),
            Table(header=("line", *scenarios), rows=tuple(rows), align="l" + "r" * 9),
        ]
    leverage = tables.get("deal_leverage")
    if leverage is not None:
        rows = [
            Row(
                (
                    row.scenario,
                    str(row.deals),
                    f"{row.mean:.2f}",
                    f"{row.sd:.2f}",
                    f"{row.p5:.2f}-{row.p95:.2f}",
                    str(row.uncovered),
                )
            )
            for row in leverage.itertuples()
        ]
        blocks += [
            Heading("Leverage across blended deals", level=2),
            Paragraph(
                "Commercial EUR per EUR of concessional first-loss cover in each closed blended "
                "deal. Each deal takes the smallest cover that lets the commercial tranche clear "
                "its hurdle, so leverage follows the pilot's economics and varies across deals; "
                "deals whose senior tranche cleared its hurdle with no cover are counted apart."
            ),
            Table(
                header=("scenario", "deals", "mean", "sd", "5-95 %", "needed no cover"),
                rows=tuple(rows),
                align="lrrrrr",
            ),
        ]
    multiples = tables.get("fund_multiples")
    if multiples is not None:
        rows = []
        for scenario, group in multiples.groupby("scenario", sort=False):
            cells = [
                f"year {row.year}: {row.mean:.2f} [{row.lower:.2f}, {row.upper:.2f}]"
                for row in group.itertuples()
            ]
            rows.append(Row((str(scenario), "; ".join(cells))))
        blocks += [
            Heading("The fund's recycling multiple", level=2),
            Paragraph(
                "Money lent per EUR of capital paid in, after 5, 10 and 20 years [95 % "
                f"interval]; the US Clean Water SRF reached {_cwsrf()}. A fund's budget "
                "money does not lapse at the fiscal year's end, as unspent budget does: that "
                "is the fund's design advantage, and money left idle in it is charged its time "
                "value above. A multiple below the SRF's with cash idle in the fund says demand "
                "for loans, not the fund's capital, is the limit."
            ),
            Table(header=("scenario", "multiple"), rows=tuple(rows), align="ll", wrap=1),
        ]
    return blocks


def _cwsrf() -> str:
    """The US Clean Water SRF's multiples as the report quotes them."""
    from sim.finance.formulas import CWSRF_MULTIPLES

    return " to ".join(f"{value:.2f} ({when})" for when, value in CWSRF_MULTIPLES.items())
