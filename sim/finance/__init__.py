"""Money: the double-entry ledger, its accounts, the finance instruments and their formulas.

It imports only the scenario wing.
"""
