"""Conflict-safe saves and undos of whole pages, each one ``action=edit`` request.

The plan behind a save was made against one revision, so wikisync's rule is stricter than
MediaWiki's: if the page has any newer revision, nothing is written (exit 4). MediaWiki
itself would merge a concurrent edit to other lines, which would publish a plan nobody
reviewed against the merged text. Hence a cheap ``prop=info`` check just before the write.

Between that check and the write there is a window of one round trip. An edit landing in
it is still caught by the write's own ``baserevid``/``basetimestamp``: MediaWiki refuses an
edit to the same lines (``editconflict``), and a deletion (``pagedeleted``, thanks to the
server-side ``starttimestamp``). An edit to other lines in that window is merged by
MediaWiki; the result then says ``merged`` (its ``old_revid`` is not the plan's base) and a
warning is logged, so the caller can report it. One more MediaWiki rule makes the window
unsafe when the base revision is less than a second old; :func:`_precheck` waits that out.

An edit whose answer is lost (connection reset, timeout, HTTP 5xx) may or may not have been
applied. It is never re-sent blindly: the page's latest revision is read back, and only when
the page is still at the base revision is the edit sent once more. Should the first copy
still arrive later, MediaWiki sees a conflict with the same account and the same text and
makes no second revision.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from .apierrors import api_error
from .errors import ConflictError, LoginFailed, PageError, WikiError, WikisyncError
from .wiki import WikiSession

__all__ = [
    "LatestRevision",
    "SaveRequest",
    "SaveResult",
    "latest_revision",
    "save_page",
    "undo_revision",
]

log = logging.getLogger(__name__)

_TOKENS: weakref.WeakKeyDictionary[WikiSession, str] = weakref.WeakKeyDictionary()
"""The CSRF token of each session: fetched once, refreshed once on ``badtoken``."""
_SAME_SECOND_CHECKS = 3
"""Pre-checks, a second apart, before giving up on a wiki clock that seems to stand still."""
_PHP_TRIM = " \t\n\r\0\x0b"
"""What PHP's ``rtrim`` strips; MediaWiki trims saved text with it."""


@dataclass(frozen=True)
class SaveRequest:
    """A whole-page save planned against revision ``base_revid``.

    ``start_timestamp`` is the server's clock at the read (``FetchResult.curtimestamp``),
    not this machine's, so a deletion after the read is detected. ``bot_account`` says the
    mapping expects a bot: the save then asserts ``bot`` rather than ``user``.
    """

    title: str
    text: str
    summary: str
    base_revid: int
    base_timestamp: str
    start_timestamp: str
    minor: bool = False
    bot_account: bool = False


@dataclass(frozen=True)
class SaveResult:
    """What a save or undo did. ``nochange``: the wiki already had this text.

    ``merged`` is true when MediaWiki merged the save with an edit made in the short window
    after the pre-check; ``old_revid`` is then that edit, not the planned base.
    """

    title: str
    old_revid: int
    new_revid: int
    nochange: bool
    timestamp: str
    merged: bool = False


class LatestRevision(NamedTuple):
    """The page's current revision, without its text."""

    revid: int
    timestamp: str
    sha1: str
    user: str


@dataclass(frozen=True)
class _Latest:
    revision: LatestRevision
    parentid: int
    server_time: str


# -- internals ---------------------------------------------------------------------------


def _account(name: str | None) -> str:
    """A user name as the wiki writes it in a revision: no ``@app``, spaces, capital first."""
    bare = (name or "").partition("@")[0].replace("_", " ").strip()
    return bare[:1].upper() + bare[1:]


def _stored_sha1(text: str) -> str:
    """SHA-1 of ``text`` as MediaWiki stores it: line endings normalised, end trimmed.

    Signatures and ``subst:`` are expanded on save as well, so such text never matches;
    the reconciliation then reports a conflict rather than guessing.
    """
    stored = text.replace("\r\n", "\n").replace("\r", "\n").rstrip(_PHP_TRIM)
    return hashlib.sha1(stored.encode("utf-8")).hexdigest()


def _require_login(session: WikiSession) -> None:
    if not session.logged_in:
        raise LoginFailed("Saving needs a login; provide the bot password.", code="notloggedin")


