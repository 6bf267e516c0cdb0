"""The audit store: runs, the edits each run made, and per-page state for scheduled jobs.

SQLite through the standard library, one file per user (``WIKISYNC_STORE`` or a path given).
The schema's version lives in ``PRAGMA user_version`` and is brought up to date on open, one
migration step at a time. The store keeps page titles, revision ids, summaries and findings;
never credentials: URLs lose any user name, password, query and fragment before they are kept.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from platformdirs import user_data_dir

from .errors import InputError
from .model import Finding
from .redaction import redact

__all__ = [
    "MIGRATIONS",
    "MODES",
    "SCHEMA_VERSION",
    "EditRecord",
    "PageState",
    "RunMode",
    "RunSummary",
    "Store",
    "clean_url",
    "default_store_path",
]

RunMode = Literal["check", "publish", "revert", "job"]
MODES: tuple[RunMode, ...] = ("check", "publish", "revert", "job")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: runs, edits, page state.
    (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            mode TEXT NOT NULL CHECK (mode IN ('check', 'publish', 'revert', 'job')),
            mapping TEXT,
            status TEXT NOT NULL
        )""",
        """CREATE TABLE edits (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs (id),
            page TEXT NOT NULL,
            api_url TEXT NOT NULL,
            old_revid INTEGER,
            new_revid INTEGER,
            summary TEXT NOT NULL,
            findings_json TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX edits_by_run ON edits (run_id)",
        """CREATE TABLE page_state (
            api_url TEXT NOT NULL,
            page TEXT NOT NULL,
            last_seen_revid INTEGER,
            last_written_revid INTEGER,
            canonical_fingerprint TEXT,
            updated TEXT NOT NULL,
            PRIMARY KEY (api_url, page)
        )""",
    ),
    # 1 -> 2: the last check result of each page (so an unchanged page is reported without
    # reading it again), and the last report written to each target.
    (
        "ALTER TABLE page_state ADD COLUMN result_json TEXT",
        """CREATE TABLE report_targets (
            target TEXT PRIMARY KEY,
            sha1 TEXT NOT NULL,
            revid INTEGER,
            updated TEXT NOT NULL
        )""",
    ),
)
"""``MIGRATIONS[n]`` takes the schema from version ``n`` to ``n + 1``; append, never edit."""
SCHEMA_VERSION = len(MIGRATIONS)


def default_store_path() -> Path:
    """``WIKISYNC_STORE`` if set, else ``wikisync.sqlite3`` in the user's data folder."""
    env = os.environ.get("WIKISYNC_STORE", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("wikisync", appauthor=False)) / "wikisync.sqlite3"


def clean_url(url: str) -> str:
    """The URL without user name, password, query or fragment: nothing secret is kept."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: str
    finished: str | None
    mode: str
    mapping: str | None
    status: str
    edits: int


@dataclass(frozen=True)
class EditRecord:
    run_id: str
    page: str
    api_url: str
    old_revid: int | None
    new_revid: int | None
    summary: str
    findings: list[dict[str, Any]]
    at: str


@dataclass(frozen=True)
class PageState:
    api_url: str
    page: str
    last_seen_revid: int | None
    last_written_revid: int | None
    canonical_fingerprint: str | None
    updated: str
    result: dict[str, Any] | None = None
    """The page's last check result (findings in contract form, problem), if one was kept."""


