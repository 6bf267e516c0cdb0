"""The test wiki itself works: if these fail, no wiki-backed test result means anything."""

from __future__ import annotations

import mwclient
import pytest
from mediawiki_server import MediaWikiServer, MissingPageError, WikiApiError

pytestmark = pytest.mark.wiki


def bot_site(server: MediaWikiServer) -> mwclient.Site:
    """An mwclient site logged in with the bot password, as the sync logs in."""
    site = mwclient.Site(server.host, path="/", scheme="http")
    site.login(server.bot_username, server.bot_password)
    return site


def test_siteinfo_reports_mediawiki_1_39(mediawiki: MediaWikiServer) -> None:
    general = mediawiki.api({"action": "query", "meta": "siteinfo"})["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.39")
    assert general["dbtype"] == "sqlite"
    assert mediawiki.api_url == f"http://127.0.0.1:{mediawiki.port}/api.php"


def test_bot_password_login_has_bot_right(mediawiki: MediaWikiServer) -> None:
    site = bot_site(mediawiki)
    assert site.logged_in
    assert "bot" in site.rights
    assert "bot" in site.groups
    userinfo = site.api("query", meta="userinfo")["query"]["userinfo"]
    assert userinfo["name"] == "WikisyncBot"


def test_human_is_not_a_bot(mediawiki: MediaWikiServer) -> None:
    site = mwclient.Site(mediawiki.host, path="/", scheme="http")
    site.login(mediawiki.human_bot_username, mediawiki.human_bot_password)
    assert "bot" not in site.rights


def test_import_then_read_returns_exact_text(mediawiki: MediaWikiServer, fresh_title: str) -> None:
    pages = {
        fresh_title: "== Heading ==\n* Ünïcode – dash\n{{Template|a=b}}\n\nlast line",
        f"{fresh_title}/Sub page.with.dots": "second",
        f"Tech:Organisation/{fresh_title}": "colon title",
    }
    revids = mediawiki.import_pages(pages)
    for title, text in pages.items():
        revid, read_text = mediawiki.read(title)
        assert read_text == text
        assert revid == revids[title] > 0


def test_import_overwrites_and_skips_unchanged(
    mediawiki: MediaWikiServer, fresh_title: str
) -> None:
    first = mediawiki.import_pages({fresh_title: "one"})[fresh_title]
    second = mediawiki.import_pages({fresh_title: "two"})[fresh_title]
    assert second > first
    assert mediawiki.read(fresh_title) == (second, "two")
    assert mediawiki.import_pages({fresh_title: "two"})[fresh_title] == second


def test_read_missing_page(mediawiki: MediaWikiServer, fresh_title: str) -> None:
    with pytest.raises(MissingPageError):
        mediawiki.read(fresh_title)


def test_edit_as_human_makes_a_new_revision(mediawiki: MediaWikiServer, fresh_title: str) -> None:
    base = mediawiki.import_pages({fresh_title: "original"})[fresh_title]
    revid = mediawiki.edit_as_human(fresh_title, "changed by a person", "manual fix")
    assert revid > base
    assert mediawiki.read(fresh_title) == (revid, "changed by a person")
    revision = mediawiki.api(
        {"action": "query", "prop": "revisions", "titles": fresh_title, "rvprop": "user|comment"}
    )["query"]["pages"][0]["revisions"][0]
    assert revision["user"] == "Human"
    assert revision["comment"] == "manual fix"


def test_readonly_blocks_edits_until_switched_off(
    mediawiki: MediaWikiServer, fresh_title: str
) -> None:
    mediawiki.import_pages({fresh_title: "before"})
    site = bot_site(mediawiki)  # logging in is itself refused while read-only
    page = site.pages[fresh_title]
    page.text()
    mediawiki.set_readonly(True)
    try:
        with pytest.raises(mwclient.errors.APIError) as caught:
            page.edit("during", summary="should be refused")
        assert caught.value.code == "readonly"
        with pytest.raises(WikiApiError) as human:
            mediawiki.edit_as_human(fresh_title, "human during")
        assert human.value.code == "readonly"
    finally:
        mediawiki.set_readonly(False)
    page = site.pages[fresh_title]
    page.text()
    page.edit("after", summary="writable again")
    assert mediawiki.read(fresh_title)[1] == "after"


def test_protect_refuses_the_bot(mediawiki: MediaWikiServer, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "guarded"})
    mediawiki.protect(fresh_title)
    site = bot_site(mediawiki)
    page = site.pages[fresh_title]
    page.text()
    try:
        with pytest.raises(mwclient.errors.ProtectedPageError):
            page.edit("not allowed", summary="should be refused")
    finally:
        mediawiki.unprotect(fresh_title)
    assert mediawiki.read(fresh_title)[1] == "guarded"


def test_api_log_counts_content_queries(mediawiki: MediaWikiServer, fresh_title: str) -> None:
    mediawiki.import_pages({fresh_title: "counted"})
    mark = len(mediawiki.api_requests())
    mediawiki.read(fresh_title)
    mediawiki.latest_revids([fresh_title])
    assert len(mediawiki.api_requests(mark)) == 2
    assert len(mediawiki.content_queries(mark)) == 1


def test_api_log_never_holds_passwords(mediawiki: MediaWikiServer) -> None:
    bot_site(mediawiki)
    logged = mediawiki.api_log.read_text(encoding="utf-8")
    for secret in (mediawiki.bot_password, mediawiki.human_bot_password):
        assert secret not in logged
    assert "(redacted)" in logged
    assert mediawiki.bot_password not in repr(mediawiki)


@pytest.mark.parametrize("case", ["a[1]", "b|c"])
def test_fresh_title_is_a_valid_unique_title(
    fresh_title: str, case: str, mediawiki: MediaWikiServer
) -> None:
    assert fresh_title.startswith("Test/test_fresh_title_is_a_valid_unique_title_")
    assert fresh_title not in _seen_titles
    _seen_titles.add(fresh_title)
    mediawiki.import_pages({fresh_title: case})
    assert mediawiki.read(fresh_title)[1] == case


_seen_titles: set[str] = set()
