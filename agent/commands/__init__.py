"""The command groups of the `nocontact` CLI: each module adds its subcommands (see agent/cli.py)."""
