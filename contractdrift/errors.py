"""Exceptions that map to exit code 2 in the CLI: bad input, with file and place."""

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


class UsageError(ContractDriftError):
    """Bad options or configuration (unknown rule id in config, bad flag value)."""


class WorkerError(ContractDriftError):
    """A worker process (``--jobs``) or cluster task died before it delivered its part: no result."""
