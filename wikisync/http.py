"""The HTTP transport under mwclient: one request at a time, ``maxlag`` on each, bounded retries.

mwclient 0.11 adds ``maxlag`` only to index.php calls, sleeps linearly for up to 25 x 30 s,
ignores ``Retry-After`` and re-sends an edit after a timeout. wikisync hands mwclient an
:class:`ApiTransport` as its connection pool and sets mwclient's own retries to zero, so every
decision about waiting and retrying is made here, where it can see the status, the headers and
whether the request could already have changed the wiki.

A write (a POST carrying a ``token``, an upload, or anything sent inside
:meth:`ApiTransport.not_repeatable`) is retried only when the server certainly did not act on
it: the connection was never made, or the API refused it up front (``maxlag``, ``ratelimited``,
HTTP 429). Anything else is reported, so the caller can re-read the page instead of guessing.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from .apierrors import api_error
from .errors import WikiError, WikisyncError

__all__ = ["ApiTransport", "RetryPolicy"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_API_CODES = frozenset({"maxlag", "ratelimited"})
"""API errors the server gives before doing anything, so even a write may be sent again."""
TRANSIENT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: exponential backoff, ``Retry-After`` honoured but capped."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    """No single wait is longer, whatever ``Retry-After`` asks for."""
    max_total_wait: float = 180.0
    """Give up rather than sleep past this many seconds in total for one request."""

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        backoff = self.base_delay * 2.0 ** (retry - 1)
        wanted = max(backoff, retry_after or 0.0)
        return min(wanted, self.max_delay)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


def _never_reached_server(err: requests.RequestException) -> bool:
    """True when the request cannot have been received: no connection was ever made."""
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(err, requests.exceptions.ConnectionError) and err.args:
        reason = getattr(err.args[0], "reason", None)
        return isinstance(reason, NewConnectionError)
    return False


def _api_error_info(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    info = error.get("info") if isinstance(error, dict) else None
    return info if isinstance(info, str) else None


class ApiTransport(requests.Session):
    """A :class:`requests.Session` that counts requests, adds ``maxlag`` and retries safely.

    Requests are serialised by a lock: wikisync talks to a wiki one request at a time.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        policy: RetryPolicy | None = None,
        maxlag: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self.headers["User-Agent"] = user_agent
        self.policy = policy or RetryPolicy()
        self.maxlag = maxlag
        self.request_count = 0
        """HTTP requests actually sent, retries and redirects included."""
        self.sleep = sleep
        """How retries wait; replaceable so tests can record the waits instead."""
        self._lock = threading.RLock()
        self._not_repeatable = False

    @contextlib.contextmanager
    def not_repeatable(self) -> Iterator[None]:
        """Treat every request inside as a write that must never be sent twice blindly."""
        with self._lock:
            before, self._not_repeatable = self._not_repeatable, True
            try:
                yield
            finally:
                self._not_repeatable = before

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.request_count += 1
        return super().send(request, **kwargs)

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send with ``maxlag`` added for api.php, retrying what is safe to retry.

        Failures that remain after the retries are raised as :class:`WikiError`.
        """
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        if args:
            raise TypeError("ApiTransport.request takes keyword arguments only")
        if urlsplit(url).path.endswith("api.php"):
            key = "params" if method.upper() == "GET" else "data"
            fields = kwargs.get(key)
            if fields is None or isinstance(fields, Mapping):
                # First, so a caller's own maxlag wins and mwclient's token stays last.
                kwargs[key] = {"maxlag": str(self.maxlag), **(fields or {})}
        with self._lock:
            return self._request_with_retries(method, url, kwargs)

    def _is_write(self, method: str, kwargs: Mapping[str, Any]) -> bool:
        data = kwargs.get("data")
        has_token = isinstance(data, Mapping) and "token" in data
        return (
            self._not_repeatable
            or bool(kwargs.get("files"))
            or (method.upper() == "POST" and has_token)
        )

    def _request_with_retries(
        self, method: str, url: str, kwargs: dict[str, Any]
    ) -> requests.Response:
        write = self._is_write(method, kwargs)
        where = urlsplit(url).netloc
        waited = 0.0
        retry = 0
        while True:
            failure: WikisyncError
            retry_after: float | None = None
            retryable: bool
            try:
                response = super().request(method, url, **kwargs)
            except requests.RequestException as err:
                transient = isinstance(err, TRANSIENT_ERRORS) and not isinstance(
                    err, requests.exceptions.SSLError
                )
                retryable = transient and (not write or _never_reached_server(err))
                failure = self._network_failure(err, where, write)
            else:
                code = response.headers.get("MediaWiki-API-Error")
                status = response.status_code
                if code in RETRY_API_CODES:
                    retryable = True
                    retry_after = parse_retry_after(
                        response.headers.get("Retry-After")
                        or response.headers.get("X-Database-Lag")
                    )
                    failure = api_error(code, _api_error_info(response))
                elif status in RETRY_STATUSES:
                    retryable = not write or status == 429
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    failure = self._status_failure(response, write)
                elif 200 <= status < 300:
                    return response
                else:
                    raise self._status_failure(response, write)
            retry += 1
            if not retryable or retry > self.policy.max_retries:
                raise failure
            pause = self.policy.delay(retry, retry_after)
            if waited + pause > self.policy.max_total_wait:
                raise failure
            log.warning("%s; retry %d in %.1f s", failure, retry, pause)
            self.sleep(pause)
            waited += pause

    @staticmethod
    def _network_failure(err: requests.RequestException, where: str, write: bool) -> WikiError:
        if isinstance(err, requests.exceptions.Timeout):
            what = "timed out"
        elif isinstance(err, requests.exceptions.SSLError):
            what = "failed the TLS check"
        elif isinstance(err, requests.exceptions.ConnectionError):
            what = "failed to connect" if _never_reached_server(err) else "lost the connection"
        else:
            what = f"failed ({type(err).__name__})"
        hint = (
            " The write may or may not have been applied: re-read the page before trying again."
            if write and not _never_reached_server(err)
            else " Check the network and the API URL, or try again later."
        )
        return WikiError(f"The request to {where} {what}.{hint}", code="network")

    @staticmethod
    def _status_failure(response: requests.Response, write: bool) -> WikiError:
        status = response.status_code
        parts = urlsplit(response.url)
        where = f"{parts.scheme}://{parts.netloc}{parts.path}"
        if status == 404:
            hint = "Is this the wiki's api.php URL?"
        elif status in (401, 403):
            hint = "The server refused access."
        elif status == 429:
            hint = "The server is throttling requests; try again later."
        elif write and status >= 500:
            hint = "The write may or may not have been applied: re-read the page first."
        else:
            hint = "The server failed; try again later."
        return WikiError(f"HTTP {status} from {where}. {hint}", code=f"http-{status}")