def _with_page(err: WikisyncError, title: str) -> WikisyncError:
    """The same error, naming the page (API errors are rebuilt from the one table)."""
    if isinstance(err, ConflictError):
        return err if err.page else ConflictError(err.message, page=title)
    code = getattr(err, "code", None)
    if isinstance(err, WikiError) and code and code != "network" and not code.startswith("http-"):
        return api_error(code, err.info, page=title)
    return err


def _outcome_unknown(err: WikisyncError) -> bool:
    """Whether a failed write may nonetheless have been applied by the server."""
    if not isinstance(err, WikiError) or isinstance(err, LoginFailed):
        return False
    code = err.code
    return code is None or code == "network" or (code.startswith("http-5"))


def _query(session: WikiSession, **params: Any) -> dict[str, Any]:
    """A read (the whole answer); it also fetches the CSRF token when none is held."""
    if session not in _TOKENS:
        params["meta"] = "tokens"
    answer = session.api("query", "GET", **params)
    token = answer.get("query", {}).get("tokens", {}).get("csrftoken")
    if isinstance(token, str) and token != "+\\":
        _TOKENS[session] = token
    return answer


def _seconds(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp)
    except ValueError:
        return None


def _page_of(answer: dict[str, Any], title: str) -> dict[str, Any] | None:
    """The one page of a ``titles=`` answer; None when it does not exist."""
    pages = answer.get("query", {}).get("pages") or [{}]
    page: dict[str, Any] = pages[0]
    if page.get("invalid"):
        reason = page.get("invalidreason", "invalid title")
        raise PageError(f"Not a valid page title: {reason}", code="invalidtitle", page=title)
    return None if page.get("missing") else page


def _read_latest(session: WikiSession, title: str) -> _Latest | None:
    answer = _query(
        session,
        prop="revisions",
        titles=title,
        rvprop="ids|timestamp|sha1|user",
        curtimestamp="1",
    )
    page = _page_of(answer, title)
    if page is None or not page.get("revisions"):
        return None
    rev = page["revisions"][0]
    revision = LatestRevision(
        revid=int(rev["revid"]),
        timestamp=str(rev["timestamp"]),
        sha1=str(rev.get("sha1", "")),
        user=str(rev.get("user", "")),
    )
    server_time = str(answer.get("curtimestamp") or "")
    return _Latest(revision, int(rev.get("parentid") or 0), server_time)


# -- public API -------------------------------------------------------------------------


def latest_revision(session: WikiSession, title: str) -> LatestRevision:
    """``(revid, timestamp, sha1, user)`` of the page's current revision; one request."""
    latest = _read_latest(session, title)
    if latest is None:
        raise api_error("missingtitle", None, page=title)
    return latest.revision


def save_page(session: WikiSession, request: SaveRequest) -> SaveResult:
    """Replace the page's text with ``request.text`` if the page is still at the base.

    Two requests: the pre-check (which also fetches the CSRF token the first time) and the
    edit; a third, a second later, when the base revision is from the wiki's current second
    (see :func:`_precheck`). Raises :class:`ConflictError` (exit 4) when the page moved on,
    :class:`WikiError` (exit 3) when the wiki refuses the edit; nothing is written then.
    """
    if not request.base_timestamp:
        raise ValueError("base_timestamp is empty: the wiki would not detect edit conflicts")
    if not request.start_timestamp:
        raise ValueError("start_timestamp is empty: the wiki would not detect a deletion")
    if request.base_revid <= 0:
        raise ValueError("base_revid must be the id of the revision the plan was made from")
    _require_login(session)
    title = request.title
    # The wiki normalises to NFC before checking md5; doing it first keeps both equal.
    text = unicodedata.normalize("NFC", request.text)
    _precheck(session, request)
    fields: dict[str, Any] = {
        "title": title,
        "text": text,
        "summary": request.summary,
        "baserevid": str(request.base_revid),
        "basetimestamp": request.base_timestamp,
        "starttimestamp": request.start_timestamp,
        "nocreate": "1",
        "md5": hashlib.md5(text.encode("utf-8")).hexdigest(),
        "watchlist": "nochange",
        "assert": "bot" if request.bot_account else "user",
        ("minor" if request.minor else "notminor"): "1",
    }
    if session.has_right("bot"):
        fields["bot"] = "1"
    expected = _stored_sha1(text)
    me = _account(session.username)

    def landed(latest: _Latest) -> bool:
        rev = latest.revision
        return (
            latest.parentid == request.base_revid
            and _account(rev.user) == me
            and rev.sha1 == expected
        )

    return _send_edit(session, title, fields, request.base_revid, request.base_timestamp, landed)


