"""The scenario schema and its files: the floor every other wing stands on.

Every parameter with unit, bounds and source (``schema``), reading YAML with ``extends``
(``files``), one-line errors (``errors``), key paths (``keypaths``), differences between
scenarios (``diff``) and the parameter reference (``reference``). It imports nothing else of
``sim``.
"""
