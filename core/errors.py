"""The CLI's one error path: every expected failure is a `UserError` with one clear line and an exit code.

Library code raises these (or the specific subclasses below); `nba-props` prints the message, escaped, on one
line and exits with the error's code. The codes are documented in README "Exit codes" (tests/models/test_docs.py
checks the table against this enum).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # done (a degraded run too: it says why, in yellow)
    FAILED = 1  # the work failed: a phase or gate failed, no data for the dates, nothing to export, a diff
    USAGE = 2  # bad option or configuration: unknown or unsupported target, missing key, a folder not its own
    BUSY = 3  # another nba-props run holds the warehouse lock, or another process holds the DuckDB file
    FILESYSTEM = 4  # a file or folder cannot be read or written (permissions, read-only, disk full)
    INTERRUPTED = 130  # Ctrl-C (SIGINT) or SIGTERM: the run's open phases are recorded `interrupted`


class UserError(Exception):
    """An expected failure: the message is for the user, the code is the process's exit code."""

    code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, code: ExitCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(UserError):
    code = ExitCode.USAGE


class BusyError(UserError):
    code = ExitCode.BUSY


class FileSystemError(UserError):
    code = ExitCode.FILESYSTEM


class NoDataError(UserError):
    """The dates asked for have no data (no landing files, no slate, no predictions): never a success."""

    code = ExitCode.FAILED


class Interrupted(UserError):
    code = ExitCode.INTERRUPTED
