"""Saving and undoing against a real MediaWiki (the ``mediawiki`` fixture).

The wiki is never mocked. Faults are made in two ways only: settings the wiki really runs
(read-only, hooks that refuse an edit the way a CAPTCHA or an abuse filter does), and a thin
wrapper around the session's own ``send`` that acts on the ``action=edit`` POST while the
real server still handles it (its answer dropped, a 503 put in its place, a person's edit
made just before it arrives). Counts are of revisions on the wiki and of the requests in the
wiki's own request log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from wikisync import save as save_module
from wikisync.apierrors import api_error
from wikisync.errors import (
    EXIT_CONFLICT,
    EXIT_INPUT,
    EXIT_WIKI,
    ConflictError,
    LoginFailed,
    PageError,
    WikiError,
)
from wikisync.http import RetryPolicy
from wikisync.save import (
    LatestRevision,
    SaveRequest,
    SaveResult,
    latest_revision,
    save_page,
    undo_revision,
)
from wikisync.wiki import WikiSession

CONTACT = "wikisync-tests@example.org"
BASE_TEXT = (
    "== Team ==\n* Alice: lead\n* Bob: ops\n* Carol: docs\n\n"
    "== Notes ==\nMeetings on Mondays.\nBudget reviewed yearly.\n"
)

Send = Callable[..., requests.Response]
Handler = Callable[[Send, requests.PreparedRequest, dict[str, Any]], requests.Response]


def login(server: Any, username: str, password: str) -> WikiSession:
    session = WikiSession.connect(server.api_url, contact=CONTACT)
    session.login(username, password)
    return session


@pytest.fixture
def bot(mediawiki: Any) -> WikiSession:
    return login(mediawiki, mediawiki.bot_username, mediawiki.bot_password)


@pytest.fixture
def waits(bot: WikiSession) -> list[float]:
    """The pauses the bot's session makes (really made): a fresh base costs one second."""
    seen: list[float] = []

    def sleep(seconds: float) -> None:
        seen.append(seconds)
        time.sleep(seconds)

    bot.transport.sleep = sleep
    return seen


def plan(
    session: WikiSession, title: str, text: str, *, minor: bool = False, bot_account: bool = True
) -> SaveRequest:
    """Read the page the way a plan does and ask to save ``text`` over that revision."""
    result = session.fetch_revisions([title])
    (revision,) = result.revisions
    return SaveRequest(
        title=title,
        text=text,
        summary="wikisync: fix team list",
        base_revid=revision.revid,
        base_timestamp=revision.timestamp,
        start_timestamp=result.curtimestamp,
        minor=minor,
        bot_account=bot_account,
    )


def history(server: Any, title: str) -> list[dict[str, Any]]:
    """Every revision of the page, newest first (empty when the page does not exist)."""
    answer = server.api(
        {
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": "ids|user|comment|flags|sha1",
            "rvlimit": "max",
        }
    )
    revisions: list[dict[str, Any]] = answer["query"]["pages"][0].get("revisions", [])
    return revisions


def recent_change(server: Any, title: str, revid: int) -> dict[str, Any]:
    """The recent-changes row of ``revid`` (it carries the bot flag, revisions do not)."""
    for _ in range(40):
        answer = server.api(
            {
                "action": "query",
                "list": "recentchanges",
                "rctitle": title,
                "rcprop": "ids|flags|user|comment",
                "rclimit": "max",
            }
        )
        for row in answer["query"]["recentchanges"]:
            if row["revid"] == revid:
                return dict(row)
        time.sleep(0.05)  # the row is written by a deferred update
    raise AssertionError(f"no recent change for r{revid}")


def edit_posts(server: Any, since: int) -> list[dict[str, Any]]:
    """The ``action=edit`` requests the wiki received since log index ``since``."""
    return [r for r in server.api_requests(since) if r["params"].get("action") == "edit"]


