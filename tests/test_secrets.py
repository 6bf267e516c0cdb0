"""The password never leaves: not in output, files, the store, URLs or exception text.

Every command runs with a known password (the test wiki's bot password, or a known wrong one):
check (text, JSON, Markdown, ``--save-plan``), publish (dry run and ``--yes``), history,
revert, import, a refused login, and faults that exhaust the retries (through
:class:`tests.faultproxy.FaultProxy`), each with and without ``WIKISYNC_DEBUG=1``, which prints
tracebacks. Then stdout, stderr and every file under the test's folder (plan, canonical YAML,
the SQLite store with its journal files) are searched for the password's bytes. The library's
own exceptions are searched too, before the command line's redaction could hide anything.
"""

from __future__ import annotations

import stat
import subprocess
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from wikisync.errors import InputError, LoginFailed, WikiError
from wikisync.live import open_session
from wikisync.wiki import WikiSession

from .clirun import run_cli
from .faultproxy import FaultProxy, Rule
from .mediawiki_server import MediaWikiServer
from .test_publish import PAGES, mapping_for

WRONG_PASSWORD = "known0wrong1password2for3tests45"
"""A bot-password-shaped secret the wiki refuses (it is not the bot's)."""


def _exception_texts(exc: BaseException) -> Iterator[str]:
    """Everything a log or a crash report could show of an exception and its chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield repr(vars(current)) if hasattr(current, "__dict__") else ""
        current = current.__cause__ or current.__context__
    yield "".join(traceback.format_exception(exc))


def assert_absent(secret: str, *texts: str | bytes) -> None:
    needle = secret.encode()
    for text in texts:
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        assert needle not in data, "the password was found"


def files_under(folder: Path, *, skip: Path | None = None) -> dict[Path, bytes]:
    return {
        path: path.read_bytes() for path in folder.rglob("*") if path.is_file() and path != skip
    }


class Runs:
    """Runs commands, keeping every output to search afterwards."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.outputs: list[str] = []

    def __call__(self, *args: str, expect: int, **env: str) -> subprocess.CompletedProcess[str]:
        result = run_cli(*args, env={**self.env, **env})
        self.outputs += [result.stdout, result.stderr]
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout
        return result


@pytest.mark.wiki
@pytest.mark.parametrize("debug", ["0", "1"], ids=["plain", "debug"])
def test_no_command_shows_or_stores_the_password(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path, debug: str
) -> None:
    password = mediawiki.bot_password
    mediawiki.import_pages({fresh_title: (PAGES / "removed-position.wikitext").read_text()})
    mapping = mapping_for(tmp_path, mediawiki, fresh_title)
    store = tmp_path / "store" / "wikisync.sqlite3"
    store.parent.mkdir()
    run = Runs(
        {
            "WIKISYNC_USERNAME": mediawiki.bot_username,
            "WIKISYNC_PASSWORD": password,
            "WIKISYNC_STORE": str(store),
            "WIKISYNC_DEBUG": debug,
        }
    )
    plan = tmp_path / "plan.json"

    run("check", mapping, expect=1)
    run("check", mapping, "--format", "json", expect=1)
    run("check", mapping, "--format", "markdown", expect=1)
    run("check", mapping, "--save-plan", str(plan), expect=1)
    run("publish", mapping, expect=0)
    published = run("publish", mapping, "--plan", str(plan), "--yes", expect=0)
    assert f"{fresh_title}: published" in published.stdout
    history = run("history", expect=0)
    run_id = history.stdout.splitlines()[1].split()[0]
    run("revert", run_id, expect=0)
    run("revert", run_id, "--yes", expect=0)
    canonical = tmp_path / "imported.yaml"
    run(
        "import",
        "--api-url",
        mediawiki.api_url,
        "--page",
        fresh_title,
        "--output",
        str(canonical),
        "--mapping",
        mapping,
        expect=0,
    )
    assert canonical.is_file() and plan.is_file()

    # a refused login: neither the wrong password nor the right one shows
    refused = run("check", mapping, expect=3, WIKISYNC_PASSWORD=WRONG_PASSWORD)
    assert "refused" in refused.stderr
    assert_absent(WRONG_PASSWORD, refused.stdout, refused.stderr)

    # faults that exhaust the retries, at the login and at the edit
    with FaultProxy(mediawiki.api_url) as proxy:
        proxy.set_rules([Rule("login", "503", 1, 0)])
        failed = run(
            "check", mapping, "--api-url", proxy.api_url, expect=3, WIKISYNC_HTTP_RETRIES="1"
        )
        assert "HTTP 503" in failed.stderr
        logins = [r for r in proxy.records if r.target == "login"]
        assert len(logins) == 2 and all(r.method == "POST" for r in logins)
        assert all("lgpassword" not in r.url_keys for r in logins)
        proxy.set_rules([Rule("edit", "reset", 1, 0)])
        lost = run("publish", mapping, "--yes", "--api-url", proxy.api_url, expect=3)
        assert "nothing was written" in lost.stdout
        assert all("token" not in r.url_keys for r in proxy.records if r.target == "edit")

    if debug == "1":
        assert any("Traceback" in text for text in run.outputs), "debug shows tracebacks"
    assert_absent(password, *run.outputs)
    files = files_under(tmp_path)
    assert store in files and plan in files and canonical in files
    assert_absent(password, *files.values())
    assert_absent(WRONG_PASSWORD, *run.outputs, *files.values())
    # the store really holds the runs, so the search above looked at real rows
    stored = b"".join(data for path, data in files.items() if path.parent == store.parent)
    assert fresh_title.encode() in stored and run_id.encode() in stored


