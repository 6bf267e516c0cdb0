"""Where and as whom to connect: the wiki's api.php URL and the bot's credentials.

Credentials come from the environment or from a file only its owner can read; never from
mapping YAML, never printed.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import InputError
from .yamlsource import read_text_file

__all__ = ["ApiEndpoint", "credentials_from_env_or_file", "parse_api_url"]


@dataclass(frozen=True)
class ApiEndpoint:
    """An api.php URL split the way ``mwclient.Site`` wants it."""

    scheme: str
    host: str
    """Host name with the port, if any (``[::1]:8080`` for IPv6)."""
    path: str
    """Script path with the trailing slash, e.g. ``/w/``."""

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}api.php"


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def parse_api_url(url: str, *, allow_insecure_http: bool = False) -> ApiEndpoint:
    """Check and split an api.php URL; plain http only for loopback or when allowed.

    Plain http would send the bot password and session cookie readable on the network.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}; give the wiki's api.php URL")
    if parts.username or parts.password:
        raise InputError("the API URL must not contain credentials; use WIKISYNC_USERNAME")
    if parts.query or parts.fragment:
        raise InputError(f"the API URL must not have a query or fragment: {url!r}")
    script_path, _, script = parts.path.rpartition("/")
    if script != "api.php":
        raise InputError(f"the API URL must end in /api.php: {url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise InputError(
            f"refusing plain http to {parts.hostname}: credentials would travel unencrypted; "
            "use https or pass --allow-insecure-http"
        )
    return ApiEndpoint(scheme=parts.scheme, host=parts.netloc, path=f"{script_path}/")


def credentials_from_env_or_file(credentials_file: Path | None) -> tuple[str, str] | None:
    """``(username, password)`` from the environment, else from a private file, else None.

    ``WIKISYNC_USERNAME`` and ``WIKISYNC_PASSWORD`` win. The file holds ``username=`` and
    ``password=`` lines (blank lines and ``#`` comments allowed) and must not be readable by
    group or others (mode 0600 or stricter).
    """
    env_user = os.environ.get("WIKISYNC_USERNAME", "")
    env_pass = os.environ.get("WIKISYNC_PASSWORD", "")
    if env_user and env_pass:
        return env_user, env_pass
    if env_user or env_pass:
        raise InputError("set both WIKISYNC_USERNAME and WIKISYNC_PASSWORD, or neither")
    if credentials_file is None:
        return None
    source = str(credentials_file)
    try:
        mode = credentials_file.stat().st_mode
    except FileNotFoundError:
        raise InputError("credentials file not found", source=source) from None
    except OSError as exc:
        reason = type(exc).__name__
        raise InputError(f"cannot read credentials file ({reason})", source=source) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"credentials file is readable by others (mode {stat.S_IMODE(mode):04o}); "
            "run chmod 600 on it",
            source=source,
        )
    # read like every input file: a pipe or device is refused instead of blocking
    try:
        text = read_text_file(credentials_file, what="credentials file", max_bytes=64 * 1024)
    except InputError as exc:
        detail = exc.message.rpartition("credentials file ")[2]
        raise InputError(
            f"cannot read credentials file: {detail}", source=source, line=exc.line
        ) from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        key = key.strip()
        if not sep or key not in ("username", "password") or key in values:
            raise InputError(
                "expected one 'username=...' and one 'password=...' line", source=source,
                line=number,
            )  # fmt: skip
        values[key] = value.strip()
    if not values.get("username") or not values.get("password"):
        raise InputError("credentials file needs both username= and password=", source=source)
    return values["username"], values["password"]
