"""Exceptions that map to exit code 2 in the CLI: bad input, with file and place.

Every error the library raises on purpose is a :class:`ContractDriftError`. Two of them also
belong to the built-in family a caller would catch without knowing this module:
:class:`UsageError` is a :class:`ValueError` (a bad argument), :class:`RecordingError` an
:class:`OSError` (a recording that cannot be opened, locked or written).
"""

from __future__ import annotations


class ContractDriftError(Exception):
    """Base class. ``str(error)`` is a one-line message fit for a user."""


class InputError(ContractDriftError):
    """Bad input: unreadable file, malformed YAML/JSON, invalid spec, broken $ref, bad recording."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 col: int | None = None, pointer: str | None = None) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.pointer = pointer
        where = ""
        if file:
            where = file
            if line is not None:
                where += f":{line}"
                if col is not None:
                    where += f":{col}"
            if pointer is not None:
                where += f" (#{pointer})"
            where += ": "
        elif pointer is not None:
            where = f"#{pointer}: "
        super().__init__(f"{where}{message}")


class UsageError(ContractDriftError, ValueError):
    """Bad options or configuration (unknown rule id in config, bad flag value); also a ``ValueError``."""


class RecordingError(InputError, OSError):
    """A recording (or its directory) cannot be created, opened, locked or written; also an ``OSError``."""


class MissingExtraError(UsageError):
    """An optional dependency is not installed: the message names the extra that brings it."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(f"{feature} needs {module!r}: pip install 'contractdrift[{extra}]'")


class WorkerError(ContractDriftError):
    """A worker process (``--jobs``) or cluster task died before it delivered its part: no result."""
