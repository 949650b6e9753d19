"""The command line: the composition root and every command-line front end (Rich tables,
prompts). The only package in `oc_console` allowed to import the UI; nothing below it imports
it. `main` is the `oc-console` entry point."""

from oc_console.cli.main import main

__all__ = ["main"]
