"""The jobs file: every form it allows, and every mistake refused with file:line.

Each ``tests/data/jobs/bad-*.yaml`` starts with ``# expect: LINE: MESSAGE``; the test loads it
and checks that exact line and that text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wikisync.errors import InputError
from wikisync.jobsfile import Interval, load_jobs, parse_interval

from .clirun import run_cli

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "jobs"
BAD = sorted(DATA.glob("bad-*.yaml"))


def expectation(path: Path) -> tuple[int, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    found = re.match(r"# expect: (\d+): (.+)$", first)
    assert found, f"{path.name} must start with '# expect: LINE: MESSAGE'"
    return int(found.group(1)), found.group(2)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_jobs_file_is_refused_with_file_and_line(path: Path) -> None:
    line, message = expectation(path)
    with pytest.raises(InputError) as caught:
        load_jobs(path)
    assert caught.value.source == str(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize("name", ["bad-unknown-key", "bad-unit", "bad-time"])
def test_the_command_exits_2_naming_file_and_line(name: str, tmp_path: Path) -> None:
    path = DATA / f"{name}.yaml"
    line, message = expectation(path)
    result = run_cli("run", str(path), "--once", env={"WIKISYNC_STORE": str(tmp_path / "s")})
    assert result.returncode == 2
    assert f"{path}:{line}: " in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "s").exists()  # refused before anything was opened


def test_every_form_the_file_allows() -> None:
    jobs = load_jobs(DATA / "good.yaml")
    publish, daily, days = jobs.jobs
    assert jobs.resolve(jobs.store or Path()) == DATA / "state" / "wikisync.sqlite3"
    assert jobs.retry.first_seconds == 30 and jobs.retry.max_seconds == 7200
    assert jobs.mapping_path(publish).resolve() == (ROOT / "mappings/miraheze/mapping.yaml")
    assert (publish.mode, publish.interval, publish.describe_schedule()) == (
        "publish",
        Interval(1, "minutes"),
        "every 1 minute",
    )
    assert publish.report.output_format() == "json"
    assert publish.report.wiki_page == "User:{user}/wikisync/org"
    assert daily.interval is None and daily.describe_schedule() == "daily at 06:30"
    assert daily.report.stdout and daily.report.output_format() == "markdown"
    assert days.interval == Interval(2, "days") and days.interval.seconds == 2 * 86400
    assert days.report.output_format() == "text" and days.report.file is None


def test_the_bundled_example_loads() -> None:
    jobs = load_jobs(ROOT / "mappings" / "miraheze" / "jobs.yaml")
    assert [job.mode for job in jobs.jobs] == ["publish", "report"]
    assert all(jobs.mapping_path(job).is_file() for job in jobs.jobs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 second", Interval(1, "seconds")),
        ("45 Minutes", Interval(45, "minutes")),
        ("  3 hours ", Interval(3, "hours")),
        ("7 day", Interval(7, "days")),
    ],
)
def test_intervals(text: str, expected: Interval) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["", "5", "minutes", "-1 minutes", "1.5 hours", "3 weeks"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)
