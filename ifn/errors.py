"""Errors carrying a French message meant for the end user.

Every reader or validator raises one of these with a message that names the
file, the line or the value at fault. Pages and the command line show
``str(error)`` as is; no traceback reaches the user.
"""

from __future__ import annotations


class IFNError(Exception):
    """Base class: ``str(err)`` is a complete French sentence for the user."""


class DataError(IFNError):
    """An input file of the open-data bundle is missing or malformed."""

    def __init__(self, path: object, problem: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        message = f"Fichier « {self.path} » : {problem}"
        if hint:
            message += f" {hint}"
        super().__init__(message)


class ConfigError(IFNError):
    """A setting (data directory, weights file, option) is wrong."""


class InputError(IFNError):
    """A user-supplied value or file (upload, weights, option) is invalid."""
