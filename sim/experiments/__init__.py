"""Experiments over many runs.

Sweep files, designs and seeds, streamed resumable stores, sensitivity, scenario discovery,
the EMA Workbench adapter, calibration and reference models.
"""
