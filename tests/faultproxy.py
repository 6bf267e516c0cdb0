"""A fault-injecting HTTP proxy in front of the real test wiki, for reliability tests.

Standard library only: a :class:`http.server.ThreadingHTTPServer` on loopback that forwards
each request with :mod:`http.client` to the wiki (also on loopback) and, for requests chosen
by a :class:`Rule`, answers differently: an HTTP error status (with or without
``Retry-After``), a MediaWiki API error (``maxlag`` with ``Retry-After`` and
``X-Database-Lag``, ``readonly``, ``badtoken``), a stall past the client's timeout, or a reset
connection, either before the request reaches the wiki or after the wiki has handled it (the
edit landed, its answer is lost).

Requests are told apart by their API parameters (:func:`classify`): ``siteinfo``,
``login-token``, ``login``, ``read`` (page content), ``csrf-token``, ``precheck``
(``prop=info``), ``latest`` (the latest revision, without content), ``edit``. A rule fires
on the ``nth`` matching request and on the ``times - 1`` after it (``times=0``: every one
from the ``nth`` on).

Everything is bounded: the proxy binds and forwards to loopback only, a stall lasts at most
``stall_seconds`` (and ends when the proxy stops), every upstream request has a timeout.
The proxy records each request it saw (:attr:`FaultProxy.records`), without secrets.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import select
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal, Self, get_args
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FAULTS",
    "TARGETS",
    "FaultProxy",
    "Record",
    "Rule",
    "classify",
]

Fault = Literal[
    "500",
    "502",
    "503",
    "503-retry-after",
    "429",
    "maxlag",
    "readonly",
    "badtoken",
    "stall",
    "stall-after",
    "reset",
    "reset-after",
    "502-after",
    "late",
]
FAULTS: tuple[Fault, ...] = get_args(Fault)
"""Every fault the proxy can make. ``-after``: the wiki handles the request first, then the
client gets a stall, a reset or a 502 instead of the answer. ``late``: the request is held
back until well after the client gave up, then delivered to the wiki (the answer is dropped).
"""

FORWARDED_FIRST = frozenset({"stall-after", "reset-after", "502-after"})

Target = Literal[
    "siteinfo",
    "login-token",
    "login",
    "read",
    "csrf-token",
    "precheck",
    "latest",
    "edit",
    "other",
]
TARGETS: tuple[Target, ...] = (
    "siteinfo",
    "login-token",
    "login",
    "read",
    "csrf-token",
    "precheck",
    "latest",
    "edit",
)

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
SECRET_FIELDS = ("pass", "token")
RETRY_AFTER = "1"
"""What the injected ``Retry-After`` headers ask for: short, so tests stay fast."""

_API_ERRORS: dict[str, str] = {
    "maxlag": "Waiting for 10.0.0.1: 6 seconds lagged.",
    "readonly": "The wiki is currently in read-only mode.",
    "badtoken": "Invalid CSRF token.",
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(value: str | None) -> set[str]:
    return set(value.split("|")) if value else set()


def classify(params: Mapping[str, str]) -> Target:
    """Which step of a sync an ``api.php`` request is, from its parameters."""
    action = params.get("action", "")
    if action in ("edit", "login"):
        return action  # type: ignore[return-value]
    if action != "query":
        return "other"
    meta = _split(params.get("meta"))
    if "tokens" in meta:
        return "login-token" if params.get("type") == "login" else "csrf-token"
    if "revisions" in _split(params.get("prop")):
        return "read" if "content" in _split(params.get("rvprop")) else "latest"
    if "info" in _split(params.get("prop")):
        return "precheck"
    if meta & {"siteinfo", "userinfo"}:
        return "siteinfo"
    return "other"


@dataclass
class Rule:
    """Make ``fault`` on the ``nth`` request of kind ``target`` (and ``times - 1`` after it)."""

    target: Target
    fault: Fault
    nth: int = 1
    times: int = 1
    """How many matching requests in a row get the fault; 0 means all of them."""
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.nth < 1 or self.times < 0:
            raise ValueError("nth starts at 1 and times is 0 (always) or more")
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")

    def hit(self, target: Target) -> bool:
        """Count a request; True when this one gets the fault."""
        if target != self.target:
            return False
        self.seen += 1
        last = self.nth + self.times - 1
        if self.seen >= self.nth and (self.times == 0 or self.seen <= last):
            self.fired += 1
            return True
        return False


@dataclass(frozen=True)
class Record:
    """One request the proxy saw: what it was, what was done, what the wiki answered."""

    seq: int
    """Arrival order: records are listed by it, though a held-back one is written later."""
    method: str
    target: Target
    params: dict[str, str]
    fault: Fault | None
    forwarded: bool
    status: int | None
    """The wiki's HTTP status when the request was forwarded and answered."""
    url_keys: frozenset[str] = frozenset()
    """Parameters sent in the URL (a server or proxy may log those), not in the body."""