def _precheck(session: WikiSession, request: SaveRequest) -> None:
    """Refuse unless the page is still at the plan's base revision (``prop=info``).

    MediaWiki treats an edit as a conflict with oneself, and overwrites instead of merging,
    when every revision newer than ``basetimestamp`` is by the saving account; it compares
    whole seconds. A person's edit saved in the same second as the base revision would
    therefore be overwritten silently. So when the base revision is from the wiki's current
    second, wait for the next one and check again: any edit after that check is newer.
    """
    title = request.title
    base_time = _seconds(request.base_timestamp)
    for _ in range(_SAME_SECOND_CHECKS):
        answer = _query(session, prop="info", titles=title, curtimestamp="1")
        page = _page_of(answer, title)
        if page is None:
            raise ConflictError("the page was deleted since the plan; nothing written", page=title)
        current = int(page.get("lastrevid") or 0)
        if current != request.base_revid:
            raise ConflictError(
                f"the page changed since the plan (r{request.base_revid} -> r{current}); "
                "nothing written",
                page=title,
            )
        now = _seconds(str(answer.get("curtimestamp") or ""))
        if base_time is None or now is None or now > base_time:
            return
        session.transport.sleep(1.0)
    raise WikiError(
        "The wiki's clock does not pass the base revision's timestamp; nothing written.",
        code="clock",
        page=title,
    )


def undo_revision(
    session: WikiSession, title: str, revid: int, *, summary: str, bot_account: bool
) -> SaveResult:
    """Undo revision ``revid`` of ``title`` (as the wiki's "undo" link does).

    Edits after ``revid`` elsewhere on the page are kept; when they touched the same lines
    the wiki refuses (``undofailure``) and :class:`ConflictError` says later edits make
    undo unsafe. Three requests: the revision's parent, the latest revision, the edit.
    """
    _require_login(session)
    answer = _query(session, prop="revisions", revids=str(revid), rvprop="ids")
    pages = answer.get("query", {}).get("pages") or []
    revisions = pages[0].get("revisions", []) if pages else []
    if not revisions:
        raise api_error("nosuchrevid", f"r{revid}", page=title)
    parent = int(revisions[0].get("parentid") or 0)
    if parent == 0:
        raise PageError(
            f"r{revid} created the page; undoing it would blank the page", code="undo-creation"
        )
    before = _read_latest(session, title)
    if before is None:
        raise api_error("missingtitle", None, page=title)
    base = before.revision
    fields: dict[str, Any] = {
        "title": title,
        "undo": str(revid),
        "undoafter": str(parent),
        "summary": summary,
        "baserevid": str(base.revid),
        "basetimestamp": base.timestamp,
        "starttimestamp": before.server_time,
        "nocreate": "1",
        "watchlist": "nochange",
        "assert": "bot" if bot_account else "user",
    }
    if session.has_right("bot"):
        fields["bot"] = "1"
    me = _account(session.username)

    def landed(latest: _Latest) -> bool:
        # The undone text is computed by the wiki, so there is no hash to compare with.
        return latest.parentid == base.revid and _account(latest.revision.user) == me

    return _send_edit(session, title, fields, base.revid, base.timestamp, landed)


# -- the write --------------------------------------------------------------------------


