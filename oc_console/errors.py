"""Errors meant for a person: one line, no traceback."""


class UserError(Exception):
    """Bad input or configuration; the message is shown as is."""


class SourceError(Exception):
    """A backend could not be read; the message says which and why in one line."""