class _Counter:
    """How many requests are in hand; a context manager per request."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def __enter__(self) -> None:
        with self._changed:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_zero(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    proxy: FaultProxy

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (after a reset or a stall) is expected here: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- the work ------------------------------------------------------------------

    def _handle(self) -> None:
        proxy = self.server.proxy
        with proxy._active:
            self._serve(proxy)

    def _serve(self, proxy: FaultProxy) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = self._params(body)
        target = classify(params) if urlsplit(self.path).path.endswith("api.php") else "other"
        seq, fault = proxy._arrive(target)
        forwarded = fault is None or fault in FORWARDED_FIRST
        status: int | None = None
        answer: tuple[int, list[tuple[str, str]], bytes] | None = None
        if fault == "late":
            proxy._wait(proxy.late_seconds)
            forwarded = not proxy._stop.is_set()
        if forwarded:
            answer = proxy._forward(self.command, self.path, self.headers.items(), body)
            status = answer[0]
        url_keys = frozenset(parse_qs(urlsplit(self.path).query, keep_blank_values=True))
        record = Record(
            seq, self.command, target, _redacted(params), fault, forwarded, status, url_keys
        )
        proxy._record(record)
        if fault is None:
            assert answer is not None
            self._reply(*answer)
        elif fault in ("stall", "stall-after"):
            self._stall(proxy)
            self._reset()
        elif fault in ("reset", "reset-after", "late"):
            self._reset()
        elif fault in ("502-after", "500", "502", "503"):
            code = int(fault.removesuffix("-after"))
            self._reply(code, [("Content-Type", "text/html")], _html(code))
        elif fault == "503-retry-after":
            headers = [("Content-Type", "text/html"), ("Retry-After", RETRY_AFTER)]
            self._reply(503, headers, _html(503))
        elif fault == "429":
            headers = [("Content-Type", "text/html"), ("Retry-After", RETRY_AFTER)]
            self._reply(429, headers, _html(429))
        else:
            self._api_error(fault)

    def _params(self, body: bytes) -> dict[str, str]:
        fields = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        kind = self.headers.get("Content-Type", "")
        if body and kind.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            fields.update(form)
        return {key: values[-1] for key, values in fields.items()}

    def _api_error(self, code: str) -> None:
        error: dict[str, object] = {"code": code, "info": _API_ERRORS[code]}
        error["docref"] = "injected by the test proxy"
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("MediaWiki-API-Error", code),
        ]
        if code == "maxlag":
            error["host"] = "10.0.0.1"
            error["lag"] = 6
            headers += [("Retry-After", RETRY_AFTER), ("X-Database-Lag", "6")]
        self._reply(200, headers, json.dumps({"error": error}).encode())

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _stall(self, proxy: FaultProxy) -> None:
        """Send nothing until the client hangs up, the proxy stops or ``stall_seconds`` pass."""
        deadline = time.monotonic() + proxy.stall_seconds
        while not proxy._stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return  # the client closed its end: it gave up waiting
                except OSError:
                    return
                time.sleep(0.05)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset: the client gets no answer at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


def _html(status: int) -> bytes:
    return f"<html><body><h1>{status}</h1>Injected by the test proxy.</body></html>".encode()


def _redacted(params: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        secret = any(word in key.lower() for word in SECRET_FIELDS)
        out[key] = "(redacted)" if secret else value[:200]
    return out


class FaultProxy:
    """The proxy: ``with FaultProxy(upstream_api_url) as proxy: proxy.api_url ...``.

    ``rules`` can be replaced between runs (:meth:`set_rules`); :attr:`records` lists every
    request seen, in the order they arrived.
    """

    def __init__(
        self,
        upstream_api_url: str,
        rules: list[Rule] | None = None,
        *,
        stall_seconds: float = 10.0,
        late_seconds: float = 3.0,
        upstream_timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(upstream_api_url)
        if parts.scheme != "http" or not parts.hostname or not _is_loopback(parts.hostname):
            raise ValueError("the fault proxy forwards to a plain-http loopback address only")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = list(rules or [])
        self.stall_seconds = stall_seconds
        self.late_seconds = late_seconds
        self.upstream_timeout = upstream_timeout
        self._records: list[Record] = []
        self._arrived = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._active = _Counter()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None
        self._path = parts.path or "/api.php"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-proxy",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def set_rules(self, rules: list[Rule]) -> None:
        """Replace the rules (counts start again) and forget the records."""
        with self._lock:
            self.rules = list(rules)
            self._records = []

    @property
    def records(self) -> list[Record]:
        """Every request seen since the rules were set, in the order they arrived."""
        with self._lock:
            return sorted(self._records, key=lambda r: r.seq)

    def forwarded(self, target: Target) -> list[Record]:
        """Requests of kind ``target`` that reached the wiki."""
        return [r for r in self.records if r.target == target and r.forwarded]

    # -- used by the handler --------------------------------------------------------

    def _arrive(self, target: Target) -> tuple[int, Fault | None]:
        """A request's arrival number and the fault it gets (the first rule that fires)."""
        with self._lock:
            self._arrived += 1
            chosen: Fault | None = None
            for rule in self.rules:
                if rule.hit(target) and chosen is None:
                    chosen = rule.fault
            return self._arrived, chosen

    def _record(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def _wait(self, seconds: float) -> None:
        """Sleep, but no longer than until the proxy stops."""
        self._stop.wait(seconds)

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """Wait until no request is being handled (a ``late`` one has reached the wiki)."""
        return self._active.wait_zero(timeout)

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(
            self.upstream_host, self.upstream_port, timeout=self.upstream_timeout
        )
        try:
            sent = {k: v for k, v in headers if k.lower() not in HOP_BY_HOP}
            sent["Host"] = f"{self.upstream_host}:{self.upstream_port}"
            sent["Content-Length"] = str(len(body))
            conn.request(method, path, body=body or None, headers=sent)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()
