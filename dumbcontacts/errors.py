"""Every failure dumbcontacts reports to its user, under one base: ``DumbContactsError``.

The message of each is one line that names the file, value or warehouse and says why. The
command line and the scheduled job catch only this tree: any other exception is a bug and
keeps its traceback. Library errors that mean bad input (an unreadable file, a URL no
engine can open, a TOML typo) are mapped into the tree where they are raised.

Each class keeps the builtin base its failures had before the tree (``ValueError``,
``RuntimeError``), so code that caught those still catches them.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DumbContactsError",
    "EmptyWeek",
    "InputError",
    "LoadError",
    "ModelError",
    "ReportError",
    "RunBusy",
    "WarehouseBusy",
    "WarehouseError",
    "WarehouseMissing",
    "first_line",
]


class DumbContactsError(Exception):
    """A failure the user can act on. ``exit_code`` is the command line's exit status for it."""

    exit_code = 2  # the user must correct something first (sysexits: a usage error)


class ConfigError(DumbContactsError, ValueError):
    """A settings, mapping, taxonomy or overrides file is missing, unreadable or holds a bad
    value (or the configuration cannot work on this machine)."""


class InputError(DumbContactsError, ValueError):
    """A file, record or value given to the product that it cannot read or use."""


class LoadError(InputError):
    """A source that cannot be loaded at all; the message names it and says why."""


class WarehouseError(DumbContactsError):
    """The warehouse cannot be opened or reached: a bad URL, no driver, no server."""


class WarehouseBusy(WarehouseError, RuntimeError):
    """Another process held the warehouse lock for longer than we were willing to wait."""


class WarehouseMissing(WarehouseError):
    """A read-only command named a warehouse that does not exist (a mistyped path or URL)."""


class EmptyWeek(DumbContactsError, ValueError):
    """The week asked for has no contacts: there is nothing to report (yet)."""


class ModelError(DumbContactsError, ValueError):
    """The topic model cannot be fitted or used as asked: no or too few contacts, or a model
    fitted with another embedder."""

    exit_code = 1  # the step failed, as analyze always reported it


class ReportError(DumbContactsError, RuntimeError):
    """The report's files cannot be written, or Chromium cannot print its PDF."""

    exit_code = 1


class RunBusy(DumbContactsError, RuntimeError):
    """Another scheduled run holds the run lock; the message says who and where."""


def first_line(error: BaseException) -> str:
    """A library error in one line, for the message of the error it is mapped to."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
