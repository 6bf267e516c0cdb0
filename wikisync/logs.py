"""Logging for long runs: one line per event, for people (text) or for log collectors (JSON).

A scheduled runner is watched through its logs, so each event carries its facts as fields
(``extra=``) as well as in the message: the JSON form keeps them as keys, the text form shows
the message. Every line, tracebacks included, passes through :func:`redaction.redact`, so a
password that slipped into an exception text never reaches the log.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

from .redaction import redact

__all__ = ["LOG_FORMATS", "JsonFormatter", "TextFormatter", "setup_logging"]

LOG_FORMATS = ("text", "json")
LogFormat = Literal["text", "json"]

_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


def _timestamp(record: logging.LogRecord) -> str:
    when = datetime.fromtimestamp(record.created, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra=`` fields of a record: everything not part of a plain LogRecord."""
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class TextFormatter(logging.Formatter):
    """``2026-05-01T12:00:00.000Z INFO [job] message``, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        job = getattr(record, "job", None)
        where = f" [{job}]" if job else ""
        line = f"{_timestamp(record)} {record.levelname:<7}{where} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(_fields(record))
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return redact(json.dumps(data, ensure_ascii=False, default=str))


def setup_logging(
    fmt: LogFormat = "text", *, verbose: bool = False, stream: IO[str] | None = None
) -> logging.Handler:
    """Send wikisync's logs to ``stream`` (stderr) in ``fmt``; returns the handler."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("wikisync")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    return handler
