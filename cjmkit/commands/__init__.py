"""Subcommands of the ``cjmkit`` command line, one module per group."""