@pytest.mark.wiki
def test_password_from_a_credentials_file_is_not_shown(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path
) -> None:
    mediawiki.import_pages({fresh_title: (PAGES / "removed-position.wikitext").read_text()})
    creds = tmp_path / "secret" / "bot.txt"
    creds.parent.mkdir()
    creds.write_text(f"username={mediawiki.bot_username}\npassword={WRONG_PASSWORD}\n")
    creds.chmod(stat.S_IRUSR | stat.S_IWUSR)
    text = Path(mapping_for(tmp_path, mediawiki, fresh_title)).read_text()
    text = text.replace("  contact:", f"  credentials_file: {creds}\n  contact:")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text)
    env = {"WIKISYNC_STORE": str(tmp_path / "store.sqlite3"), "WIKISYNC_DEBUG": "1"}
    for args in (["check", str(mapping)], ["publish", str(mapping), "--yes"]):
        result = run_cli(*args, env=env)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "refused" in result.stderr
        assert_absent(WRONG_PASSWORD, result.stdout, result.stderr)
    assert_absent(WRONG_PASSWORD, *files_under(tmp_path, skip=creds).values())


@pytest.mark.wiki
def test_library_exceptions_hold_no_password(
    mediawiki: MediaWikiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any redaction: the errors themselves, their chains and their tracebacks."""
    contact = "wikisync-tests@example.org"
    session = WikiSession.connect(mediawiki.api_url, contact=contact)
    with pytest.raises(LoginFailed) as refused:
        session.login(mediawiki.bot_username, WRONG_PASSWORD)
    assert refused.value.__cause__ is None and refused.value.__context__ is None
    assert_absent(WRONG_PASSWORD, *_exception_texts(refused.value))

    with FaultProxy(mediawiki.api_url) as proxy:
        for fault in ("503", "reset", "maxlag"):
            proxy.set_rules([Rule("login", fault, 1, 0)])
            monkeypatch.setenv("WIKISYNC_USERNAME", mediawiki.bot_username)
            monkeypatch.setenv("WIKISYNC_PASSWORD", mediawiki.bot_password)
            monkeypatch.setenv("WIKISYNC_HTTP_RETRIES", "1")
            with pytest.raises(WikiError) as failed:
                open_session(proxy.api_url, contact=contact)
            assert type(failed.value) is WikiError
            assert failed.value.__cause__ is None and failed.value.__context__ is None
            assert_absent(mediawiki.bot_password, *_exception_texts(failed.value))


# -- plain http and credentials in URLs ----------------------------------------------------


REMOTE_HTTP = "http://wiki.example.org/w/api.php"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{mapping}", "--api-url", REMOTE_HTTP],
        ["publish", "{mapping}", "--yes", "--api-url", REMOTE_HTTP],
        ["import", "--api-url", REMOTE_HTTP, "--page", "P", "--output", "{out}"],
    ],
    ids=["check", "publish", "import"],
)
def test_plain_http_to_another_host_is_refused(tmp_path: Path, args: list[str]) -> None:
    mapping = tmp_path / "mapping.yaml"
    miraheze = Path(__file__).parent.parent / "mappings" / "miraheze"
    text = (miraheze / "mapping.yaml").read_text()
    for name in ("canonical/", "snapshots/", "domain-words.txt"):
        text = text.replace(f" {name}", f" {miraheze}/{name}")
    mapping.write_text(text)
    out = tmp_path / "out.yaml"
    argv = [a.format(mapping=mapping, out=out) for a in args]
    env = {"WIKISYNC_USERNAME": "Bot@app", "WIKISYNC_PASSWORD": WRONG_PASSWORD}
    result = run_cli(*argv, env=env, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refusing plain http to wiki.example.org" in result.stderr
    assert "--allow-insecure-http" in result.stderr
    assert result.stderr.count("\n") == 1 and not out.exists()
    assert_absent(WRONG_PASSWORD, result.stdout, result.stderr)


def test_password_in_the_api_url_is_refused_and_not_echoed(tmp_path: Path) -> None:
    secret_url = f"https://bot:{WRONG_PASSWORD}@wiki.example.org/w/api.php"
    out = tmp_path / "out.yaml"
    result = run_cli("import", "--api-url", secret_url, "--page", "P", "--output", str(out))
    assert result.returncode == 2
    assert "must not contain credentials" in result.stderr
    assert_absent(WRONG_PASSWORD, result.stdout, result.stderr)
    with pytest.raises(InputError) as caught:
        WikiSession.connect(secret_url, contact="ops@example.org")
    assert_absent(WRONG_PASSWORD, *_exception_texts(caught.value))
