"""Keep secrets out of everything wikisync writes: messages, logs, reports, tracebacks.

Secrets are registered when they are read (environment or credentials file) and replaced by
``*****`` wherever text leaves the process through the CLI or the logs.
"""

from __future__ import annotations

import os

__all__ = ["redact", "register_secret"]

_SECRETS: set[str] = set()


def register_secret(secret: str) -> None:
    """Remember a value that must never be shown (short values are ignored: too common)."""
    if len(secret) >= 4:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret, and the password from the environment, masked."""
    env = os.environ.get("WIKISYNC_PASSWORD")
    secrets = _SECRETS | ({env} if env and len(env) >= 4 else set())
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "*****")
    return text