def on_edit(
    monkeypatch: pytest.MonkeyPatch, session: WikiSession, handler: Handler, times: int = 1
) -> None:
    """Route the next ``times`` edit POSTs of ``session`` through ``handler``.

    ``handler`` gets the transport's real ``send``: calling it delivers the request to the
    real wiki; raising instead, or after it, is a network fault at that point.
    """
    real: Send = session.transport.send
    left = [times]

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body or ""
        fields = parse_qs(body.decode() if isinstance(body, bytes) else body)
        if fields.get("action") != ["edit"] or left[0] == 0:
            return real(request, **kwargs)
        left[0] -= 1
        return handler(real, request, kwargs)

    monkeypatch.setattr(session.transport, "send", send)


def answer_lost(real: Send, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> Any:
    real(request, **kwargs)  # the wiki handles the edit...
    raise requests.ConnectionError("Connection reset by peer")  # ...its answer never arrives


def answer_timed_out(real: Send, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> Any:
    real(request, **kwargs)
    raise requests.ReadTimeout("Read timed out")


def answer_503(real: Send, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> Any:
    real(request, **kwargs)
    response = requests.Response()
    response.status_code = 503
    response.url = str(request.url)
    response.request = request
    response.headers = CaseInsensitiveDict({"Content-Type": "text/html"})
    response._content = b"<h1>Service Unavailable</h1>"
    return response


def never_sent(real: Send, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> Any:
    raise requests.ConnectionError("Connection aborted before the request was written")


# -- pure: no server -------------------------------------------------------------------


def test_empty_base_timestamp_is_refused_before_any_request() -> None:
    request = SaveRequest("T", "text", "s", 5, "", "2024-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="conflicts"):
        save_page(object(), request)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="deletion"):
        save_page(object(), SaveRequest("T", "text", "s", 5, "2024-01-01T00:00:00Z", ""))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kind", "exit_code", "words"),
    [
        ("undofailure", ConflictError, EXIT_CONFLICT, "later edits make undo unsafe"),
        ("abusefilter-blocked", WikiError, EXIT_WIKI, "abuse filter"),
        ("abusefilter-warning", WikiError, EXIT_WIKI, "not resubmitted"),
        ("spamblacklist", WikiError, EXIT_WIKI, "spam blacklist"),
        ("badmd5", WikiError, EXIT_WIKI, "nothing written"),
        ("revwrongpage", PageError, EXIT_INPUT, "another page"),
        ("missingtitle", PageError, EXIT_INPUT, "does not exist"),
        ("assertbotfailed", LoginFailed, EXIT_WIKI, "bot group"),
    ],
)
def test_edit_error_codes_in_the_table(
    code: str, kind: type[Exception], exit_code: int, words: str
) -> None:
    error = api_error(code, "Details", page="P")
    assert type(error) is kind and error.exit_code == exit_code
    assert words in str(error).lower()


# -- saving ------------------------------------------------------------------------------


@pytest.mark.wiki
def test_save_lands_as_bot_with_summary_minor_and_safety_fields(
    mediawiki: Any, bot: WikiSession, waits: list[float], fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations"), minor=True)
    logged, sent = len(mediawiki.api_requests()), bot.request_count

    result = save_page(bot, request)

    # The pre-check (with the token) and the edit; one more check if the base was fresh.
    assert bot.request_count - sent == 2 + len(waits) and waits in ([], [1.0])
    assert mediawiki.read(fresh_title) == (result.new_revid, request.text.rstrip())
    assert result == SaveResult(
        fresh_title, request.base_revid, result.new_revid, False, result.timestamp
    )
    assert result.new_revid > request.base_revid and result.timestamp.endswith("Z")
    newest = history(mediawiki, fresh_title)[0]
    assert newest["user"] == "WikisyncBot" and newest["comment"] == request.summary
    assert newest["minor"] is True
    row = recent_change(mediawiki, fresh_title, result.new_revid)
    assert row["bot"] is True and row["minor"] is True

    (edit,) = edit_posts(mediawiki, logged)
    params = edit["params"]
    assert edit["method"] == "POST"
    assert params["baserevid"] == str(request.base_revid)
    assert params["basetimestamp"] == request.base_timestamp
    assert params["starttimestamp"] == request.start_timestamp
    assert (params["nocreate"], params["assert"], params["bot"], params["minor"]) == (
        "1",
        "bot",
        "1",
        "1",
    )
    assert (params["maxlag"], params["formatversion"], params["token"]) == ("5", "2", "(redacted)")
    assert len(params["md5"]) == 32 and "section" not in params

    # A second save in the same session reuses the token: still two requests, not minor.
    second = plan(bot, fresh_title, request.text + "* Dan: support\n", minor=False)
    sent, waited = bot.request_count, len(waits)
    result2 = save_page(bot, second)
    assert bot.request_count - sent == 2 + len(waits) - waited
    assert result2.old_revid == result.new_revid
    assert recent_change(mediawiki, fresh_title, result2.new_revid)["minor"] is False


@pytest.mark.wiki
def test_identical_text_is_nochange(mediawiki: Any, bot: WikiSession, fresh_title: str) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    request = plan(bot, fresh_title, BASE_TEXT + "\n\n")  # the wiki trims the end anyway
    result = save_page(bot, request)
    assert result.nochange and result.old_revid == result.new_revid == base
    assert [r["revid"] for r in history(mediawiki, fresh_title)] == [base]


@pytest.mark.wiki
def test_decomposed_unicode_is_saved_without_md5_trouble(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    text = BASE_TEXT.replace("Alice", "Zoe\u0301")  # e + combining accent, not NFC
    result = save_page(bot, plan(bot, fresh_title, text))
    assert mediawiki.read(fresh_title) == (result.new_revid, BASE_TEXT.replace("Alice", "Zoé")[:-1])


@pytest.mark.wiki
def test_edit_between_read_and_save_is_a_conflict_and_nothing_is_sent(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations"))
    human_text = BASE_TEXT + "* Eve: new hire\n"  # another line: MediaWiki alone would merge
    human = mediawiki.edit_as_human(fresh_title, human_text)
    logged = len(mediawiki.api_requests())

    with pytest.raises(ConflictError, match="changed since the plan") as caught:
        save_page(bot, request)

    assert caught.value.exit_code == EXIT_CONFLICT
    assert f"r{request.base_revid} -> r{human}" in str(caught.value)
    assert fresh_title in str(caught.value)
    assert edit_posts(mediawiki, logged) == []
    assert mediawiki.read(fresh_title) == (human, human_text.rstrip())
    assert all(r["user"] != "WikisyncBot" for r in history(mediawiki, fresh_title))


@pytest.mark.wiki
def test_same_line_edit_in_the_race_window_is_refused_by_the_wiki(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations"))
    human_text = BASE_TEXT.replace("ops", "on-call")
    humans: list[int] = []

    def person_edits_first(real: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        humans.append(mediawiki.edit_as_human(fresh_title, human_text))
        return real(req, **kw)

    on_edit(monkeypatch, bot, person_edits_first)
    with pytest.raises(ConflictError, match="edited since it was read") as caught:
        save_page(bot, request)
    assert caught.value.exit_code == EXIT_CONFLICT
    assert mediawiki.read(fresh_title) == (humans[0], human_text.rstrip())
    assert all(r["user"] != "WikisyncBot" for r in history(mediawiki, fresh_title))


def person_edit_in_the_window(
    server: Any, session: WikiSession, title: str, monkeypatch: pytest.MonkeyPatch
) -> SaveResult:
    """Create ``title``, plan a change at once, and let a person add a line in the window."""
    server.edit_as_human(title, BASE_TEXT)
    request = plan(session, title, BASE_TEXT.replace("ops", "operations"))

    def person_edits_first(real: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        server.edit_as_human(title, BASE_TEXT + "* Eve: new hire\n")
        return real(req, **kw)

    on_edit(monkeypatch, session, person_edits_first)
    return save_page(session, request)


@pytest.mark.wiki
def test_base_from_the_current_second_is_waited_out(
    mediawiki: Any,
    bot: WikiSession,
    waits: list[float],
    fresh_title: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A person's edit in the window after a fresh base is merged, never overwritten."""
    for attempt in range(5):  # until the pre-check fell in the base's second (nearly always)
        title = f"{fresh_title}/{attempt}"
        result = person_edit_in_the_window(mediawiki, bot, title, monkeypatch)
        assert result.merged
        merged = BASE_TEXT.replace("ops", "operations") + "* Eve: new hire"
        assert mediawiki.read(title) == (result.new_revid, merged)
        if waits:
            break
    assert waits == [1.0]


@pytest.mark.wiki
def test_without_the_wait_mediawiki_overwrites_an_edit_from_the_same_second(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the pre-check waits: MediaWiki 1.39's behaviour when it does not.

    With ``basetimestamp``, MediaWiki suppresses a conflict when no revision is newer than
    that timestamp except the saving account's, comparing whole seconds.
    """
    monkeypatch.setattr(save_module, "_seconds", lambda timestamp: None)  # no wait
    for attempt in range(5):  # until both edits fell in the same second (nearly always)
        title = f"{fresh_title}/{attempt}"
        result = person_edit_in_the_window(mediawiki, bot, title, monkeypatch)
        person, base = history(mediawiki, title)[1:3]
        if _same_second(mediawiki, person["revid"], base["revid"]):
            break
    else:
        raise AssertionError("never made two edits in one second")
    assert result.merged and person["user"] == "Human"
    assert mediawiki.read(title)[1] == BASE_TEXT.replace("ops", "operations").rstrip()


def _same_second(server: Any, *revids: int) -> bool:
    answer = server.api(
        {
            "action": "query",
            "prop": "revisions",
            "revids": "|".join(map(str, revids)),
            "rvprop": "timestamp",
        }
    )
    stamps = {r["timestamp"] for r in answer["query"]["pages"][0]["revisions"]}
    return len(stamps) == 1


@pytest.mark.wiki
def test_other_line_edit_in_the_race_window_is_merged_and_reported(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented window: MediaWiki merges; the result says so."""
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations"))
    humans: list[int] = []

    def person_edits_first(real: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        humans.append(mediawiki.edit_as_human(fresh_title, BASE_TEXT + "* Eve: new hire\n"))
        return real(req, **kw)

    on_edit(monkeypatch, bot, person_edits_first)
    result = save_page(bot, request)
    assert result.merged and result.old_revid == humans[0] != request.base_revid
    merged = BASE_TEXT.replace("ops", "operations") + "* Eve: new hire"
    assert mediawiki.read(fresh_title) == (result.new_revid, merged)


@pytest.mark.wiki
def test_deleted_page_is_a_conflict_and_not_recreated(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT, f"{fresh_title}/B": BASE_TEXT})
    request = plan(bot, fresh_title, "new text")
    mediawiki.delete(fresh_title)
    with pytest.raises(ConflictError, match="deleted since the plan") as caught:
        save_page(bot, request)
    assert caught.value.exit_code == EXIT_CONFLICT
    assert mediawiki.latest_revids([fresh_title]) == {fresh_title: 0}

    # Deleted after the pre-check: the server-side starttimestamp makes the wiki refuse.
    title_b = f"{fresh_title}/B"
    request_b = plan(bot, title_b, "new text")

    def deleted_first(real: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        mediawiki.delete(title_b)
        return real(req, **kw)

    on_edit(monkeypatch, bot, deleted_first)
    with pytest.raises(ConflictError, match="deleted since it was read") as caught:
        save_page(bot, request_b)
    assert "does not exist" in str(caught.value) and caught.value.exit_code == EXIT_CONFLICT
    assert mediawiki.latest_revids([title_b]) == {title_b: 0}


@pytest.mark.wiki
def test_protected_page_is_a_wiki_error(mediawiki: Any, bot: WikiSession, fresh_title: str) -> None:
    # The bot password grants editprotected, but the account is only in the bot group, so
    # it lacks the right itself: protection at the sysop level stops it.
    assert not bot.has_right("editprotected")
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    mediawiki.protect(fresh_title)  # this makes a revision of its own: plan after it
    request = plan(bot, fresh_title, "new text")
    try:
        with pytest.raises(WikiError, match="protected") as caught:
            save_page(bot, request)
    finally:
        mediawiki.unprotect(fresh_title)
    assert caught.value.exit_code == EXIT_WIKI and caught.value.code == "protectedpage"
    assert caught.value.page == fresh_title
    assert mediawiki.read(fresh_title)[1] == BASE_TEXT.rstrip()
    assert all(r["user"] != "WikisyncBot" for r in history(mediawiki, fresh_title))


@pytest.mark.wiki
def test_read_only_wiki_is_a_wiki_error_and_not_retried(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    request = plan(bot, fresh_title, "new text")
    logged = len(mediawiki.api_requests())
    mediawiki.set_readonly(True)
    try:
        with pytest.raises(WikiError, match="read-only") as caught:
            save_page(bot, request)
    finally:
        mediawiki.set_readonly(False)
    assert caught.value.exit_code == EXIT_WIKI and caught.value.code == "readonly"
    assert len(edit_posts(mediawiki, logged)) == 1
    assert mediawiki.read(fresh_title)[0] == base


@pytest.mark.wiki
def test_bot_assertion_fails_for_a_non_bot_account(mediawiki: Any, fresh_title: str) -> None:
    human = login(mediawiki, mediawiki.human_bot_username, mediawiki.human_bot_password)
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    with pytest.raises(LoginFailed, match="bot group") as caught:
        save_page(human, plan(human, fresh_title, "new text", bot_account=True))
    assert caught.value.code == "assertbotfailed" and caught.value.exit_code == EXIT_WIKI
    assert mediawiki.read(fresh_title)[0] == base

    logged = len(mediawiki.api_requests())
    result = save_page(human, plan(human, fresh_title, "new text", bot_account=False))
    (edit,) = edit_posts(mediawiki, logged)
    assert edit["params"]["assert"] == "user" and "bot" not in edit["params"]
    assert recent_change(mediawiki, fresh_title, result.new_revid)["bot"] is False


@pytest.mark.wiki
def test_stale_token_is_refreshed_once(mediawiki: Any, bot: WikiSession, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, "new text")
    save_module._TOKENS[bot] = "0123456789abcdef0123456789abcdef+\\"
    logged = len(mediawiki.api_requests())
    result = save_page(bot, request)
    assert len(edit_posts(mediawiki, logged)) == 2
    assert history(mediawiki, fresh_title)[0]["revid"] == result.new_revid
    assert len(history(mediawiki, fresh_title)) == 2


HOOK = "$wgHooks['EditFilterMergedContent'][] = static function ( $c, $content, $status ) {{ {} }};"
CAPTCHA = HOOK.format(
    "$status->statusData = [ 'captcha' => [ 'type' => 'simple', 'mime' => 'text/plain',"
    " 'id' => '17', 'question' => '2+2' ] ];"
    " $status->value = \\EditPage::AS_HOOK_ERROR_EXPECTED; return false;"
)


def refusing_hook(code: str) -> str:
    return HOOK.format(f"$status->fatal( \\ApiMessage::create( 'hookaborted', '{code}' ) );")


@pytest.mark.wiki
@pytest.mark.parametrize(
    ("settings", "code", "words"),
    [
        (CAPTCHA, "captcha", "CAPTCHA"),
        (refusing_hook("abusefilter-disallowed"), "abusefilter-disallowed", "abuse filter"),
        (refusing_hook("abusefilter-warning"), "abusefilter-warning", "not resubmitted"),
        (refusing_hook("spamblacklist"), "spamblacklist", "spam blacklist"),
    ],
    ids=["captcha", "abusefilter-disallowed", "abusefilter-warning", "spamblacklist"],
)
def test_refusals_by_extensions_are_never_resubmitted(
    mediawiki: Any, bot: WikiSession, fresh_title: str, settings: str, code: str, words: str
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    request = plan(bot, fresh_title, "new text")
    logged = len(mediawiki.api_requests())
    mediawiki.set_extra_settings(settings)
    try:
        with pytest.raises(WikiError, match=words) as caught:
            save_page(bot, request)
    finally:
        mediawiki.set_extra_settings("")
    assert caught.value.code == code and caught.value.exit_code == EXIT_WIKI
    assert len(edit_posts(mediawiki, logged)) == 1
    assert mediawiki.read(fresh_title)[0] == base


# -- lost answers ----------------------------------------------------------------------


@pytest.mark.wiki
@pytest.mark.parametrize(
    "fault", [answer_lost, answer_timed_out, answer_503], ids=["reset", "timeout", "http-503"]
)
def test_lost_answer_after_the_edit_landed_is_reconciled_not_resent(
    mediawiki: Any,
    bot: WikiSession,
    waits: list[float],
    fresh_title: str,
    monkeypatch: pytest.MonkeyPatch,
    fault: Handler,
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    text = BASE_TEXT.replace("ops", "operations").replace("\n", "\r\n") + "\r\n\r\n"
    request = plan(bot, fresh_title, text)
    on_edit(monkeypatch, bot, fault)
    logged, sent = len(mediawiki.api_requests()), bot.request_count

    result = save_page(bot, request)

    revisions = history(mediawiki, fresh_title)
    assert [r["revid"] for r in revisions[1:]] == [base]  # exactly one new revision
    assert result == SaveResult(fresh_title, base, revisions[0]["revid"], False, result.timestamp)
    assert mediawiki.read(fresh_title)[1] == BASE_TEXT.replace("ops", "operations").rstrip()
    assert len(edit_posts(mediawiki, logged)) == 1
    assert bot.request_count - sent == 3 + len(waits)  # pre-check, edit, read-back


@pytest.mark.wiki
def test_edit_that_never_reached_the_wiki_is_sent_once_more(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    request = plan(bot, fresh_title, "new text")
    on_edit(monkeypatch, bot, never_sent)
    logged = len(mediawiki.api_requests())

    result = save_page(bot, request)

    assert len(edit_posts(mediawiki, logged)) == 1
    assert [r["revid"] for r in history(mediawiki, fresh_title)] == [result.new_revid, base]
    assert result.old_revid == base and not result.nochange


@pytest.mark.wiki
def test_second_lost_edit_gives_up_saying_nothing_was_written(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    request = plan(bot, fresh_title, "new text")
    on_edit(monkeypatch, bot, never_sent, times=5)
    with pytest.raises(WikiError, match="nothing was written") as caught:
        save_page(bot, request)
    assert caught.value.exit_code == EXIT_WIKI and f"r{base}" in str(caught.value)
    assert [r["revid"] for r in history(mediawiki, fresh_title)] == [base]


@pytest.mark.wiki
def test_lost_answer_and_a_failed_read_back_say_the_outcome_is_unknown(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, "new text")
    bot.transport.policy = RetryPolicy(max_retries=0)
    real: Send = bot.transport.send

    def network_gone(req: requests.PreparedRequest, **kw: Any) -> requests.Response:
        raise requests.ConnectionError("Network is unreachable")

    def lost_then_gone(real_send: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        real_send(req, **kw)
        monkeypatch.setattr(bot.transport, "send", network_gone)
        raise requests.ConnectionError("Connection reset by peer")

    on_edit(monkeypatch, bot, lost_then_gone)
    with pytest.raises(WikiError, match="may or may not have been saved") as caught:
        save_page(bot, request)
    assert caught.value.code == "unknown-outcome" and caught.value.exit_code == EXIT_WIKI
    monkeypatch.setattr(bot.transport, "send", real)
    assert history(mediawiki, fresh_title)[0]["user"] == "WikisyncBot"  # it had landed


@pytest.mark.wiki
def test_lost_answer_then_a_person_edit_is_a_conflict(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    request = plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations"))

    def landed_then_person(real: Send, req: requests.PreparedRequest, kw: dict[str, Any]) -> Any:
        real(req, **kw)
        mediawiki.edit_as_human(fresh_title, BASE_TEXT.replace("docs", "writing"))
        raise requests.ConnectionError("Connection reset by peer")

    on_edit(monkeypatch, bot, landed_then_person)
    with pytest.raises(ConflictError, match="answer was lost") as caught:
        save_page(bot, request)
    assert "by Human" in str(caught.value)
    assert [r["user"] for r in history(mediawiki, fresh_title)][:2] == ["Human", "WikisyncBot"]


# -- latest revision and undo ----------------------------------------------------------


@pytest.mark.wiki
def test_latest_revision(mediawiki: Any, bot: WikiSession, fresh_title: str) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    latest = latest_revision(bot, fresh_title)
    assert isinstance(latest, LatestRevision)
    revid, timestamp, sha1, user = latest
    assert (revid, user) == (base, "Maintenance script") and timestamp.endswith("Z")
    assert sha1 == history(mediawiki, fresh_title)[0]["sha1"] and len(sha1) == 40
    with pytest.raises(PageError, match="does not exist"):
        latest_revision(bot, f"{fresh_title}/Missing")


@pytest.mark.wiki
def test_undo_restores_the_previous_text_exactly(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    before = mediawiki.read(fresh_title)
    saved = save_page(bot, plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations")))
    sent = bot.request_count

    undone = undo_revision(
        bot, fresh_title, saved.new_revid, summary="wikisync: revert run 7", bot_account=True
    )

    assert bot.request_count - sent == 3
    assert undone.old_revid == saved.new_revid and undone.new_revid > saved.new_revid
    assert mediawiki.read(fresh_title) == (undone.new_revid, before[1])
    newest = history(mediawiki, fresh_title)[0]
    assert newest["comment"] == "wikisync: revert run 7" and newest["user"] == "WikisyncBot"
    assert recent_change(mediawiki, fresh_title, undone.new_revid)["bot"] is True


@pytest.mark.wiki
def test_undo_keeps_later_edits_elsewhere(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    saved = save_page(bot, plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations")))
    mediawiki.edit_as_human(
        fresh_title, BASE_TEXT.replace("ops", "operations").replace("yearly", "monthly")
    )
    undone = undo_revision(bot, fresh_title, saved.new_revid, summary="revert", bot_account=True)
    assert mediawiki.read(fresh_title) == (
        undone.new_revid,
        BASE_TEXT.replace("yearly", "monthly").rstrip(),
    )


@pytest.mark.wiki
def test_undo_refused_when_a_later_edit_touched_the_same_lines(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    saved = save_page(bot, plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations")))
    human_text = BASE_TEXT.replace("ops", "operations and on-call")
    human = mediawiki.edit_as_human(fresh_title, human_text)
    with pytest.raises(ConflictError, match=r"(?i)later edits make undo unsafe") as caught:
        undo_revision(bot, fresh_title, saved.new_revid, summary="revert", bot_account=True)
    assert caught.value.exit_code == EXIT_CONFLICT
    assert mediawiki.read(fresh_title) == (human, human_text.rstrip())


@pytest.mark.wiki
def test_undo_of_a_page_creation_or_a_missing_revision_is_refused(
    mediawiki: Any, bot: WikiSession, fresh_title: str
) -> None:
    base = mediawiki.import_pages({fresh_title: BASE_TEXT})[fresh_title]
    with pytest.raises(PageError, match="created the page"):
        undo_revision(bot, fresh_title, base, summary="revert", bot_account=True)
    with pytest.raises(PageError, match="no such revision"):
        undo_revision(bot, fresh_title, 10**8, summary="revert", bot_account=True)
    assert history(mediawiki, fresh_title)[0]["revid"] == base


@pytest.mark.wiki
def test_undo_with_a_lost_answer_is_reconciled(
    mediawiki: Any, bot: WikiSession, fresh_title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediawiki.import_pages({fresh_title: BASE_TEXT})
    saved = save_page(bot, plan(bot, fresh_title, BASE_TEXT.replace("ops", "operations")))
    on_edit(monkeypatch, bot, answer_lost)
    undone = undo_revision(bot, fresh_title, saved.new_revid, summary="revert", bot_account=True)
    revisions = history(mediawiki, fresh_title)
    assert [r["revid"] for r in revisions[:2]] == [undone.new_revid, saved.new_revid]
    assert mediawiki.read(fresh_title)[1] == BASE_TEXT.rstrip()
