"""MediaWiki API error codes translated into wikisync errors, in this one table.

Each entry says what a person can do about the error; the API's own ``info`` is appended so
nothing the wiki said is lost. Codes not listed become a plain :class:`WikiError`.
"""

from __future__ import annotations

from .errors import ConflictError, LoginFailed, PageError, WikiError, WikisyncError

__all__ = ["API_ERRORS", "api_error"]

API_ERRORS: dict[str, tuple[type[WikisyncError], str]] = {
    # The wiki is unavailable for a while.
    "readonly": (WikiError, "The wiki is read-only for maintenance; try again later."),
    "maxlag": (WikiError, "The wiki's database replicas lag behind; try again later."),
    "ratelimited": (
        WikiError,
        "The wiki's rate limit was reached; run less often or ask for the noratelimit right.",
    ),
    # The account.
    "assertuserfailed": (LoginFailed, "The login was lost (session expired); log in again."),
    "assertbotfailed": (
        LoginFailed,
        "The account is not in the bot group; ask a bureaucrat or do not require a bot.",
    ),
    "blocked": (WikiError, "The account is blocked on this wiki; ask an administrator."),
    "autoblocked": (
        WikiError,
        "The account's IP address is blocked on this wiki; ask an administrator.",
    ),
    "badtoken": (WikiError, "The wiki rejected the token (session expired); log in again."),
    "notloggedin": (LoginFailed, "This action needs a login; provide credentials."),
    "readapidenied": (LoginFailed, "This wiki needs a login to read; provide credentials."),
    "writeapidenied": (
        WikiError,
        "The account may not edit through the API; check the bot password's grants.",
    ),
    "permissiondenied": (
        WikiError,
        "The account lacks a right for this; check its groups and the bot password's grants.",
    ),
    "mwoauth-invalid-authorization": (WikiError, "The OAuth authorisation was refused."),
    # The wiki refuses this edit of this page (a wiki-side decision, exit 3).
    "protectedpage": (WikiError, "The page is protected; ask an administrator to edit it."),
    "cascadeprotected": (
        WikiError,
        "The page is protected through a cascading protection; ask an administrator.",
    ),
    "spamblacklist": (WikiError, "The text contains a link the wiki's spam blacklist forbids."),
    "abusefilter-disallowed": (WikiError, "An abuse filter refused the edit."),
    "abusefilter-warning": (
        WikiError,
        "An abuse filter warned about the edit; it was not resubmitted. Review it by hand.",
    ),
    "hookaborted": (WikiError, "An extension of the wiki refused the edit."),
    "badmd5": (
        WikiError,
        "The text arrived changed (MD5 mismatch), so the wiki refused it; nothing written.",
    ),
    # The page named is the problem (PageError: bad input, exit 2).
    "missingtitle": (PageError, "The page does not exist (any more)."),
    "contenttoobig": (PageError, "The new text is bigger than the wiki's page size limit."),
    "nosuchrevid": (PageError, "There is no such revision."),
    "revwrongpage": (PageError, "The revision belongs to another page."),
    # The page moved on since it was read: nothing was written.
    "editconflict": (ConflictError, "The page was edited since it was read; nothing written."),
    "pagedeleted": (ConflictError, "The page was deleted since it was read; nothing written."),
    "articleexists": (ConflictError, "The page was created since it was read; nothing written."),
    "undofailure": (ConflictError, "Later edits make undo unsafe; nothing written."),
    # wikisync's own mistakes.
    "toomanyvalues": (WikiError, "Too many titles in one request (a wikisync bug)."),
    "badvalue": (WikiError, "The wiki refused a parameter (a wikisync bug or an old wiki)."),
}


def api_error(code: str | None, info: str | None, *, page: str | None = None) -> WikisyncError:
    """The wikisync error for API error ``code``, with the wiki's ``info`` kept in the text."""
    code = code or "unknown"
    kind, hint = API_ERRORS.get(code, (WikiError, "The wiki refused the request."))
    if code.startswith("internal_api_error"):
        kind, hint = WikiError, "The wiki had an internal error; try again later."
    elif code.startswith("abusefilter-") and code not in API_ERRORS:
        kind, hint = WikiError, "An abuse filter refused the edit; it was not resubmitted."
    said = f" The wiki said: {info.strip()}" if info and info.strip() else ""
    if not said.endswith((".", "!", "?")) and said:
        said += "."
    message = f"{hint}{said}"
    if issubclass(kind, ConflictError):
        return ConflictError(message, page=page)
    if issubclass(kind, WikiError):
        return kind(message, code=code, info=info, page=page)
    return kind(message)
