"""The `hcwatch` command line: argument parsing, the headless commands, their output and exit codes (no Textual)."""

from tui.cli.main import main

__all__ = ["main"]