class Store:
    """One open store file. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._conn: sqlite3.Connection | None = None
        try:
            with self._guard("open"):
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
                self._conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                self._conn.row_factory = sqlite3.Row
                self._conn.execute("PRAGMA busy_timeout = 10000")
                self._conn.execute("PRAGMA foreign_keys = ON")
                self._migrate()
                self._conn.execute("PRAGMA journal_mode = WAL")
        except BaseException:
            self.close()
            raise

    # -- plumbing -----------------------------------------------------------------------
    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            message = f"cannot {doing} the wikisync store: {exc}"
            raise InputError(message, source=str(self.path)) from exc
        except OSError as exc:
            message = f"cannot {doing} the wikisync store: {exc.strerror or exc}"
            raise InputError(message, source=str(self.path)) from exc

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise InputError("the store is closed", source=str(self.path))
        return self._conn

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._guard(doing):
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        conn = self.conn
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the store was written by a newer wikisync (schema {version}; "
                f"this one knows {SCHEMA_VERSION})",
                source=str(self.path),
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # re-read: locked
            if version == 0:
                tables = {
                    row[0]
                    for row in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%'"
                    )
                }
                if tables:
                    raise InputError(
                        "not a wikisync store: it is an SQLite file with other tables "
                        f"({', '.join(sorted(tables))})",
                        source=str(self.path),
                    )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        with self._guard("read"):
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------------
    def start_run(self, mode: RunMode, mapping: str | Path | None = None) -> str:
        """Open a run and return its id, e.g. ``20261122-153012-ab12``."""
        if mode not in MODES:
            raise InputError(f"unknown run mode {mode!r}; choose from {', '.join(MODES)}")
        started = datetime.now(UTC)
        for _ in range(10):
            run_id = f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
            with self._write("write to") as conn:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO runs (id, started, mode, mapping, status) "
                    "VALUES (?, ?, ?, ?, 'running')",
                    (run_id, f"{started:%Y-%m-%dT%H:%M:%SZ}", mode, _opt(mapping)),
                )
            if cursor.rowcount == 1:
                return run_id
        raise InputError("cannot find a free run id", source=str(self.path))

    def finish_run(self, run_id: str, status: str) -> None:
        """Close a run with its outcome (``ok``, ``findings``, ``failed``, ``conflict``...)."""
        if not status.strip():
            raise InputError("a run's status cannot be empty")
        with self._write("write to") as conn:
            cursor = conn.execute(
                "UPDATE runs SET finished = ?, status = ? WHERE id = ?", (_now(), status, run_id)
            )
        if cursor.rowcount == 0:
            raise InputError(f"no run {run_id!r} in the store", source=str(self.path))

    def get_run(self, run_id: str) -> RunSummary | None:
        with self._guard("read"):
            row = self.conn.execute(_RUN_QUERY + " WHERE runs.id = ?", (run_id,)).fetchone()
        return _run(row) if row is not None else None

    def history(self, limit: int = 20) -> list[RunSummary]:
        """The latest runs, newest first, each with how many edits it made."""
        with self._guard("read"):
            rows = self.conn.execute(
                _RUN_QUERY + " ORDER BY runs.started DESC, runs.rowid DESC LIMIT ?",
                (max(0, limit),),
            ).fetchall()
        return [_run(row) for row in rows]

    # -- edits --------------------------------------------------------------------------
    def record_edit(
        self,
        run_id: str,
        *,
        page: str,
        api_url: str,
        old_revid: int | None,
        new_revid: int | None,
        summary: str,
        findings: Sequence[Finding | Mapping[str, Any]] = (),
    ) -> None:
        """Log one saved edit; findings are kept in their JSON contract form."""
        contract = [f.contract() if isinstance(f, Finding) else dict(f) for f in findings]
        findings_json = redact(json.dumps(contract, ensure_ascii=False))
        with self._write("write to") as conn:
            if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise InputError(f"no run {run_id!r} in the store", source=str(self.path))
            conn.execute(
                "INSERT INTO edits (run_id, page, api_url, old_revid, new_revid, summary, "
                "findings_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    page,
                    clean_url(api_url),
                    old_revid,
                    new_revid,
                    redact(summary),
                    findings_json,
                    _now(),
                ),
            )

    def edits_for_run(self, run_id: str) -> list[EditRecord]:
        """The edits a run made, in the order it made them (``revert`` undoes them backwards)."""
        with self._guard("read"):
            rows = self.conn.execute(
                "SELECT * FROM edits WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        return [
            EditRecord(
                run_id=row["run_id"],
                page=row["page"],
                api_url=row["api_url"],
                old_revid=row["old_revid"],
                new_revid=row["new_revid"],
                summary=row["summary"],
                findings=json.loads(row["findings_json"]),
                at=row["at"],
            )
            for row in rows
        ]

    # -- page state ---------------------------------------------------------------------
    def get_page_state(self, api_url: str, page: str) -> PageState | None:
        with self._guard("read"):
            row = self.conn.execute(
                "SELECT * FROM page_state WHERE api_url = ? AND page = ?",
                (clean_url(api_url), page),
            ).fetchone()
        return _state(row) if row is not None else None

    def set_page_state(
        self,
        api_url: str,
        page: str,
        *,
        last_seen_revid: int | None = None,
        last_written_revid: int | None = None,
        canonical_fingerprint: str | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> PageState:
        """Update what is known about a page; a value left as None keeps the stored one."""
        url = clean_url(api_url)
        result_json = redact(json.dumps(result, ensure_ascii=False)) if result is not None else None
        with self._write("write to") as conn:
            conn.execute(
                "INSERT INTO page_state (api_url, page, last_seen_revid, last_written_revid, "
                "canonical_fingerprint, result_json, updated) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (api_url, page) DO UPDATE SET "
                "last_seen_revid = coalesce(excluded.last_seen_revid, last_seen_revid), "
                "last_written_revid = coalesce(excluded.last_written_revid, last_written_revid), "
                "canonical_fingerprint = "
                "coalesce(excluded.canonical_fingerprint, canonical_fingerprint), "
                "result_json = coalesce(excluded.result_json, result_json), "
                "updated = excluded.updated",
                (
                    url,
                    page,
                    last_seen_revid,
                    last_written_revid,
                    canonical_fingerprint,
                    result_json,
                    _now(),
                ),
            )
            row = conn.execute(
                "SELECT * FROM page_state WHERE api_url = ? AND page = ?", (url, page)
            ).fetchone()
        return _state(row)

    def page_states(self, api_url: str, pages: Sequence[str]) -> dict[str, PageState]:
        """The stored state of each of ``pages`` that has one (one query for them all)."""
        wanted = list(dict.fromkeys(pages))
        url = clean_url(api_url)
        found: dict[str, PageState] = {}
        with self._guard("read"):
            for start in range(0, len(wanted), 500):  # under SQLite's variable limit
                chunk = wanted[start : start + 500]
                rows = self.conn.execute(
                    "SELECT * FROM page_state WHERE api_url = ? AND page IN "
                    f"({', '.join('?' * len(chunk))})",
                    (url, *chunk),
                ).fetchall()
                found.update((row["page"], _state(row)) for row in rows)
        return found

    # -- reports ------------------------------------------------------------------------
    def report_sha1(self, target: str) -> str | None:
        """SHA-1 of the report last written to ``target`` (a file or a wiki page), if any."""
        with self._guard("read"):
            row = self.conn.execute(
                "SELECT sha1 FROM report_targets WHERE target = ?", (target,)
            ).fetchone()
        return str(row["sha1"]) if row is not None else None

    def set_report(self, target: str, sha1: str, revid: int | None = None) -> None:
        """Remember the report just written to ``target``, so an unchanged one is not rewritten."""
        with self._write("write to") as conn:
            conn.execute(
                "INSERT INTO report_targets (target, sha1, revid, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (target) DO UPDATE SET sha1 = excluded.sha1, "
                "revid = excluded.revid, updated = excluded.updated",
                (target, sha1, revid, _now()),
            )


_RUN_QUERY = (
    "SELECT runs.*, (SELECT count(*) FROM edits WHERE edits.run_id = runs.id) AS edit_count "
    "FROM runs"
)


def _opt(value: str | Path | None) -> str | None:
    return str(value) if value is not None else None


def _run(row: sqlite3.Row) -> RunSummary:
    return RunSummary(
        id=row["id"],
        started=row["started"],
        finished=row["finished"],
        mode=row["mode"],
        mapping=row["mapping"],
        status=row["status"],
        edits=row["edit_count"],
    )


def _state(row: sqlite3.Row) -> PageState:
    return PageState(
        api_url=row["api_url"],
        page=row["page"],
        last_seen_revid=row["last_seen_revid"],
        last_written_revid=row["last_written_revid"],
        canonical_fingerprint=row["canonical_fingerprint"],
        updated=row["updated"],
        result=json.loads(row["result_json"]) if row["result_json"] else None,
    )
