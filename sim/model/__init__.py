"""The Mesa model and its mechanics.

Agents, population, citizens, partner network, consortium search, negotiation, trust,
valuation, success, politics, incentives, partnership types, the pilot lifecycle, metrics and
random streams. It imports the finance and scenario wings.
"""
