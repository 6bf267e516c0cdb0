"""``wikisync run``: the real runner, as a process, against the test wiki, on second-scale times.

Each wiki test seeds its own pages, writes a jobs file and a mapping into its temp folder and
reads the runner's JSON logs, the wiki's request log, the wiki's revisions and the store.
The scheduling itself (retries, other jobs keeping their times) and the three-way marking
are also tested in-process, without the wiki.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from wikisync.errors import InputError
from wikisync.jobs import Runner
from wikisync.jobsfile import JobsFile, JobSpec
from wikisync.logs import JsonFormatter, TextFormatter
from wikisync.mapping import Conventions
from wikisync.model import Finding
from wikisync.parse import parse_page
from wikisync.redaction import register_secret
from wikisync.store import MIGRATIONS, SCHEMA_VERSION, Store
from wikisync.threeway import HUMAN_EDIT_NOTE, protect_touched, touched_units

from .clirun import ROOT, run_cli
from .mediawiki_server import MediaWikiServer

PAGES = Path(__file__).parent / "data" / "pages"
SEED = (PAGES / "seed.wikitext").read_text()
CANONICAL = ROOT / "mappings" / "miraheze" / "canonical" / "sre-2021.yaml"
MAPPING = Path(__file__).parent / "data" / "edit" / "mapping.yaml"
DEPARTMENT = "Department: Site Reliability Engineering"


# -- files, processes, logs ---------------------------------------------------------------


def write_mapping(
    folder: Path, wiki: MediaWikiServer, titles: list[str], name: str = "mapping.yaml"
) -> Path:
    """The edit tests' mapping (spelling off, every kind fixable) with its own canonical copy."""
    canonical = folder / f"{Path(name).stem}.canonical.yaml"
    if not canonical.exists():
        canonical.write_text(CANONICAL.read_text())
    data = yaml.safe_load(MAPPING.read_text())
    data["wiki"]["api_url"] = wiki.api_url
    data["pages"] = {"titles": titles}
    data["canonical"] = canonical.name
    data.pop("snapshot")
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_jobs(folder: Path, jobs: list[dict[str, Any]], **top: Any) -> Path:
    path = folder / "jobs.yaml"
    path.write_text(
        yaml.safe_dump({"retry": {"first": "1 second", "max": "2 seconds"}, **top, "jobs": jobs})
    )
    return path


def runner_env(wiki: MediaWikiServer, folder: Path) -> dict[str, str]:
    return {
        "WIKISYNC_USERNAME": wiki.bot_username,
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_STORE": str(folder / "store.sqlite3"),
    }


