"""The jobs file: which mappings ``wikisync run`` checks or publishes, how often, reported where.

Like a mapping, it is YAML edited by hand and kept in git, so it is validated strictly
(unknown keys refused) and every complaint names the file and line. Paths in it are relative
to the jobs file. A job runs either every so often (``every: 30 minutes``) or once a day at a
local time (``at: "03:15"``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InputError
from .yamlsource import LocatedYaml, load_model_with_path

__all__ = [
    "REPORT_FORMATS",
    "UNITS",
    "Interval",
    "JobSpec",
    "JobsFile",
    "ReportSpec",
    "RetrySpec",
    "load_jobs",
    "parse_interval",
]

UNITS = ("seconds", "minutes", "hours", "days")
"""Units an ``every`` interval may use (singular forms are accepted too)."""
REPORT_FORMATS = ("text", "markdown", "json")
_INTERVAL = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$")
_DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Interval(NamedTuple):
    """``every: 30 minutes`` as ``Interval(30, "minutes")``."""

    number: int
    unit: str

    @property
    def seconds(self) -> float:
        return timedelta(**{self.unit: self.number}).total_seconds()

    def __str__(self) -> str:
        return f"{self.number} {self.unit if self.number != 1 else self.unit[:-1]}"


def parse_interval(text: str) -> Interval:
    """``"30 minutes"`` -> ``Interval(30, "minutes")``; ValueError for anything else."""
    found = _INTERVAL.match(text.lower())
    if found is None:
        raise ValueError('write an interval as "<number> <unit>", e.g. "30 minutes"')
    count, unit = int(found.group(1)), found.group(2)
    unit = unit if unit.endswith("s") else unit + "s"
    if unit not in UNITS:
        raise ValueError(f"unknown unit {found.group(2)!r}; use {', '.join(UNITS)}")
    if count < 1:
        raise ValueError("an interval must be at least 1")
    return Interval(count, unit)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportSpec(_Strict):
    """Where a job's report goes; every target is optional."""

    file: Path | None = None
    """Rewritten when the report changes (or the file is gone)."""
    format: Literal["text", "markdown", "json"] | None = None
    """For ``file`` and ``stdout``; by default from the file's extension, else text."""
    stdout: bool = False
    """Print the report after every run of the job."""
    wiki_page: str | None = Field(default=None, min_length=1)
    """A page the bot writes the report to, only when it changed. ``{user}`` is the bot's
    account name, e.g. ``User:{user}/wikisync/Tech Organisation``."""

    @field_validator("wiki_page")
    @classmethod
    def _plain_title(cls, title: str | None) -> str | None:
        if title is not None and any(c in title.replace("{user}", "") for c in "|#<>[]{}\n"):
            raise ValueError("not a valid page title ({user} is the only placeholder)")
        return title

    def output_format(self) -> str:
        if self.format is not None:
            return self.format
        suffix = self.file.suffix.lower() if self.file is not None else ""
        return {".json": "json", ".md": "markdown"}.get(suffix, "text")


class RetrySpec(_Strict):
    """How soon a failed job is tried again: ``first``, doubled each time up to ``max``."""

    first: str = "1 minute"
    max: str = "1 hour"

    @field_validator("first", "max")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_interval(value)
        return value

    @property
    def first_seconds(self) -> float:
        return parse_interval(self.first).seconds

    @property
    def max_seconds(self) -> float:
        return parse_interval(self.max).seconds


class JobSpec(_Strict):
    """One job: a mapping, what to do with it, and when."""

    name: str
    mapping: Path
    mode: Literal["report", "publish"]
    every: str | None = None
    """An interval: ``"<number> seconds|minutes|hours|days"``."""
    at: str | None = None
    """A daily local time, ``"HH:MM"``."""
    report: ReportSpec = Field(default_factory=ReportSpec)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("use letters, digits, '.', '_' and '-' (at most 64)")
        return name

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        if value is not None and not _DAILY.match(value):
            raise ValueError('a daily time is "HH:MM" (24-hour clock), e.g. "03:15"')
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if (self.every is None) == (self.at is None):
            raise ValueError("give exactly one of every (an interval) or at (a daily time)")
        return self

    @property
    def interval(self) -> Interval | None:
        return parse_interval(self.every) if self.every is not None else None

    def describe_schedule(self) -> str:
        return f"every {self.interval}" if self.every is not None else f"daily at {self.at}"


class JobsFile(_Strict):
    """The whole file. ``path`` is set by the loader; relative paths resolve against it."""

    store: Path | None = None
    """The state and audit database; by default WIKISYNC_STORE or the user's data folder."""
    retry: RetrySpec = Field(default_factory=RetrySpec)
    jobs: list[JobSpec] = Field(min_length=1)
    path: Path = Field(default=Path("jobs.yaml"), exclude=True)

    def resolve(self, path: Path) -> Path:
        """A path from the jobs file, relative to the jobs file's folder."""
        return path if path.is_absolute() else self.path.parent / path

    def mapping_path(self, job: JobSpec) -> Path:
        return self.resolve(job.mapping)


def load_jobs(path: Path) -> JobsFile:
    """Load and validate a jobs file; every problem is an InputError naming file and line."""
    located = LocatedYaml(path)
    loaded = load_model_with_path(JobsFile, located, what="jobs file")
    seen: dict[str, int] = {}
    for index, job in enumerate(loaded.jobs):
        line = located.line_of(("jobs", index, "name"))
        if job.name in seen:
            raise InputError(
                f"duplicate job name {job.name!r} (first on line {seen[job.name]})",
                source=str(path),
                line=line,
            )
        seen[job.name] = line or 0
        mapping = loaded.mapping_path(job)
        if not mapping.is_file():
            raise InputError(
                f"mapping file not found: {mapping}",
                source=str(path),
                line=located.line_of(("jobs", index, "mapping")),
            )
    return loaded
