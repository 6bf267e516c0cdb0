"""The error hierarchy: every failure a user can cause or meet maps to one class and one exit code.

Errors print as one line a person can act on; the CLI turns them into that line and the exit
code, so no traceback reaches the user. Wiki errors carry the API's ``code`` and ``info``.
"""

from __future__ import annotations

__all__ = [
    "EXIT_CONFLICT",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_WIKI",
    "ConflictError",
    "InputError",
    "LoginFailed",
    "PageError",
    "WikiError",
    "WikisyncError",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_WIKI = 3
EXIT_CONFLICT = 4


class WikisyncError(Exception):
    """Root of wikisync's errors; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(WikisyncError):
    """Bad input from the user: a file, a YAML document, a page's content, an option.

    ``source`` names the file or page, ``line`` the 1-based line where one is known.
    """

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = ""
        if source is not None:
            where = f"{source}:{line}: " if line is not None else f"{source}: "
        super().__init__(f"{where}{message}")


class WikiError(WikisyncError):
    """The wiki or the network failed; ``code``/``info`` are the API's when it gave them."""

    exit_code = EXIT_WIKI

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        info: str | None = None,
        page: str | None = None,
    ) -> None:
        self.code = code
        self.info = info
        self.page = page
        prefix = f"{page}: " if page else ""
        suffix = f" [{code}]" if code else ""
        super().__init__(f"{prefix}{message}{suffix}")


class LoginFailed(WikiError):
    """Login was refused. The message never includes the password."""


class PageError(WikiError):
    """One page cannot be used: missing, a redirect, not wikitext, too big.

    The wiki answered fine; the page named is the problem, so it is bad input (exit 2).
    """

    exit_code = EXIT_INPUT


class ConflictError(WikisyncError):
    """The page changed since the plan was made; nothing was written."""

    exit_code = EXIT_CONFLICT

    def __init__(self, message: str, *, page: str | None = None) -> None:
        self.page = page
        super().__init__(f"{page}: {message}" if page else message)
