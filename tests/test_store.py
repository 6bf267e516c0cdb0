"""The SQLite audit store: runs, edits, page state, schema migration, and refusing bad files."""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import pytest
from platformdirs import user_data_dir

from wikisync import store as store_module
from wikisync.errors import InputError
from wikisync.model import Finding
from wikisync.redaction import register_secret
from wikisync.store import SCHEMA_VERSION, Store, clean_url, default_store_path

API = "https://meta.miraheze.org/w/api.php"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "wikisync.sqlite3"


def test_run_lifecycle_and_history(db: Path) -> None:
    with Store(db) as store:
        first = store.start_run("check", "mappings/miraheze/mapping.yaml")
        second = store.start_run("publish", Path("m.yaml"))
        assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", first)
        assert first != second
        running = store.get_run(first)
        assert running is not None
        assert (running.status, running.finished, running.mode) == ("running", None, "check")
        store.finish_run(first, "findings")
        runs = store.history()
        assert [r.id for r in runs] == [second, first]
        assert runs[1].status == "findings" and runs[1].finished is not None
        assert runs[1].mapping == "mappings/miraheze/mapping.yaml"
        assert [r.id for r in store.history(limit=1)] == [second]
        assert store.get_run("20000101-000000-0000") is None


def test_edits_are_kept_per_run_in_order(db: Path) -> None:
    typo = Finding(
        kind="typo",
        path=["Team: X"],
        message='"cover" should be "covers"',
        found="cover",
        expected="covers",
        fixable=True,
        basis="canonical",
    )
    with Store(db) as store:
        run = store.start_run("publish", "m.yaml")
        store.record_edit(
            run, page="A", api_url=API, old_revid=1, new_revid=2, summary="s1", findings=[typo]
        )
        store.record_edit(
            run,
            page="B",
            api_url=API,
            old_revid=5,
            new_revid=6,
            summary="s2",
            findings=[{"kind": "wording", "path": []}],
        )
        store.finish_run(run, "ok")
        edits = store.edits_for_run(run)
        assert [(e.page, e.old_revid, e.new_revid, e.summary) for e in edits] == [
            ("A", 1, 2, "s1"),
            ("B", 5, 6, "s2"),
        ]
        assert edits[0].findings == [typo.contract()]
        assert edits[0].api_url == API
        assert store.history()[0].edits == 2
        assert store.edits_for_run("20000101-000000-0000") == []


def test_store_survives_reopening(db: Path) -> None:
    with Store(db) as store:
        run = store.start_run("revert", None)
        store.record_edit(run, page="A", api_url=API, old_revid=2, new_revid=3, summary="undo")
    with Store(db) as store:
        assert store.history()[0].id == run
        assert store.edits_for_run(run)[0].summary == "undo"


def test_unknown_runs_and_modes_are_refused(db: Path) -> None:
    with Store(db) as store:
        with pytest.raises(InputError, match="no run 'nope'"):
            store.finish_run("nope", "ok")
        with pytest.raises(InputError, match="no run 'nope'"):
            store.record_edit("nope", page="A", api_url=API, old_revid=1, new_revid=2, summary="s")
        with pytest.raises(InputError, match="unknown run mode 'dance'"):
            store.start_run("dance")  # type: ignore[arg-type]
        assert store.history() == []


def test_page_state_updates_only_what_is_given(db: Path) -> None:
    with Store(db) as store:
        assert store.get_page_state(API, "Tech:Organisation") is None
        store.set_page_state(API, "Tech:Organisation", last_seen_revid=10)
        state = store.set_page_state(
            API, "Tech:Organisation", last_written_revid=11, canonical_fingerprint="abc"
        )
        assert (state.last_seen_revid, state.last_written_revid) == (10, 11)
        state = store.set_page_state(API, "Tech:Organisation", last_seen_revid=12)
        assert (state.last_seen_revid, state.last_written_revid) == (12, 11)
        assert state.canonical_fingerprint == "abc"
        assert store.get_page_state(API, "Tech:Organisation") == state
        assert store.get_page_state("https://other.example/w/api.php", "Tech:Organisation") is None


def test_schema_is_versioned_and_in_wal_mode(db: Path) -> None:
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_migration_hook_upgrades_an_old_store(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db) as store:
        run = store.start_run("job", "jobs.yaml")
    step = ("ALTER TABLE runs ADD COLUMN note TEXT",)
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, step))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION + 1
        columns = {row[1] for row in store.conn.execute("PRAGMA table_info(runs)")}
        assert "note" in columns
        assert store.history()[0].id == run


def test_store_from_a_newer_wikisync_is_refused(db: Path) -> None:
    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(InputError, match="newer wikisync") as info:
        Store(db)
    assert info.value.source == str(db)


def test_corrupt_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(InputError) as info:
        Store(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "not a database" in str(info.value)


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(InputError, match="not a wikisync store"):
        Store(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open the wikisync store") as info:
        Store(tmp_path)
    assert info.value.source == str(tmp_path)


def test_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env.sqlite3"
    monkeypatch.setenv("WIKISYNC_STORE", str(target))
    assert default_store_path() == target
    with Store() as store:
        assert store.path == target
    assert target.is_file()
    monkeypatch.delenv("WIKISYNC_STORE")
    expected = Path(user_data_dir("wikisync", appauthor=False)) / "wikisync.sqlite3"
    assert default_store_path() == expected


def test_no_secret_reaches_the_file(db: Path) -> None:
    secret = "s3cr3t-bot-password-0123456789abcdef"
    register_secret(secret)
    with Store(db) as store:
        run = store.start_run("publish", "m.yaml")
        store.record_edit(
            run,
            page="A",
            api_url=f"https://bot:{secret}@meta.miraheze.org/w/api.php?token={secret}#x",
            old_revid=1,
            new_revid=2,
            summary=f"oops {secret}",
            findings=[{"kind": "typo", "message": secret}],
        )
        edit = store.edits_for_run(run)[0]
        assert edit.api_url == API
        assert secret not in edit.summary
        assert secret not in str(edit.findings)
    for path in db.parent.iterdir():
        assert secret.encode() not in path.read_bytes()


def test_clean_url_keeps_scheme_host_port_and_path() -> None:
    assert clean_url("http://user:pw@127.0.0.1:8080/api.php?x=1") == "http://127.0.0.1:8080/api.php"
    assert clean_url("https://[::1]:8443/w/api.php") == "https://[::1]:8443/w/api.php"
    assert clean_url(API) == API


def test_two_handles_on_one_file(db: Path) -> None:
    with Store(db) as one, Store(db) as two:
        run = one.start_run("job", "jobs.yaml")
        two.finish_run(run, "ok")
        summary = one.get_run(run)
        assert summary is not None and summary.status == "ok"
