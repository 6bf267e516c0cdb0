"""A throw-away MediaWiki 1.39 wiki on loopback, for integration tests.

The wiki lives in a temporary directory: an SQLite database, a generated
``LocalSettings.php`` and logs. It is served by PHP's built-in web server from the
shared install in ``/usr/share/mediawiki`` (the Debian ``mediawiki`` package); the
``MW_CONFIG_FILE`` environment variable points that install at this wiki's settings,
so several wikis can run side by side.

Titles such as ``Tech:Organisation`` are plain main-namespace titles on this wiki (no
extra namespace is registered): the colon is just part of the page name, which is
enough to exercise everything the sync does with such pages.

Every ``api.php`` request is also appended to :attr:`MediaWikiServer.api_log` as one
JSON line (parameters only; passwords and tokens redacted) because PHP's own access
log shows only ``POST /api.php`` for the POST requests mwclient makes, which is not
enough to count, say, how many content reads a sync performed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import requests

MEDIAWIKI_ROOT = Path("/usr/share/mediawiki")
MAINTENANCE_DIR = MEDIAWIKI_ROOT / "maintenance"
INSTALL_SCRIPT = MAINTENANCE_DIR / "install.php"

#: Characters MediaWiki accepts in a bot password given on the command line. Bot
#: passwords containing x, y or z are rejected at login as a wrong password.
BOT_PASSWORD_ALPHABET = "0123456789abcdefghijklmnopqrstuvw"
BOT_APP_ID = "wikisync"
BOT_GRANTS = "basic,editpage,highvolume,editprotected,createeditmovepage"
HUMAN_GRANTS = "basic,editpage,createeditmovepage"

REQUIRED_PHP_MODULES = ("pdo_sqlite", "intl", "mbstring", "xml")

_SCRIPT_TIMEOUT = 120.0
_HTTP_TIMEOUT = 30.0


class MediaWikiError(RuntimeError):
    """Setting up or driving the test wiki failed."""


class WikiApiError(MediaWikiError):
    """The API answered with an error; ``code`` is MediaWiki's error code."""

    def __init__(self, code: str, info: str) -> None:
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info


class MissingPageError(LookupError):
    """The page asked for does not exist on the wiki."""


