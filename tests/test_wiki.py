"""The wiki gateway against a real MediaWiki (the ``mediawiki`` fixture), plus pure checks.

No server behaviour is mocked here: pages are seeded with ``import_pages`` and every count
is of real HTTP requests, cross-checked against the wiki's own request log.
"""

from __future__ import annotations

import math
import socket
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from wikisync.apierrors import api_error
from wikisync.errors import (
    EXIT_CONFLICT,
    EXIT_INPUT,
    EXIT_WIKI,
    ConflictError,
    InputError,
    LoginFailed,
    PageError,
    WikiError,
)
from wikisync.wiki import (
    FetchResult,
    WikiGateway,
    WikiSession,
    credentials_from_env_or_file,
    parse_api_url,
)

CONTACT = "wikisync-tests@example.org"


def connect(server: Any, **options: Any) -> WikiSession:
    return WikiSession.connect(server.api_url, contact=CONTACT, **options)


@pytest.fixture
def bot(mediawiki: Any) -> WikiSession:
    session = connect(mediawiki)
    session.login(mediawiki.bot_username, mediawiki.bot_password)
    return session


# -- pure: no server -------------------------------------------------------------------


def test_api_url_split_for_mwclient() -> None:
    endpoint = parse_api_url("https://meta.miraheze.org/w/api.php")
    assert (endpoint.scheme, endpoint.host, endpoint.path) == ("https", "meta.miraheze.org", "/w/")
    assert endpoint.url == "https://meta.miraheze.org/w/api.php"
    assert parse_api_url("http://127.0.0.1:8080/api.php").path == "/"
    assert parse_api_url("http://[::1]:8080/x/api.php").host == "[::1]:8080"
    assert parse_api_url("http://localhost/api.php").scheme == "http"
    assert parse_api_url("http://127.9.9.9/api.php").host == "127.9.9.9"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://wiki.example.org/api.php",
        "https://wiki.example.org/w/index.php",
        "https://wiki.example.org/w/",
        "https://user:secret@wiki.example.org/w/api.php",
        "https://wiki.example.org/w/api.php?action=query",
        "wiki.example.org/w/api.php",
    ],
)
def test_bad_api_urls_refused(url: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_api_url(url)
    assert caught.value.exit_code == EXIT_INPUT
    assert "secret" not in str(caught.value)


def test_plain_http_to_remote_host_refused_without_flag() -> None:
    url = "http://wiki.example.org/w/api.php"
    with pytest.raises(InputError, match="use https or pass --allow-insecure-http") as caught:
        WikiSession.connect(url, contact=CONTACT)  # refused before any request is made
    assert caught.value.exit_code == EXIT_INPUT
    assert parse_api_url(url, allow_insecure_http=True).scheme == "http"


def test_contact_required() -> None:
    with pytest.raises(InputError, match="contact"):
        WikiSession.connect("https://wiki.example.org/w/api.php", contact=" ")


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIKISYNC_USERNAME", raising=False)
    monkeypatch.delenv("WIKISYNC_PASSWORD", raising=False)


def write_credentials(path: Path, mode: int, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.usefixtures("no_env")
def test_credentials_file_with_mode_0600(tmp_path: Path) -> None:
    text = "# bot password\nusername = Bot@app\npassword=s3cret=with=equals\n"
    path = write_credentials(tmp_path / "creds", 0o600, text)
    assert credentials_from_env_or_file(path) == ("Bot@app", "s3cret=with=equals")
    assert credentials_from_env_or_file(None) is None


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_credentials_file_readable_by_others_refused(tmp_path: Path, mode: int) -> None:
    path = write_credentials(tmp_path / "creds", mode, "username=Bot@app\npassword=s3cret\n")
    with pytest.raises(InputError, match="chmod 600") as caught:
        credentials_from_env_or_file(path)
    assert "s3cret" not in str(caught.value)


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize("text", ["username=Bot@app\n", "user: Bot\npassword: x\n", ""])
def test_credentials_file_malformed(tmp_path: Path, text: str) -> None:
    path = write_credentials(tmp_path / "creds", 0o600, text)
    with pytest.raises(InputError):
        credentials_from_env_or_file(path)
    with pytest.raises(InputError, match="not found"):
        credentials_from_env_or_file(tmp_path / "missing")


def test_credentials_from_environment_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIKISYNC_USERNAME", "Env@app")
    monkeypatch.setenv("WIKISYNC_PASSWORD", "envpass")
    path = write_credentials(tmp_path / "creds", 0o644, "username=F@a\npassword=p\n")
    assert credentials_from_env_or_file(path) == ("Env@app", "envpass")
    monkeypatch.delenv("WIKISYNC_PASSWORD")
    with pytest.raises(InputError, match="both"):
        credentials_from_env_or_file(None)


@pytest.mark.parametrize(
    ("code", "kind", "exit_code"),
    [
        ("editconflict", ConflictError, EXIT_CONFLICT),
        ("pagedeleted", ConflictError, EXIT_CONFLICT),
        ("protectedpage", WikiError, EXIT_WIKI),
        ("missingtitle", PageError, EXIT_INPUT),
        ("contenttoobig", PageError, EXIT_INPUT),
        ("assertbotfailed", LoginFailed, EXIT_WIKI),
        ("readonly", WikiError, EXIT_WIKI),
        ("internal_api_error_DBQueryError", WikiError, EXIT_WIKI),
        ("something-new", WikiError, EXIT_WIKI),
    ],
)
def test_api_error_table(code: str, kind: type[Exception], exit_code: int) -> None:
    error = api_error(code, "Details from the wiki", page="Some page")
    assert type(error) is kind
    assert error.exit_code == exit_code
    assert "Some page" in str(error) and "Details from the wiki" in str(error)


class FakeWiki:
    """The smallest in-memory gateway: proves the protocol is small enough to fake."""

    request_count = 0

    def fetch_revisions(self, titles: Any) -> FetchResult:
        return FetchResult()

    def fetch_revision_ids(self, titles: Any) -> dict[str, int]:
        return {}

    def list_titles(self, *, prefix: str | None = None, category: str | None = None) -> list[str]:
        return []


def test_fake_satisfies_gateway() -> None:
    gateway: WikiGateway = FakeWiki()
    assert gateway.fetch_revisions(["A"]).revisions == []


# -- against the real wiki -------------------------------------------------------------


@pytest.mark.wiki
def test_anonymous_session_reads_without_login(mediawiki: Any, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "Hello"})
    session = connect(mediawiki)
    assert session.request_count == 1  # one siteinfo+userinfo request
    assert not session.logged_in and session.username is None and not session.is_bot
    result = session.fetch_revisions([fresh_title])
    assert [r.text for r in result.revisions] == ["Hello"]
    assert result.curtimestamp.endswith("Z")


@pytest.mark.wiki
def test_bot_password_login_reports_rights(mediawiki: Any) -> None:
    session = connect(mediawiki)
    session.login(mediawiki.bot_username, mediawiki.bot_password)
    assert session.logged_in
    assert session.username == "WikisyncBot"
    assert session.is_bot
    assert session.has_right("edit") and session.has_right("apihighlimits")
    assert not session.has_right("userrights")  # narrowed to the bot password's grants
    assert "bot" in session.user_rights


@pytest.mark.wiki
def test_human_bot_password_is_not_bot(mediawiki: Any) -> None:
    session = connect(mediawiki)
    session.login(mediawiki.human_bot_username, mediawiki.human_bot_password)
    assert session.logged_in and not session.is_bot
    assert not session.has_right("apihighlimits")


@pytest.mark.wiki
def test_wrong_password_raises_clean_login_failed(mediawiki: Any) -> None:
    session = connect(mediawiki)
    password = "0123456789abcdefghijklmnopqrstuw"  # right shape, wrong value
    assert password != mediawiki.bot_password
    with pytest.raises(LoginFailed) as caught:
        session.login(mediawiki.bot_username, password)
    error = caught.value
    assert error.exit_code == EXIT_WIKI
    assert "WikisyncBot@wikisync" in str(error)
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    assert all(password not in text for text in texts)
    assert error.__context__ is None and error.__cause__ is None
    frame_tb = error.__traceback__.tb_next if error.__traceback__ else None  # skip this test
    while frame_tb is not None:
        values = [repr(v) for v in frame_tb.tb_frame.f_locals.values()]
        assert not any(password in value for value in values), frame_tb.tb_frame
        frame_tb = frame_tb.tb_next
    assert not session.logged_in


def test_unreachable_wiki_fails_fast_without_mwclient_sleeping() -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(WikiError, match="failed to connect") as caught:
        WikiSession.connect(f"http://127.0.0.1:{port}/api.php", contact=CONTACT, max_retries=0)
    assert time.monotonic() - start < 5
    assert caught.value.code == "network" and caught.value.__context__ is None


def seed_numbered(mediawiki: Any, base: str, count: int, size: int = 0) -> dict[str, str]:
    pages = {
        f"{base}/Page {n:03d}": f"Page {n} of {base}\n" + "word " * (size // 5) + "end"
        for n in range(count)
    }
    mediawiki.import_pages(pages)
    return pages


@pytest.mark.wiki
@pytest.mark.parametrize("as_bot", [False, True], ids=["anonymous", "bot"])
def test_batched_fetch_uses_one_request_per_batch(
    mediawiki: Any, fresh_title: str, as_bot: bool
) -> None:
    pages = seed_numbered(mediawiki, fresh_title, 120)
    session = connect(mediawiki)
    if as_bot:
        session.login(mediawiki.bot_username, mediawiki.bot_password)
    batch = 500 if session.has_right("apihighlimits") else 50
    assert batch == (500 if as_bot else 50)
    titles = list(pages)
    before, logged = session.request_count, len(mediawiki.api_requests())
    start = time.perf_counter()
    result = session.fetch_revisions(titles)
    elapsed_ms = (time.perf_counter() - start) * 1000
    requests_made = session.request_count - before
    assert requests_made == math.ceil(120 / batch)
    assert len(mediawiki.content_queries(logged)) == requests_made
    assert result.problems == []
    assert [r.title for r in result.revisions] == titles
    assert {r.title: r.text for r in result.revisions} == pages
    assert all(r.revid > 0 and r.timestamp.endswith("Z") for r in result.revisions)
    print(f"fetched 120 pages in {requests_made} requests, {elapsed_ms:.0f} ms")


@pytest.mark.wiki
def test_problems_are_reported_not_raised(mediawiki: Any, fresh_title: str) -> None:
    css = "User:WikisyncBot/" + fresh_title.replace("/", "-") + ".css"
    page, redirect = f"{fresh_title}/Page", f"{fresh_title}/Old name"
    mediawiki.import_pages(
        {page: "Real text", redirect: f"#REDIRECT [[{page}]]", css: "body { color: red; }"}
    )
    lower = page[0].lower() + page[1:]
    titles = [f"{fresh_title}/Nowhere", redirect, css, "Bad [title]", lower, page, page, "a|b"]
    result = connect(mediawiki).fetch_revisions(titles)
    assert [(r.title, r.text) for r in result.revisions] == [
        (lower, "Real text"),
        (page, "Real text"),
    ]
    assert result.normalized[lower] == page.replace("_", " ")  # first letter, underscores
    assert result.normalized.get(page, page) == page.replace("_", " ")
    reasons = {p.title: (p.reason, p.detail) for p in result.problems}
    assert reasons[f"{fresh_title}/Nowhere"][0] == "missing"
    assert reasons[redirect] == ("redirect", f"redirects to [[{page}]]; not followed")
    assert reasons[css][0] == "content-model" and "css" in reasons[css][1]
    assert reasons["Bad [title]"][0] == "invalid"
    assert reasons["a|b"][0] == "invalid"
    assert [p.title for p in result.problems] == [
        f"{fresh_title}/Nowhere", redirect, css, "Bad [title]", "a|b"
    ]  # fmt: skip


@pytest.mark.wiki
def test_too_big_page_is_a_problem_without_text(mediawiki: Any, fresh_title: str) -> None:
    small, big = f"{fresh_title}/Small", f"{fresh_title}/Big"
    mediawiki.import_pages({small: "short", big: "x" * 5000})
    session = connect(mediawiki, max_page_bytes=1000)
    result = session.fetch_revisions([small, big])
    assert [r.title for r in result.revisions] == [small]
    assert [(p.title, p.reason) for p in result.problems] == [(big, "too-big")]
    assert "5000 bytes" in result.problems[0].detail
    assert connect(mediawiki).max_page_bytes == 2 * 1024 * 1024  # the wiki's maxarticlesize


@pytest.mark.wiki
def test_continuation_at_the_default_result_size_limit(mediawiki: Any, fresh_title: str) -> None:
    """Six pages of 1.9 MB pass MediaWiki's 8 MiB ``$wgAPIMaxResultSize``: rvcontinue."""
    body = "y" * 1_900_000
    pages = {f"{fresh_title}/Big {n}": f"{n}\n{body}" for n in range(6)}
    mediawiki.import_pages(pages)
    session = connect(mediawiki)
    before = session.request_count
    result = session.fetch_revisions(list(pages))
    assert session.request_count - before >= 2  # the answer was cut and continued
    assert result.problems == []
    assert [r.title for r in result.revisions] == list(pages)
    assert all(r.text == pages[r.title] for r in result.revisions)


@pytest.mark.wiki
def test_continuation_many_rounds_with_small_result_limit(mediawiki: Any, fresh_title: str) -> None:
    pages = seed_numbered(mediawiki, fresh_title, 12, size=40_000)
    mediawiki.set_extra_settings("$wgAPIMaxResultSize = 100000;")
    try:
        session = connect(mediawiki)
        before = session.request_count
        result = session.fetch_revisions(list(pages))
        rounds = session.request_count - before
    finally:
        mediawiki.set_extra_settings("")
    assert rounds >= 6
    assert result.problems == []
    assert {r.title: r.text for r in result.revisions} == pages


@pytest.mark.wiki
def test_revision_ids_without_content(mediawiki: Any, fresh_title: str) -> None:
    revids = mediawiki.import_pages({f"{fresh_title}/A": "a", f"{fresh_title}/B": "b"})
    session = connect(mediawiki)
    logged = len(mediawiki.api_requests())
    ids = session.fetch_revision_ids([f"{fresh_title}/A", f"{fresh_title}/B", f"{fresh_title}/C"])
    assert ids == {f"{fresh_title}/A": revids[f"{fresh_title}/A"], f"{fresh_title}/B": revids[
        f"{fresh_title}/B"
    ]}  # fmt: skip
    assert mediawiki.content_queries(logged) == []


@pytest.mark.wiki
def test_maxlag_is_on_every_request(mediawiki: Any, fresh_title: str) -> None:
    mediawiki.import_pages({f"{fresh_title}/A": "[[Category:Maxlag check]]"})
    logged = len(mediawiki.api_requests())
    session = connect(mediawiki)
    session.login(mediawiki.bot_username, mediawiki.bot_password)
    session.fetch_revisions([f"{fresh_title}/A", f"{fresh_title}/Missing"])
    session.fetch_revision_ids([f"{fresh_title}/A"])
    session.list_titles(prefix=f"User:{fresh_title}")
    session.list_titles(category="Maxlag check")
    seen = mediawiki.api_requests(logged)
    assert len(seen) == session.request_count
    assert {request["params"].get("maxlag") for request in seen} == {"5"}
    assert {request["params"]["action"] for request in seen} == {"query", "login"}


@pytest.mark.wiki
def test_maxlag_error_from_the_wiki_is_waited_out(mediawiki: Any, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "text"})
    session = connect(mediawiki)
    lagging = (
        "$wgHooks['ApiMaxLagInfo'][] = static function ( &$info ) {"
        " $info = [ 'host' => 'db2', 'lag' => 7, 'type' => 'db' ]; };"
    )
    waits: list[float] = []

    def lag_ends(seconds: float) -> None:
        waits.append(seconds)
        mediawiki.set_extra_settings("")

    session.transport.sleep = lag_ends
    mediawiki.set_extra_settings(lagging)
    try:
        before = session.request_count
        result = session.fetch_revisions([fresh_title])
        assert session.request_count - before == 2
        assert waits == [5.0]  # the wiki's Retry-After, not mwclient's fixed schedule
        assert [r.text for r in result.revisions] == ["text"]

        session.transport.sleep = waits.append
        mediawiki.set_extra_settings(lagging)
        session.transport.policy = type(session.transport.policy)(max_retries=2)
        with pytest.raises(WikiError, match="lag") as caught:
            session.fetch_revisions([fresh_title])
        assert caught.value.code == "maxlag" and caught.value.exit_code == EXIT_WIKI
        assert waits == [5.0, 5.0, 5.0]
    finally:
        mediawiki.set_extra_settings("")


@pytest.mark.wiki
def test_list_titles_by_prefix(mediawiki: Any, fresh_title: str) -> None:
    base = fresh_title.replace("Test/", "Tech:Org ", 1).replace("_", " ")  # no Tech namespace
    names = [f"{base}/One", f"{base}/Two", f"{base}x/Other"]
    mediawiki.import_pages(dict.fromkeys(names, "text"))
    session = connect(mediawiki)
    assert session.split_namespace("Tech:Org") == (0, "Tech:Org")
    assert session.split_namespace("user:Foo") == (2, "Foo")
    assert session.list_titles(prefix=f"{base}/") == names[:2]
    assert session.list_titles(prefix=base) == sorted(names)
    assert session.list_titles(prefix=f"{base}/Nothing") == []


@pytest.mark.wiki
def test_list_titles_in_namespace(mediawiki: Any, fresh_title: str) -> None:
    sub = fresh_title.replace("/", "-").replace("_", " ")
    name = f"User:WikisyncBot/{sub}"
    mediawiki.import_pages({name: "text"})
    session = connect(mediawiki)
    assert session.list_titles(prefix=f"user:WikisyncBot/{sub}") == [name]
    assert session.list_titles(prefix=f"User:WikisyncBot/{sub}") == [name]


@pytest.mark.wiki
def test_list_titles_by_category(mediawiki: Any, fresh_title: str) -> None:
    fresh_title = fresh_title.replace("_", " ")  # as the wiki spells it back
    category = "Wikisync " + fresh_title.replace("/", " ")
    tagged = {f"{fresh_title}/{n}": f"text [[Category:{category}]]" for n in ("A", "B", "C")}
    mediawiki.import_pages({**tagged, f"{fresh_title}/Plain": "no category"})
    session = connect(mediawiki)
    assert session.list_titles(category=category) == sorted(tagged)
    assert session.list_titles(category=f"Category:{category}") == sorted(tagged)
    both = session.list_titles(prefix=f"{fresh_title}/", category=category)
    assert both == sorted(tagged)
    with pytest.raises(InputError):
        session.list_titles()


@pytest.mark.wiki
def test_lost_login_is_detected_not_read_anonymously(mediawiki: Any, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "text"})
    session = connect(mediawiki)
    session.login(mediawiki.bot_username, mediawiki.bot_password)
    session.transport.cookies.clear()  # the wiki forgets us, as after a session expiry
    with pytest.raises(LoginFailed, match="log in again") as caught:
        session.fetch_revisions([fresh_title])
    assert caught.value.code == "assertuserfailed"


@pytest.mark.wiki
def test_reads_work_while_the_wiki_is_read_only(mediawiki: Any, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "text"})
    session = connect(mediawiki)
    session.login(mediawiki.bot_username, mediawiki.bot_password)
    mediawiki.set_readonly(True)
    try:
        assert [r.text for r in session.fetch_revisions([fresh_title]).revisions] == ["text"]
    finally:
        mediawiki.set_readonly(False)
