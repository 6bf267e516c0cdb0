"""The retrying transport, driven by a scripted requests adapter (no server needed).

Each test scripts what "the network" answers and checks what was sent, how often, and how
long the transport chose to wait.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from wikisync.errors import EXIT_WIKI, WikiError
from wikisync.http import ApiTransport, RetryPolicy, parse_retry_after

API = "https://wiki.example.org/w/api.php"
Step = Callable[[requests.PreparedRequest], requests.Response] | Exception


def reply(status: int = 200, headers: dict[str, str] | None = None, body: str = "{}") -> Step:
    def make(request: requests.PreparedRequest) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers or {})
        response._content = body.encode()
        response.url = request.url or ""
        response.request = request
        return response

    return make


def api_error(code: str, **headers: str) -> Step:
    body = json.dumps({"error": {"code": code, "info": f"scripted {code}"}})
    return reply(200, {"MediaWiki-API-Error": code, **headers}, body)


def refused() -> Exception:
    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


class Scripted(BaseAdapter):
    """Answers requests from a script, recording each request it was sent."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__()
        self.steps = list(steps)
        self.sent: list[requests.PreparedRequest] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.sent.append(request)
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step(request)

    def close(self) -> None:
        pass


def transport(steps: list[Step], **policy: Any) -> tuple[ApiTransport, Scripted, list[float]]:
    waits: list[float] = []
    http = ApiTransport(user_agent="wikisync-test", policy=RetryPolicy(**policy))
    http.sleep = waits.append
    adapter = Scripted(steps)
    http.mount("https://", adapter)
    return http, adapter, waits


READ = {"action": "query", "format": "json"}
WRITE = {"action": "edit", "title": "X", "text": "t", "token": "abc+\\", "format": "json"}


def test_maxlag_goes_on_every_api_request_get_and_post() -> None:
    http, adapter, _ = transport([reply(), reply(), reply()])
    http.request("GET", API, params=READ)
    http.request("POST", API, data=WRITE)
    http.request("POST", "https://wiki.example.org/w/index.php", data={"action": "raw"})
    get, post, index = adapter.sent
    assert parse_qs(urlsplit(get.url or "").query)["maxlag"] == ["5"]
    assert parse_qs(str(post.body))["maxlag"] == ["5"]
    assert "maxlag" not in str(index.body)
    assert http.request_count == 3


def test_5xx_retried_with_retry_after_honoured() -> None:
    http, _, waits = transport([reply(503, {"Retry-After": "7"}), reply(200)])
    assert http.request("GET", API, params=READ).status_code == 200
    assert waits == [7.0]
    assert http.request_count == 2


def test_retry_after_is_capped() -> None:
    http, _, waits = transport([reply(429, {"Retry-After": "3600"}), reply(200)], max_delay=60)
    http.request("GET", API, params=READ)
    assert waits == [60.0]


def test_connection_errors_back_off_exponentially_then_give_up() -> None:
    http, adapter, waits = transport([refused()] * 4, max_retries=3)
    with pytest.raises(WikiError) as caught:
        http.request("GET", API, params=READ)
    assert waits == [1.0, 2.0, 4.0]
    assert len(adapter.sent) == 4
    assert caught.value.code == "network"
    assert caught.value.exit_code == EXIT_WIKI
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_total_wait_is_bounded() -> None:
    steps = [reply(503, {"Retry-After": "50"})] * 5
    http, adapter, waits = transport(steps, max_retries=4, max_total_wait=120)
    with pytest.raises(WikiError, match="HTTP 503"):
        http.request("GET", API, params=READ)
    assert waits == [50.0, 50.0]
    assert len(adapter.sent) == 3


def test_maxlag_and_ratelimited_api_errors_are_retried() -> None:
    steps = [
        api_error("maxlag", **{"Retry-After": "5", "X-Database-Lag": "7"}),
        api_error("ratelimited"),
        reply(200),
    ]
    http, _, waits = transport(steps)
    assert http.request("GET", API, params=READ).status_code == 200
    assert waits == [5.0, 2.0]


def test_api_error_after_retries_is_mapped() -> None:
    http, _, _ = transport([api_error("maxlag", **{"Retry-After": "1"})] * 2, max_retries=1)
    with pytest.raises(WikiError, match="lag") as caught:
        http.request("GET", API, params=READ)
    assert caught.value.code == "maxlag"
    assert caught.value.info == "scripted maxlag"


def test_write_is_not_resent_after_a_read_timeout() -> None:
    http, adapter, waits = transport([requests.exceptions.ReadTimeout("slow"), reply(200)])
    with pytest.raises(WikiError, match="may or may not have been applied"):
        http.request("POST", API, data=WRITE)
    assert len(adapter.sent) == 1
    assert waits == []


def test_write_is_not_resent_after_a_5xx() -> None:
    http, adapter, _ = transport([reply(503), reply(200)])
    with pytest.raises(WikiError, match="re-read the page"):
        http.request("POST", API, data=WRITE)
    assert len(adapter.sent) == 1


@pytest.mark.parametrize(
    "first",
    [refused(), requests.exceptions.ConnectTimeout("no connect"), reply(429), api_error("maxlag")],
    ids=["refused", "connect-timeout", "429", "maxlag"],
)
def test_write_is_resent_when_the_server_did_not_act(first: Step) -> None:
    http, adapter, _ = transport([first, reply(200)])
    assert http.request("POST", API, data=WRITE).status_code == 200
    assert len(adapter.sent) == 2


def test_not_repeatable_makes_any_request_single_shot() -> None:
    http, adapter, _ = transport([requests.exceptions.ReadTimeout("slow"), reply(200)])
    with http.not_repeatable(), pytest.raises(WikiError):
        http.request("GET", API, params=READ)
    assert len(adapter.sent) == 1


def test_client_errors_are_not_retried() -> None:
    http, adapter, _ = transport([reply(404), reply(200)])
    with pytest.raises(WikiError, match=r"api\.php URL") as caught:
        http.request("GET", API, params=READ)
    assert caught.value.code == "http-404"
    assert len(adapter.sent) == 1


def test_retry_after_forms() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
