"""The ``partnersim`` command: one module per group of subcommands."""
