"""Validation by docking.

The published games as equations and as agents, their schema, and the audit with its figures
and documentation page.
"""