def _send_edit(
    session: WikiSession,
    title: str,
    fields: dict[str, Any],
    base_revid: int,
    base_timestamp: str,
    landed: Callable[[_Latest], bool],
) -> SaveResult:
    """Send the edit; refresh a stale token once; reconcile a lost answer, re-sending once."""
    refreshed = resent = False
    while True:
        failure: WikisyncError | None = None
        answer: dict[str, Any] = {}
        token = _TOKENS.get(session) or _fresh_token(session)
        try:
            with session.transport.not_repeatable():
                answer = session.api("edit", **fields, token=token)
        except WikisyncError as err:
            failure = err
        if failure is None:
            return _edit_result(title, answer, base_revid, base_timestamp)
        if isinstance(failure, WikiError) and failure.code == "badtoken" and not refreshed:
            # The wiki checks the token before anything else: re-sending is safe.
            refreshed = True
            _TOKENS.pop(session, None)
            continue
        if isinstance(failure, WikiError) and failure.code == "missingtitle":
            # The page was there when read; with nocreate, this is how a deletion shows.
            raise ConflictError(
                "the page was deleted since it was read (the wiki says it does not exist); "
                "nothing written",
                page=title,
            )
        if not _outcome_unknown(failure):
            raise _with_page(failure, title).with_traceback(None)
        log.warning("%s: the edit's answer was lost (%s); re-reading the page", title, failure)
        latest = _reread(session, title, failure)
        if latest is None:
            raise ConflictError(
                "the page was deleted while the edit's answer was lost; check it by hand",
                page=title,
            )
        if landed(latest):
            rev = latest.revision
            return SaveResult(title, base_revid, rev.revid, False, rev.timestamp)
        if latest.revision.revid == base_revid and not resent:
            resent = True  # certainly not applied: the page is still at the base
            continue
        if latest.revision.revid == base_revid:
            raise WikiError(
                f"The edit failed twice without an answer; nothing was written, the page is "
                f"still at r{base_revid}. Try again later.",
                code=failure.code if isinstance(failure, WikiError) else None,
                page=title,
            )
        raise ConflictError(
            f"the page changed while the edit's answer was lost (r{base_revid} -> "
            f"r{latest.revision.revid} by {latest.revision.user or 'a hidden user'}); "
            "wikisync's edit is not the latest revision, check the page by hand",
            page=title,
        )


def _reread(session: WikiSession, title: str, lost: WikisyncError) -> _Latest | None:
    """The latest revision after a lost answer; if that read fails too, say what is unknown."""
    failure: WikisyncError
    try:
        return _read_latest(session, title)
    except WikisyncError as err:
        failure = err
    raise WikiError(
        f"The edit's answer was lost ({lost}) and re-reading the page failed ({failure}); "
        "the edit may or may not have been saved. Check the page's history before retrying.",
        code="unknown-outcome",
        page=title,
    ).with_traceback(None)


def _fresh_token(session: WikiSession) -> str:
    _query(session)
    token = _TOKENS.get(session)
    if token is None:
        raise WikiError("The wiki gave no edit token to this login.", code="notoken")
    return token


def _edit_result(
    title: str, answer: dict[str, Any], base_revid: int, base_timestamp: str
) -> SaveResult:
    edit = answer.get("edit")
    if not isinstance(edit, dict):
        raise WikiError("The wiki's answer to the edit was not understood.", page=title)
    if edit.get("result") != "Success":
        raise _refusal(edit, title)
    if edit.get("nochange"):
        return SaveResult(title, base_revid, base_revid, True, base_timestamp)
    old, new = int(edit["oldrevid"]), int(edit["newrevid"])
    merged = old != base_revid
    if merged:
        log.warning(
            "%s: r%d was saved in the moment before this edit; the wiki merged the two "
            "(r%d -> r%d -> r%d)",
            title,
            old,
            base_revid,
            old,
            new,
        )
    return SaveResult(title, old, new, False, str(edit.get("newtimestamp", "")), merged)


def _refusal(edit: dict[str, Any], title: str) -> WikisyncError:
    """An edit answered with ``result: Failure`` (CAPTCHA, older extensions)."""
    if "captcha" in edit:
        return WikiError(
            "The wiki asks for a CAPTCHA, which an unattended run cannot answer; nothing "
            "written. Give the account the skipcaptcha right (e.g. the bot group).",
            code="captcha",
            page=title,
        )
    if "spamblacklist" in edit:
        return api_error("spamblacklist", str(edit["spamblacklist"]), page=title)
    said = ", ".join(sorted(key for key in edit if key != "result")) or "no details"
    return WikiError(
        f"The wiki refused the edit ({said}); nothing written.", code="edit-failure", page=title
    )