def missing_requirements() -> list[str]:
    """Say what is missing to run a wiki here, so tests can skip (or fail) with a reason."""
    php = shutil.which("php")
    if php is None:
        return ["the `php` command (Debian package php-cli)"]
    missing: list[str] = []
    if not INSTALL_SCRIPT.is_file():
        missing.append(f"{INSTALL_SCRIPT} (Debian package mediawiki)")
    try:
        modules = subprocess.run(
            [php, "-m"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.lower()
    except (OSError, subprocess.SubprocessError) as exc:
        return [*missing, f"a working `php -m` ({exc})"]
    available = {line.strip() for line in modules.splitlines()}
    missing.extend(
        f"PHP module {module} (Debian package php-{module.removeprefix('pdo_')})"
        for module in REQUIRED_PHP_MODULES
        if module not in available
    )
    return missing


def generate_bot_password() -> str:
    """Return a random bot password in the alphabet MediaWiki accepts at login."""
    return "".join(secrets.choice(BOT_PASSWORD_ALPHABET) for _ in range(32))


def generate_account_password() -> str:
    """Return a random password that passes MediaWiki's default policy for any group."""
    return "Wk-" + secrets.token_urlsafe(24)


def _free_port() -> int:
    """Ask the kernel for a free loopback port (it can be taken again before PHP binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _php_string(value: str) -> str:
    """Quote ``value`` as a single-quoted PHP string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _settings_block(data_dir: Path) -> str:
    """PHP appended to the generated LocalSettings.php."""
    readonly_file = _php_string(str(data_dir / "readonly.flag"))
    extra_file = _php_string(str(data_dir / "extra-settings.inc"))
    api_log = _php_string(str(data_dir / "api-requests.jsonl"))
    return f"""
# ---- Test wiki settings (written by tests/mediawiki_server.py) ----
$wgReadOnlyFile = {readonly_file};
$wgEnableUploads = false;
$wgMainCacheType = CACHE_NONE;
$wgShowExceptionDetails = true;
$wgShowDBErrorBacktrace = true;
# Accounts are minutes old: without these the "newbie" limit (8 edits a minute) and the
# bot's missing noratelimit right make a long test run fail with "ratelimited". Rate-limit
# behaviour is tested by injecting the error in front of the wiki instead.
$wgAutoConfirmAge = 0;
$wgAutoConfirmCount = 0;
$wgGroupPermissions['bot']['noratelimit'] = true;

# One JSON line per api.php request, secrets redacted, so tests can count requests.
if ( defined( 'MW_ENTRY_POINT' ) && MW_ENTRY_POINT === 'api' ) {{
\t$wikisyncParams = [];
\tforeach ( $_GET + $_POST as $wikisyncKey => $wikisyncValue ) {{
\t\tif ( preg_match( '/pass|token/i', (string)$wikisyncKey ) ) {{
\t\t\t$wikisyncValue = '(redacted)';
\t\t}} elseif ( !is_string( $wikisyncValue ) ) {{
\t\t\t$wikisyncValue = '(non-string)';
\t\t}} elseif ( strlen( $wikisyncValue ) > 500 ) {{
\t\t\t$wikisyncValue = substr( $wikisyncValue, 0, 500 ) . '...';
\t\t}}
\t\t$wikisyncParams[(string)$wikisyncKey] = $wikisyncValue;
\t}}
\tfile_put_contents(
\t\t{api_log},
\t\tjson_encode(
\t\t\t[ 'method' => $_SERVER['REQUEST_METHOD'] ?? '', 'params' => $wikisyncParams ],
\t\t\tJSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
\t\t) . "\\n",
\t\tFILE_APPEND | LOCK_EX
\t);
\tunset( $wikisyncParams, $wikisyncKey, $wikisyncValue );
}}

# Settings changed while the server runs. Read with eval() rather than include so
# that PHP's opcode cache can never serve a stale copy.
if ( is_file( {extra_file} ) ) {{
\teval( file_get_contents( {extra_file} ) );
}}
"""


class MediaWikiServer:
    """A disposable MediaWiki with admin, bot and human accounts, served on loopback.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. Nothing is
    shared with other instances; the temporary directory is removed on :meth:`stop`
    unless ``base_dir`` was given (then it is left for inspection).
    """

    admin_username = "Admin"
    bot_account = "WikisyncBot"
    human_username = "Human"

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        extra_settings: str = "",
        workers: int = 1,
        startup_timeout: float = 30.0,
    ) -> None:
        """Prepare (but do not start) a wiki.

        ``extra_settings`` is PHP code appended to LocalSettings.php at install time.
        ``workers`` > 1 lets PHP's server answer requests in parallel.
        """
        self._owns_dir = base_dir is None
        self.dir: Path = (
            Path(tempfile.mkdtemp(prefix="wikisync-mediawiki-"))
            if base_dir is None
            else Path(base_dir)
        )
        self._extra_settings = extra_settings
        self._workers = workers
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._installed = False
        self._human_session: requests.Session | None = None
        self.port: int = 0

        self.admin_password = generate_account_password()
        self.bot_account_password = generate_account_password()
        self.bot_username = f"{self.bot_account}@{BOT_APP_ID}"
        self.bot_password = generate_bot_password()
        self.human_password = generate_account_password()
        self.human_bot_username = f"{self.human_username}@{BOT_APP_ID}"
        self.human_bot_password = generate_bot_password()

    def __repr__(self) -> str:
        """Show where the wiki is, never its passwords."""
        state = "running" if self.running else "stopped"
        return f"<MediaWikiServer {state} port={self.port} dir={str(self.dir)!r}>"

    # ---- paths and URLs -------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The SQLite databases and runtime flag files."""
        return self.dir / "data"

    @property
    def settings_file(self) -> Path:
        """The wiki's LocalSettings.php (given to PHP through MW_CONFIG_FILE)."""
        return self.dir / "LocalSettings.php"

    @property
    def php_log(self) -> Path:
        """PHP built-in server output: startup, access lines, PHP warnings."""
        return self.dir / "php-server.log"

    @property
    def api_log(self) -> Path:
        """One JSON object per api.php request: ``{"method": ..., "params": {...}}``."""
        return self.data_dir / "api-requests.jsonl"

    @property
    def readonly_file(self) -> Path:
        """While this file exists and is not empty, the wiki is read-only."""
        return self.data_dir / "readonly.flag"

    @property
    def extra_settings_file(self) -> Path:
        """PHP code (without ``<?php``) evaluated by every request; see set_extra_settings."""
        return self.data_dir / "extra-settings.inc"

    @property
    def host(self) -> str:
        """``host:port`` as mwclient's ``Site`` wants it."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Base URL of the wiki."""
        return f"http://{self.host}"

    @property
    def api_url(self) -> str:
        """The wiki's api.php endpoint."""
        return f"{self.url}/api.php"

    @property
    def running(self) -> bool:
        """Whether the PHP server process is alive."""
        return self._process is not None and self._process.poll() is None

    # ---- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> Self:
        """Start the wiki."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the wiki, whatever happened inside the block."""
        self.stop()

    def start(self) -> None:
        """Install the wiki (first time only), then serve it and wait until the API answers."""
        if self.running:
            return
        missing = missing_requirements()
        if missing:
            raise MediaWikiError("cannot run MediaWiki here; missing: " + ", ".join(missing))
        try:
            if not self._installed:
                self.port = _free_port()
                self._install()
            self._serve()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill the PHP server's whole process group and remove the owned temp directory."""
        process, self._process = self._process, None
        if process is not None:
            self._kill_group(process)
        if self._human_session is not None:
            self._human_session.close()
            self._human_session = None
        if self._owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self._installed = False

    @staticmethod
    def _kill_group(process: subprocess.Popen[bytes]) -> None:
        """TERM then KILL the group: PHP's server forks workers that must go too."""
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; make sure no forked worker survives it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return

    def _install(self) -> None:
        """Run install.php, append our settings and create the accounts."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pass_file = self.dir / "admin-pass.txt"
        pass_file.write_text(self.admin_password, encoding="utf-8")
        pass_file.chmod(0o600)
        try:
            self._run_script(
                "install.php",
                "--dbtype=sqlite",
                f"--dbpath={self.data_dir}",
                "--dbname=wiki",
                f"--server={self.url}",
                "--scriptpath=",
                f"--confpath={self.dir}",
                f"--passfile={pass_file}",
                "--lang=en",
                "--skins=Vector",
                "TestWiki",
                self.admin_username,
                use_config=False,
            )
        finally:
            pass_file.unlink(missing_ok=True)
        with self.settings_file.open("a", encoding="utf-8") as settings:
            settings.write(_settings_block(self.data_dir))
            if self._extra_settings:
                settings.write("\n# Extra settings given by the test suite\n")
                settings.write(self._extra_settings + "\n")

        self._run_script(
            "createAndPromote.php", "--bot", self.bot_account, self.bot_account_password
        )
        self._run_script(
            "createBotPassword.php",
            f"--appid={BOT_APP_ID}",
            f"--grants={BOT_GRANTS}",
            self.bot_account,
            self.bot_password,
        )
        self._run_script("createAndPromote.php", self.human_username, self.human_password)
        self._run_script(
            "createBotPassword.php",
            f"--appid={BOT_APP_ID}",
            f"--grants={HUMAN_GRANTS}",
            self.human_username,
            self.human_bot_password,
        )
        self._installed = True

    def _set_server_url(self) -> None:
        """Point $wgServer at the current port (it changes if the first port was taken)."""
        text = self.settings_file.read_text(encoding="utf-8")
        text = re.sub(
            r'^\$wgServer = ".*";$',
            lambda _: f'$wgServer = "{self.url}";',
            text,
            count=1,
            flags=re.MULTILINE,
        )
        self.settings_file.write_text(text, encoding="utf-8")

    def _serve(self) -> None:
        """Launch ``php -S`` in its own process group; retry on another port if taken."""
        php = shutil.which("php") or "php"
        env = {**os.environ, "MW_CONFIG_FILE": str(self.settings_file)}
        if self._workers > 1:
            env["PHP_CLI_SERVER_WORKERS"] = str(self._workers)
        last_error = ""
        for attempt in range(5):
            if attempt:
                self.port = _free_port()
                self._set_server_url()
            with self.php_log.open("ab") as log:
                self._process = subprocess.Popen(
                    [php, "-S", self.host, "-t", str(MEDIAWIKI_ROOT)],
                    cwd=self.dir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            last_error = self._wait_until_ready()
            if not last_error:
                return
            process, self._process = self._process, None
            self._kill_group(process)
        raise MediaWikiError(f"PHP server did not come up: {last_error} (see {self.php_log})")

    def _wait_until_ready(self) -> str:
        """Poll siteinfo until it answers; return an error text, or "" when ready."""
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return f"php exited with status {self._process.returncode}"
            try:
                response = requests.get(
                    self.api_url,
                    params={"action": "query", "meta": "siteinfo", "format": "json"},
                    timeout=5,
                )
                if response.ok and "query" in response.json():
                    return ""
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.05)
        return f"no answer within {self._startup_timeout:.0f} s"

    # ---- maintenance scripts ----------------------------------------------------------

    def _run_script(self, script: str, *args: str | Path, use_config: bool = True) -> str:
        """Run a maintenance script and return its output; errors never echo arguments."""
        env = dict(os.environ)
        if use_config:
            env["MW_CONFIG_FILE"] = str(self.settings_file)
        else:
            env.pop("MW_CONFIG_FILE", None)
        command = ["php", str(MAINTENANCE_DIR / script), *map(str, args)]
        result = subprocess.run(
            command,
            cwd=self.dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_SCRIPT_TIMEOUT,
            check=False,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            # Arguments and output may hold passwords (createBotPassword echoes it).
            raise MediaWikiError(
                f"{script} failed with status {result.returncode}: {self._redact(output)}"
            )
        return output

    def _redact(self, text: str) -> str:
        """Remove every password of this wiki from ``text``."""
        for secret in (
            self.admin_password,
            self.bot_account_password,
            self.bot_password,
            self.human_password,
            self.human_bot_password,
        ):
            text = text.replace(secret, "(redacted)")
        return text

    def import_pages(
        self, pages: Mapping[str, str], summary: str = "Imported by the test suite"
    ) -> dict[str, int]:
        """Create or overwrite pages in bulk, much faster than API edits.

        Uses importTextFiles.php, which names each page after its file name (without
        the extension) behind an optional ``--prefix``. A file name cannot hold "/", so
        titles are grouped by everything up to their last "/" which goes in the prefix:
        one PHP run per distinct prefix. The edits are made by the "Maintenance script"
        user. As with any save, trailing whitespace is dropped; a page whose text is
        unchanged gets no new revision. Returns each given title's latest revision id.
        """
        if not pages:
            return {}
        groups: dict[str, dict[str, str]] = {}
        for title, text in pages.items():
            if "\x00" in title or "#" in title or not title.strip():
                raise ValueError(f"not a valid page title: {title!r}")
            prefix, _, name = title.rpartition("/")
            groups.setdefault(prefix + "/" if prefix else "", {})[name] = text
        with tempfile.TemporaryDirectory(prefix="import-", dir=self.dir) as tmp:
            for number, (prefix, group) in enumerate(groups.items()):
                folder = Path(tmp) / str(number)
                folder.mkdir()
                files = []
                for name, text in group.items():
                    path = folder / f"{name}.txt"
                    path.write_bytes(text.encode("utf-8"))
                    files.append(path)
                output = self._run_script(
                    "importTextFiles.php",
                    "--overwrite",
                    f"--summary={summary}",
                    f"--prefix={prefix}",
                    *files,
                )
                problems = [
                    line
                    for line in output.splitlines()
                    if line.startswith(("Invalid title", "Failed to"))
                ]
                if problems:
                    raise MediaWikiError("importTextFiles.php: " + "; ".join(problems))
        return self.latest_revids(pages)

    def protect(self, title: str, *, unprotect: bool = False, reason: str = "Testing") -> None:
        """Protect a page (edit and move: sysop only), or lift that with ``unprotect``."""
        args = ["--user", self.admin_username, "--reason", reason]
        if unprotect:
            args.append("--unprotect")
        output = self._run_script("protect.php", *args, title)
        if "done" not in output:
            raise MediaWikiError(f"protect.php did not succeed for {title!r}: {output.strip()}")

    def unprotect(self, title: str) -> None:
        """Lift the protection set by :meth:`protect`."""
        self.protect(title, unprotect=True)

    def delete(self, title: str, reason: str = "Testing") -> None:
        """Delete a page as the admin (for "deleted while we were editing" scenarios)."""
        list_file = self.dir / "delete-list.txt"
        list_file.write_text(title + "\n", encoding="utf-8")
        try:
            self._run_script("deleteBatch.php", "-u", self.admin_username, "-r", reason, list_file)
        finally:
            list_file.unlink(missing_ok=True)
        # deleteBatch.php exits 0 even when a deletion fails; check the result.
        if self.latest_revids([title])[title] != 0:
            raise MediaWikiError(f"deleteBatch.php did not delete {title!r}")

    # ---- runtime switches -------------------------------------------------------------

    def set_readonly(self, flag: bool, reason: str = "Read-only for testing") -> None:
        """Make the wiki read-only (or writable again) from the next request on.

        While read-only, bot-password logins fail too: log in before switching it on.
        """
        if flag:
            self.readonly_file.write_text(reason, encoding="utf-8")
        else:
            self.readonly_file.unlink(missing_ok=True)

    def set_extra_settings(self, php_code: str) -> None:
        """Apply PHP settings (no ``<?php`` tag) to every request from now on; "" clears.

        Example: ``server.set_extra_settings("$wgMaxArticleSize = 1;")``.
        """
        if php_code.strip():
            self.extra_settings_file.write_text(php_code + "\n", encoding="utf-8")
        else:
            self.extra_settings_file.unlink(missing_ok=True)

    # ---- API access -------------------------------------------------------------------

    def api(
        self,
        params: Mapping[str, str | int],
        *,
        post: bool = False,
        session: requests.Session | None = None,
    ) -> dict[str, Any]:
        """Call api.php (JSON, formatversion 2) and raise WikiApiError on an API error."""
        full = {"format": "json", "formatversion": "2", **{k: str(v) for k, v in params.items()}}
        http = session or requests
        if post:
            response = http.post(self.api_url, data=full, timeout=_HTTP_TIMEOUT)
        else:
            response = http.get(self.api_url, params=full, timeout=_HTTP_TIMEOUT)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        if "error" in data:
            error = data["error"]
            raise WikiApiError(str(error.get("code", "")), str(error.get("info", "")))
        return data

    def read(self, title: str) -> tuple[int, str]:
        """Return ``(revid, text)`` of the page's latest revision."""
        data = self.api(
            {
                "action": "query",
                "prop": "revisions",
                "titles": title,
                "rvprop": "ids|content",
                "rvslots": "main",
            }
        )
        page = data["query"]["pages"][0]
        if page.get("missing") or page.get("invalid"):
            raise MissingPageError(title)
        revision = page["revisions"][0]
        return int(revision["revid"]), str(revision["slots"]["main"]["content"])

    def latest_revids(self, titles: Iterable[str]) -> dict[str, int]:
        """Map each title to its latest revision id (0 when the page does not exist)."""
        wanted = list(dict.fromkeys(titles))
        result: dict[str, int] = {}
        for start in range(0, len(wanted), 50):
            batch = wanted[start : start + 50]
            data = self.api({"action": "query", "prop": "info", "titles": "|".join(batch)})
            query = data["query"]
            renamed = {item["from"]: item["to"] for item in query.get("normalized", [])}
            by_title = {page["title"]: int(page.get("lastrevid", 0)) for page in query["pages"]}
            for title in batch:
                result[title] = by_title.get(renamed.get(title, title), 0)
        return result

    def _human(self) -> requests.Session:
        """A logged-in API session for the human account (bot password login)."""
        if self._human_session is not None:
            return self._human_session
        session = requests.Session()
        token = self.api({"action": "query", "meta": "tokens", "type": "login"}, session=session)[
            "query"
        ]["tokens"]["logintoken"]
        result = self.api(
            {
                "action": "login",
                "lgname": self.human_bot_username,
                "lgpassword": self.human_bot_password,
                "lgtoken": token,
            },
            post=True,
            session=session,
        )["login"]
        if result.get("result") != "Success":
            session.close()
            raise MediaWikiError(f"human login failed: {result.get('reason', result)}")
        self._human_session = session
        return session

    def edit_as_human(
        self, title: str, text: str, summary: str = "Edit by a person", **params: str | int
    ) -> int:
        """Edit a page through the API as the non-bot account ``Human``; return the revid.

        Extra ``params`` go to action=edit as they are (``basetimestamp``, ``minor``...).
        If the text is unchanged MediaWiki makes no revision; the current revid is
        returned then.
        """
        for attempt in (1, 2):
            session = self._human()
            token = self.api({"action": "query", "meta": "tokens"}, session=session)["query"][
                "tokens"
            ]["csrftoken"]
            fields = {
                "action": "edit",
                "title": title,
                "text": text,
                "summary": summary,
                "token": token,
                "assert": "user",
                **params,
            }
            try:
                result = self.api(fields, post=True, session=session)["edit"]
                break
            except WikiApiError as err:
                # a lost login (say, a test flushed the session store) must not turn the
                # person's edit into an anonymous one: log in again, once
                if err.code not in ("assertuserfailed", "badtoken") or attempt == 2:
                    raise
                self._human_session = None
        if result.get("result") != "Success":
            raise MediaWikiError(f"edit of {title!r} not saved: {result}")
        if result.get("nochange"):
            return self.read(title)[0]
        return int(result["newrevid"])

    # ---- request log ------------------------------------------------------------------

    def api_requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Logged api.php requests, oldest first, from index ``since`` on.

        Take ``len(server.api_requests())`` before an operation and pass it as ``since``
        afterwards to see only that operation's requests.
        """
        if not self.api_log.exists():
            return []
        lines = self.api_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[since:] if line.strip()]

    def content_queries(self, since: int = 0) -> list[dict[str, Any]]:
        """Logged ``action=query`` requests that asked for revision content."""
        return [
            request
            for request in self.api_requests(since)
            if request["params"].get("action") == "query"
            and "revisions" in request["params"].get("prop", "").split("|")
            and "content" in request["params"].get("rvprop", "").split("|")
        ]