def events(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def cycles(log: list[dict[str, Any]], job: str | None = None) -> list[dict[str, Any]]:
    return [e for e in log if e.get("event") == "cycle" and job in (None, e["job"])]


class RunnerProcess:
    """``wikisync run`` as a background process whose JSON log lines are collected as read."""

    def __init__(self, jobs: Path, env: dict[str, str], *args: str) -> None:
        full = {k: v for k, v in os.environ.items() if not k.startswith("WIKISYNC_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wikisync", "run", str(jobs), "--log-format", "json", *args],
            env={**full, **env},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._seen:
                self.raw.append(line)
                if line.startswith("{"):
                    self.log.append(json.loads(line))
                self._seen.notify_all()

    def wait_for(self, test: Callable[[list[dict[str, Any]]], bool], timeout: float = 30) -> None:
        with self._seen:
            if not self._seen.wait_for(
                lambda: test(self.log) or self.proc.poll() is not None, timeout
            ):
                raise AssertionError(f"timed out; log so far: {''.join(self.raw)}")
            assert test(self.log), f"runner exited early: {''.join(self.raw)}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # say what the runner was doing, so a slow stop can be told from a hung one
            raise AssertionError(
                f"runner did not stop within {timeout} s; its log ends with:\n"
                + "".join(self.raw[-20:])
            ) from None
        self._reader.join(5)
        return code

    @property
    def stderr(self) -> str:
        return "".join(self.raw)


@pytest.fixture
def runners() -> Iterator[list[RunnerProcess]]:
    """Runners a test started; killed at the end if the test left one running."""
    started: list[RunnerProcess] = []
    yield started
    for runner in started:
        if runner.proc.poll() is None:
            runner.proc.kill()
            runner.proc.wait()


def store_rows(folder: Path, query: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(folder / "store.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def bot_edits(wiki: MediaWikiServer, title: str) -> list[int]:
    answer = wiki.api(
        {
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": "ids|user",
            "rvlimit": "max",
        }
    )
    revisions = answer["query"]["pages"][0]["revisions"]
    return [r["revid"] for r in revisions if r["user"] == wiki.bot_account]


def logins(requests: list[dict[str, Any]]) -> int:
    return sum(1 for r in requests if r["params"].get("action") == "login")


# -- against the wiki ---------------------------------------------------------------------


@pytest.mark.wiki
def test_edits_then_unchanged_cycles_read_no_content_and_keep_the_login(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    titles = [f"{fresh_title}/{n}" for n in range(3)]
    mediawiki.import_pages({title: SEED for title in titles})
    write_mapping(tmp_path, mediawiki, titles)
    jobs = write_jobs(
        tmp_path,
        [
            {
                "name": "org",
                "mapping": "mapping.yaml",
                "mode": "publish",
                "every": "1 second",
                "report": {"file": "report.json"},
            }
        ],
    )
    since = len(mediawiki.api_requests())
    runner = RunnerProcess(jobs, runner_env(mediawiki, tmp_path))
    runners.append(runner)
    runner.wait_for(lambda log: len(cycles(log)) >= 3)
    assert runner.stop() == 0
    first, *later = cycles(runner.log)
    assert (first["checked"], first["edits"], first["findings"]) == (3, 3, 0)
    for cycle in later:
        assert (cycle["checked"], cycle["skipped_unchanged"], cycle["edits"]) == (0, 3, 0)
        assert cycle["requests"] == 1  # prop=info for the three revision ids, nothing else
    requests = mediawiki.api_requests(since)
    content = mediawiki.content_queries(since)
    assert len(content) == 1 and set(content[0]["params"]["titles"].split("|")) == set(titles)
    assert logins(requests) == 1  # the session is kept from one cycle to the next
    for title in titles:
        revid, text = mediawiki.read(title)
        assert "pro-active" not in text and "that covers the" in text
        assert bot_edits(mediawiki, title) == [revid]
    state = {r["page"]: r for r in store_rows(tmp_path, "SELECT * FROM page_state")}
    assert {t: state[t]["last_written_revid"] for t in titles} == {
        t: mediawiki.read(t)[0] for t in titles
    }
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"] == {
        "pages": 3,
        "findings": 0,
        "fixable": 0,
        "by_kind": {},
        "problems": 0,
    }
    assert mediawiki.bot_password not in runner.stderr


@pytest.mark.wiki
def test_a_lost_login_is_renewed_once_and_the_cycle_goes_on(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    mediawiki.import_pages({fresh_title: SEED})
    write_mapping(tmp_path, mediawiki, [fresh_title])
    jobs = write_jobs(
        tmp_path,
        [{"name": "org", "mapping": "mapping.yaml", "mode": "publish", "every": "1 second"}],
    )
    since = len(mediawiki.api_requests())
    runner = RunnerProcess(jobs, runner_env(mediawiki, tmp_path))
    runners.append(runner)
    runner.wait_for(lambda log: len(cycles(log)) == 1)
    # the wiki forgets every session (as when its session store is flushed)
    with sqlite3.connect(mediawiki.data_dir / "wikicache.sqlite") as cache:
        cache.execute("DELETE FROM objectcache WHERE keyname LIKE '%session%'")
    runner.wait_for(lambda log: len(cycles(log)) == 3)
    assert runner.stop() == 0
    assert [e["event"] for e in runner.log].count("relogin") == 1
    assert [c["exit_code"] for c in cycles(runner.log)] == [0, 0, 0]
    assert not [e for e in runner.log if e.get("event") == "job-failed"]
    assert logins(mediawiki.api_requests(since)) == 2


@pytest.mark.wiki
def test_a_human_edit_survives_and_the_rest_is_still_fixed(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path
) -> None:
    mediawiki.import_pages({fresh_title: SEED})
    write_mapping(tmp_path, mediawiki, [fresh_title])
    jobs = write_jobs(
        tmp_path,
        [
            {
                "name": "org",
                "mapping": "mapping.yaml",
                "mode": "publish",
                "every": "1 hour",
                "report": {"file": "report.json"},
            }
        ],
    )
    env = runner_env(mediawiki, tmp_path)
    assert run_cli("run", str(jobs), "--once", env=env).returncode == 0
    written, fixed = mediawiki.read(fresh_title)
    # a person puts their own word back in the department; the approved text of the
    # director changes in git at the same time
    human_text = fixed.replace("that covers the", "that cover the")
    human = mediawiki.edit_as_human(fresh_title, human_text, "my wording")
    canonical = tmp_path / "mapping.canonical.yaml"
    canonical.write_text(canonical.read_text().replace("day-to-day management", "daily management"))

    since = len(mediawiki.api_requests())
    second = run_cli("run", str(jobs), "--once", "--log-format", "json", env=env)
    assert second.returncode == 0, second.stderr
    content = mediawiki.content_queries(since)
    revid, text = mediawiki.read(fresh_title)
    assert revid not in (written, human)
    assert "that cover the pre-existing" in text  # the person's edit survives
    assert "perform daily management" in text  # the rest of the page is still fixed
    assert text.replace("daily management", "day-to-day management") == human_text
    [cycle] = cycles(events(second.stderr))
    assert (cycle["edits"], cycle["protected"]) == (1, 1)
    assert len(content) == 2  # the current text, and (by revision id) wikisync's last one
    assert sorted(q["params"].get("revids", "") for q in content) == ["", str(written)]
    [finding] = json.loads((tmp_path / "report.json").read_text())["pages"][0]["findings"]
    assert finding["path"] == [DEPARTMENT] and finding["found"] == "cover"
    assert finding["fixable"] is False and HUMAN_EDIT_NOTE in finding["message"]

    # unchanged from here: nothing read, nothing written, the finding still reported
    since = len(mediawiki.api_requests())
    third = run_cli("run", str(jobs), "--once", "--log-format", "json", env=env)
    assert third.returncode == 0
    assert mediawiki.content_queries(since) == []
    assert mediawiki.read(fresh_title)[0] == revid
    [cycle] = cycles(events(third.stderr))
    assert (cycle["skipped_unchanged"], cycle["findings"], cycle["protected"]) == (1, 1, 1)


@pytest.mark.wiki
def test_broken_jobs_do_not_stop_a_good_one(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path
) -> None:
    mediawiki.import_pages({fresh_title: SEED})
    write_mapping(tmp_path, mediawiki, [f"{fresh_title}/does not exist"], "missing.yaml")
    write_mapping(tmp_path, mediawiki, [fresh_title], "broken.yaml")
    (tmp_path / "broken.canonical.yaml").write_text("units:\n  - kind: planet\n    name: Mars\n")
    write_mapping(tmp_path, mediawiki, [fresh_title], "good.yaml")
    jobs = write_jobs(
        tmp_path,
        [
            {"name": name, "mapping": f"{name}.yaml", "mode": mode, "every": "1 hour"}
            for name, mode in (("missing", "report"), ("broken", "publish"), ("good", "publish"))
        ],
    )
    result = run_cli(
        "run", str(jobs), "--once", "--log-format", "json", env=runner_env(mediawiki, tmp_path)
    )
    assert result.returncode == 2, result.stderr  # the worst job's exit code
    log = events(result.stderr)
    [missing] = cycles(log, "missing")
    assert missing["problems"] == 1 and missing["exit_code"] == 2
    [failed] = [e for e in log if e.get("event") == "job-failed"]
    assert (
        failed["job"] == "broken" and "broken.canonical.yaml:2: units.0.kind" in failed["message"]
    )
    [good] = cycles(log, "good")
    assert good["edits"] == 1 and good["exit_code"] == 0
    assert "pro-active" not in mediawiki.read(fresh_title)[1]


@pytest.mark.wiki
def test_sigterm_mid_cycle_finishes_the_edit_keeps_the_store_consistent_and_exits_0(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    titles = [f"{fresh_title}/{n:02d}" for n in range(12)]
    before = mediawiki.import_pages({title: SEED for title in titles})
    write_mapping(tmp_path, mediawiki, titles)
    jobs = write_jobs(
        tmp_path, [{"name": "org", "mapping": "mapping.yaml", "mode": "publish", "every": "1 hour"}]
    )
    env = runner_env(mediawiki, tmp_path)
    runner = RunnerProcess(jobs, env, "--once")
    runners.append(runner)
    runner.wait_for(lambda log: any(e.get("event") == "edit" for e in log))
    assert runner.stop() == 0
    edited = [e["page"] for e in runner.log if e.get("event") == "edit"]
    assert 1 <= len(edited) < len(titles)
    [cycle] = cycles(runner.log)
    assert cycle["stopped"] is True
    runs = store_rows(tmp_path, "SELECT * FROM runs")
    assert [r["status"] for r in runs] == ["stopped"]
    edits = {r["page"]: r["new_revid"] for r in store_rows(tmp_path, "SELECT * FROM edits")}
    state = {r["page"]: r for r in store_rows(tmp_path, "SELECT * FROM page_state")}
    now = mediawiki.latest_revids(titles)
    for title in titles:
        if title in edited:  # the edit, its audit row and the page's state all agree
            assert edits[title] == now[title] == state[title]["last_written_revid"]
            assert state[title]["last_seen_revid"] == now[title]
        else:  # untouched, and nothing recorded that would skip it next time
            assert now[title] == before[title] and title not in edits
            assert title not in state
    again = run_cli("run", str(jobs), "--once", "--log-format", "json", env=env)
    assert again.returncode == 0
    assert cycles(events(again.stderr))[0]["edits"] == len(titles) - len(edited)
    assert all(len(bot_edits(mediawiki, title)) == 1 for title in titles)


@pytest.mark.wiki
def test_a_second_runner_on_the_same_jobs_file_exits_2_naming_the_holder(
    mediawiki: MediaWikiServer, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    write_mapping(tmp_path, mediawiki, ["Tech:Organisation"])
    jobs = write_jobs(
        tmp_path, [{"name": "org", "mapping": "mapping.yaml", "mode": "report", "every": "1 hour"}]
    )
    env = runner_env(mediawiki, tmp_path)
    first = RunnerProcess(jobs, env)
    runners.append(first)
    first.wait_for(lambda log: len(cycles(log)) == 1)
    second = run_cli("run", str(jobs), "--once", env=env)
    assert second.returncode == 2
    assert f"pid {first.proc.pid} on {socket.gethostname()} since " in second.stderr
    assert "one runner per jobs file" in second.stderr
    started = time.monotonic()
    assert first.stop(signal.SIGINT) == 0
    assert time.monotonic() - started < 5  # an idle runner stops at once
    assert run_cli("run", str(jobs), "--once", env=env).returncode == 1  # free again; findings


@pytest.mark.wiki
def test_the_report_page_is_written_only_when_the_report_changes(
    mediawiki: MediaWikiServer, fresh_title: str, tmp_path: Path
) -> None:
    mediawiki.import_pages({fresh_title: SEED})
    write_mapping(tmp_path, mediawiki, [fresh_title])
    report_page = f"User:{{user}}/wikisync/{fresh_title.replace('/', '-')}"
    jobs = write_jobs(
        tmp_path,
        [
            {
                "name": "org",
                "mapping": "mapping.yaml",
                "mode": "report",
                "every": "1 hour",
                "report": {"wiki_page": report_page, "stdout": True},
            }
        ],
    )
    env = runner_env(mediawiki, tmp_path)
    page = report_page.replace("{user}", mediawiki.bot_account)

    def run_and_count_report_edits() -> tuple[subprocess.CompletedProcess[str], int]:
        since = len(mediawiki.api_requests())
        result = run_cli("run", str(jobs), "--once", env=env)
        assert result.returncode == 1, result.stderr  # a report job with findings
        saves = [r for r in mediawiki.api_requests(since) if r["params"].get("action") == "edit"]
        return result, len(saves)

    first, saves = run_and_count_report_edits()
    assert saves == 1 and "6 findings: 5 typo, 1 wording" in first.stdout
    revid, text = mediawiki.read(page)
    assert "6 findings: 5 typo, 1 wording" in text and "&#91;" not in text.split("\n")[1]
    assert "| 7 || typo || Department: Site Reliability Engineering ||" in text

    second, saves = run_and_count_report_edits()
    assert saves == 0 and mediawiki.read(page)[0] == revid
    assert second.stdout == first.stdout  # stdout gets the report every time

    _, current = mediawiki.read(fresh_title)
    mediawiki.edit_as_human(fresh_title, current.replace("budget holder", "budgett holder"))
    _, saves = run_and_count_report_edits()
    assert saves == 1
    new_revid, new_text = mediawiki.read(page)
    assert new_revid != revid and "7 findings: 6 typo, 1 wording" in new_text


# -- without the wiki ---------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_while_the_others_keep_their_times(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.yaml").write_text("")
    spec = JobsFile(
        retry={"first": "1 second", "max": "2 seconds"},
        jobs=[
            JobSpec(name="bad", mapping=Path("m.yaml"), mode="report", every="1 hour"),
            JobSpec(name="worse", mapping=Path("m.yaml"), mode="report", every="1 hour"),
            JobSpec(name="good", mapping=Path("m.yaml"), mode="report", every="1 second"),
        ],
        path=tmp_path / "jobs.yaml",
    )
    calls: dict[str, list[float]] = {"bad": [], "worse": [], "good": []}
    start = time.monotonic()

    def execute(job: JobSpec) -> int:
        calls[job.name].append(time.monotonic() - start)
        if job.name == "bad":
            raise RuntimeError("a bug in this job")
        if job.name == "worse":
            raise InputError("bad canonical data", source="c.yaml", line=3)
        return 0

    runner = Runner(spec, None, execute=execute)
    thread = threading.Thread(target=runner.run_forever, kwargs={"poll": 0.05})
    thread.start()
    time.sleep(4.6)
    runner.stop.set()
    thread.join(5)
    assert not thread.is_alive()
    for name in ("bad", "worse"):  # at once, then 1 s later, then 2 s later (the maximum)
        assert calls[name] == pytest.approx([0, 1, 3], abs=0.4), calls
    good = calls["good"]
    assert len(good) >= 4 and all(0.9 < b - a < 1.5 for a, b in itertools.pairwise(good))
    assert runner.failures == {"bad": 3, "worse": 3}


def test_three_way_marks_only_the_units_a_person_touched() -> None:
    conventions = Conventions()
    base = parse_page(SEED, title="T", conventions=conventions)
    edited = SEED.replace("that cover the", "that cover all the").replace(
        "== See also ==", "== Team: Newcomers ==\nA team a person added.\n\n== See also =="
    )
    current = parse_page(edited, title="T", conventions=conventions)
    touched = touched_units(base, current)
    assert touched == {(DEPARTMENT,), ("Team: Newcomers",)}
    findings = [
        Finding(kind="typo", path=[DEPARTMENT], message="m", fixable=True),
        Finding(
            kind="missing-position", path=[DEPARTMENT, "Position: X"], message="m", fixable=True
        ),
        Finding(kind="missing-bullet", path=[DEPARTMENT, "Position: Y"], message="m", fixable=True),
        Finding(
            kind="typo",
            path=["Team: Infrastructure, Site Reliability Engineering"],
            message="m",
            fixable=True,
        ),
    ]
    marked, kept = protect_touched(findings, touched)
    assert [f.fixable for f in marked] == [False, False, True, True]
    assert all(HUMAN_EDIT_NOTE in f.message for f in marked[:2])
    assert kept == {(DEPARTMENT,)}
    assert touched_units(base, parse_page(SEED + "\n\n", title="T")) == set()


def test_logs_are_redacted_in_both_formats() -> None:
    register_secret("hunter2-secret-value")
    record = logging.LogRecord(
        "wikisync.jobs",
        logging.ERROR,
        __file__,
        1,
        "login failed for %s",
        ("hunter2-secret-value",),
        None,
    )
    record.job = "org"
    record.event = "job-failed"
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "login failed for *****"
    assert (data["job"], data["event"], data["level"]) == ("org", "job-failed", "error")
    text = TextFormatter().format(record)
    assert text.endswith("ERROR   [org] login failed for *****")


def test_interval_jobs_are_due_at_once_and_daily_ones_at_their_time(tmp_path: Path) -> None:
    spec = JobsFile(
        jobs=[
            JobSpec(name="often", mapping=Path("m.yaml"), mode="report", every="15 minutes"),
            JobSpec(name="daily", mapping=Path("m.yaml"), mode="report", at="03:15"),
        ],
        path=tmp_path / "jobs.yaml",
    )
    runner = Runner(spec, None, execute=lambda job: 0)
    runner.plan_schedule()
    often, daily = runner.scheduler.jobs
    assert often.should_run and not daily.should_run
    assert (daily.next_run.hour, daily.next_run.minute) == (3, 15)
    assert often.interval == 15 and often.unit == "minutes"


def test_the_store_gains_the_result_column_and_report_targets_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO page_state VALUES ('http://w/api.php', 'P', 5, 4, 'f', '2026-01-01T00:00:00Z')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        [(title, old)] = store.page_states("http://w/api.php", ["P", "Q"]).items()
        assert (title, old.last_seen_revid, old.last_written_revid, old.result) == ("P", 5, 4, None)
        store.set_page_state("http://w/api.php", "P", last_seen_revid=6, result={"findings": []})
        new = store.get_page_state("http://w/api.php", "P")
        assert new is not None
        assert (new.last_seen_revid, new.last_written_revid, new.result) == (6, 4, {"findings": []})
        assert store.report_sha1("wiki:x") is None
        store.set_report("wiki:x", "a" * 40, 7)
        assert store.report_sha1("wiki:x") == "a" * 40
