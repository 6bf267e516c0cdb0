"""The wiki: connect, log in, read pages in batches and list titles, over mwclient.

Only this module imports mwclient. The rest of wikisync sees :class:`WikiGateway`, small
enough for an in-memory fake in unit tests. Requests go through :class:`ApiTransport`
(``maxlag``, counting, bounded retries); mwclient's own retry loop is switched off.

Every mwclient or network failure leaves this module as a :mod:`wikisync.errors` error raised
outside any ``except`` block, so no chained exception carries request data (a password) along.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import mwclient
import mwclient.errors
import requests

from . import __version__
from .access import ApiEndpoint, credentials_from_env_or_file, parse_api_url
from .apierrors import api_error
from .errors import InputError, LoginFailed, WikiError, WikisyncError
from .http import ApiTransport, RetryPolicy
from .model import Revision

__all__ = [
    "ApiEndpoint",
    "FetchResult",
    "PageProblem",
    "ProblemReason",
    "WikiGateway",
    "WikiSession",
    "credentials_from_env_or_file",
    "parse_api_url",
]

log = logging.getLogger(__name__)

ProblemReason = Literal["missing", "invalid", "redirect", "content-model", "too-big", "no-content"]
BATCH = 50
BATCH_HIGH = 500
"""Titles per request; 500 for accounts with ``apihighlimits``."""
DEFAULT_MAX_PAGE_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 5
TIMEOUT_ENV = "WIKISYNC_HTTP_TIMEOUT"
"""Seconds to wait for the wiki's answer to one request (default 30)."""
RETRIES_ENV = "WIKISYNC_HTTP_RETRIES"
"""How many times a failed request that is safe to repeat is tried again (default 5)."""
_REDIRECT_TARGET = re.compile(r"\[\[\s*([^\]|]+?)\s*(?:\|[^\]]*)?\]\]")


@dataclass(frozen=True)
class PageProblem:
    """A requested page that cannot be used; reported, not raised, so other pages go on."""

    title: str
    reason: ProblemReason
    detail: str


@dataclass
class FetchResult:
    """Revisions in the order asked for, problems for the rest.

    Titles are the caller's, as requested; ``normalized`` maps each one the wiki spells
    differently to the wiki's form. ``curtimestamp`` is the server's clock when the reading
    started: the ``starttimestamp`` for a later conflict-safe save.
    """

    revisions: list[Revision] = field(default_factory=list)
    problems: list[PageProblem] = field(default_factory=list)
    curtimestamp: str = ""
    normalized: dict[str, str] = field(default_factory=dict)


class WikiGateway(Protocol):
    """What the pipeline needs from a wiki; :class:`WikiSession` or a fake in tests."""

    @property
    def request_count(self) -> int: ...

    @property
    def batch_size(self) -> int: ...

    def fetch_revisions(self, titles: Sequence[str]) -> FetchResult: ...

    def fetch_revision_ids(self, titles: Sequence[str]) -> dict[str, int]: ...

    def list_titles(
        self, *, prefix: str | None = None, category: str | None = None
    ) -> list[str]: ...


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sendable(title: str) -> bool:
    """Whether a title can go into a ``titles=a|b`` list at all."""
    return bool(title.strip()) and "|" not in title


def _main_slot(page: Mapping[str, Any]) -> dict[str, Any]:
    """The main slot of a read page's latest revision (empty when it has none)."""
    revisions = page.get("revisions") or []
    slot = revisions[-1].get("slots", {}).get("main", {}) if revisions else {}
    return slot if isinstance(slot, dict) else {}


def _norm_ns(name: str) -> str:
    return name.replace("_", " ").strip().casefold()


def _env_number(
    name: str, default: float, low: float, high: float, *, whole: bool = False
) -> float:
    """A number from the environment variable ``name``, or ``default`` when it is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high or (whole and not value.is_integer()):  # nan fails too
        what = "a whole number" if whole else "a number"
        raise InputError(f"{name} must be {what} from {low:g} to {high:g}, not {raw!r}")
    return value


class WikiSession:
    """A connection to one wiki, anonymous until :meth:`login`. Requests run one at a time."""

    def __init__(
        self, site: Any, transport: ApiTransport, *, max_page_bytes: int | None = None
    ) -> None:
        self._site = site
        self._transport = transport
        self._max_page_bytes = max_page_bytes
        self._namespaces: dict[str, int] | None = None

    @classmethod
    def connect(
        cls,
        api_url: str,
        *,
        contact: str,
        allow_insecure_http: bool = False,
        timeout: float | None = None,
        max_retries: int | None = None,
        max_page_bytes: int | None = None,
    ) -> WikiSession:
        """Open a session (one siteinfo request). ``contact`` goes into the User-Agent.

        ``timeout`` (seconds per request) and ``max_retries`` default to the environment
        variables ``WIKISYNC_HTTP_TIMEOUT`` and ``WIKISYNC_HTTP_RETRIES``, else 30 and 5.
        ``max_page_bytes`` defaults to the wiki's own ``maxarticlesize`` (2 MiB by default).
        """
        if timeout is None:
            timeout = _env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT, 0.1, 3600)
        if max_retries is None:
            max_retries = int(_env_number(RETRIES_ENV, DEFAULT_RETRIES, 0, 50, whole=True))
        endpoint = parse_api_url(api_url, allow_insecure_http=allow_insecure_http)
        if not contact.strip() or any(c in contact for c in "\r\n()"):
            raise InputError("a contact (e-mail or URL) is required for the User-Agent")
        user_agent = f"wikisync/{__version__} ({contact.strip()}) mwclient/{mwclient.__version__}"
        transport = ApiTransport(user_agent=user_agent, policy=RetryPolicy(max_retries=max_retries))
        site = mwclient.Site(
            endpoint.host,
            path=endpoint.path,
            scheme=endpoint.scheme,
            pool=transport,
            max_retries=0,
            retry_timeout=0,
            do_init=False,
            connection_options={"timeout": timeout},
        )
        session = cls(site, transport, max_page_bytes=max_page_bytes)
        try:
            session._init_site()
        except LoginFailed as err:
            if err.code != "readapidenied":
                raise
            # A private wiki: site information becomes readable after login.
        return session

    # -- requests -----------------------------------------------------------------------

    @staticmethod
    def _guarded(call: Callable[[], Any]) -> Any:
        """Run one mwclient call; its failures come out as clean wikisync errors."""
        failure: WikisyncError
        try:
            return call()
        except WikisyncError as err:
            failure = err
        except mwclient.errors.APIError as err:
            failure = api_error(err.code, err.info)
        except mwclient.errors.InvalidResponse:
            failure = WikiError("The server did not answer with JSON; check the API URL.")
        except mwclient.errors.APIDisabledError:
            failure = WikiError("The MediaWiki API is disabled on this wiki.")
        except mwclient.errors.MwClientError as err:
            failure = WikiError(f"The wiki request failed ({type(err).__name__}).")
        except requests.RequestException as err:
            failure = WikiError(f"The wiki request failed ({type(err).__name__}).")
        raise failure.with_traceback(None)

    def _call(
        self, action: str, method: str = "POST", *, assert_user: bool = True, **params: Any
    ) -> dict[str, Any]:
        """One API request in formatversion 2; an API error is raised, mapped.

        Once logged in, requests carry ``assert=user``: a lost login then fails loudly
        instead of quietly reading (or later writing) as an anonymous user.
        """
        if assert_user and self.logged_in:
            params.setdefault("assert", "user")
        fields = {"formatversion": "2", **params}
        answer = self._guarded(lambda: self._site.raw_api(action, method, **fields))
        if not isinstance(answer, dict):
            raise WikiError("The wiki's answer was not a JSON object.")
        error = answer.get("error")
        if isinstance(error, dict):
            raise api_error(str(error.get("code")), error.get("info"))
        for module, warning in answer.get("warnings", {}).items():
            log.debug("API warning from %s: %s", module, warning)
        return answer

    def api(self, action: str, method: str = "POST", **params: Any) -> dict[str, Any]:
        """One API request for modules outside this file (saving); errors come out mapped."""
        return self._call(action, method, **params)

    def _query_all(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every answer of a query, following ``continue`` (merged whole, as the API asks)."""
        request = dict(params)
        seen: set[str] = set()
        while True:
            answer = self._call("query", **request)
            yield answer
            more = answer.get("continue")
            if not isinstance(more, dict):
                return
            key = repr(sorted(more.items()))
            if key in seen:
                raise WikiError("The wiki repeated a continuation; giving up on this query.")
            seen.add(key)
            request = {**params, **more}

    def _init_site(self) -> None:
        self._guarded(self._site.site_init)

    # -- account ------------------------------------------------------------------------

    @property
    def transport(self) -> ApiTransport:
        """The HTTP layer: retry policy, ``maxlag``, request hooks."""
        return self._transport

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far by this session (retries included)."""
        return self._transport.request_count

    @property
    def username(self) -> str | None:
        return self._site.username if self.logged_in else None

    @property
    def logged_in(self) -> bool:
        return bool(getattr(self._site, "logged_in", False))

    @property
    def user_rights(self) -> frozenset[str]:
        """The rights of this login, narrowed to a bot password's grants."""
        return frozenset(self._site.rights or ())

    def has_right(self, name: str) -> bool:
        return name in self.user_rights

    @property
    def is_bot(self) -> bool:
        """Whether edits may carry the bot flag."""
        return self.has_right("bot")

    def login(self, username: str, password: str) -> None:
        """Log in with a bot password (``User@app``), then reload the account's rights.

        Raises :class:`LoginFailed`; its text, its chain and its traceback frames hold no
        password.
        """
        failure = self._login_failure(username, password)
        del password  # keep the secret out of frame locals a traceback printer might show
        if failure is not None:
            raise failure.with_traceback(None)
        self._init_site()

    def _login_failure(self, username: str, password: str) -> WikisyncError | None:
        try:
            tokens = self._call("query", "GET", assert_user=False, meta="tokens", type="login")
            token = tokens["query"]["tokens"]["logintoken"]
            answer = self._call(
                "login", assert_user=False, lgname=username, lgpassword=password, lgtoken=token
            )
        except WikisyncError as err:
            return err
        except (KeyError, TypeError):
            return WikiError("The wiki's login answer was not understood.")
        result = answer.get("login", {})
        outcome = result.get("result")
        if outcome == "Success":
            return None
        reason = str(result.get("reason") or outcome or "no reason given")
        if password:
            reason = reason.replace(password, "***")
        hint = ""
        if "@" not in username:
            hint = " Use a bot password (User@app) from Special:BotPasswords."
        if outcome == "Throttled":
            hint = f" Too many attempts; wait {result.get('wait', 'a few')} seconds."
        return LoginFailed(f"Login as {username} refused: {reason}{hint}", code="login-failed")

    # -- reading ------------------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        """Titles per read request: 50, or 500 for accounts with ``apihighlimits``."""
        return BATCH_HIGH if self.has_right("apihighlimits") else BATCH

    @property
    def max_page_bytes(self) -> int:
        if self._max_page_bytes is not None:
            return self._max_page_bytes
        general = getattr(self._site, "site", None) or {}
        return int(general.get("maxarticlesize") or DEFAULT_MAX_PAGE_BYTES)

    def _read_pages(
        self, titles: Sequence[str], params: Mapping[str, Any], result: FetchResult
    ) -> dict[str, dict[str, Any]]:
        """Query ``titles`` in batches; the merged page objects by the wiki's title.

        A page cut off by the result size limit comes back without revisions and is
        completed by the continuation, so page objects are merged across answers.
        """
        wanted = [title for title in dict.fromkeys(titles) if _sendable(title)]
        pages: dict[str, dict[str, Any]] = {}
        for batch in _chunks(wanted, self.batch_size):
            renamed: dict[str, str] = {}
            for answer in self._query_all({**params, "titles": "|".join(batch)}):
                result.curtimestamp = result.curtimestamp or answer.get("curtimestamp", "")
                query = answer.get("query", {})
                for entry in [*query.get("normalized", []), *query.get("converted", [])]:
                    renamed[entry["from"]] = entry["to"]
                for page in query.get("pages", []):
                    merged = pages.setdefault(page["title"], {})
                    revisions = merged.get("revisions", []) + page.get("revisions", [])
                    merged.update(page)
                    merged["revisions"] = revisions
            for title in batch:
                wiki_title = title
                for _ in range(3):  # normalized, then a language variant
                    wiki_title = renamed.get(wiki_title, wiki_title)
                if wiki_title != title:
                    result.normalized[title] = wiki_title
        return pages

    def fetch_revisions(self, titles: Sequence[str]) -> FetchResult:
        """The current wikitext of each title, about one request per 50 (or 500) titles.

        Missing, invalid, redirect, non-wikitext, hidden and oversized pages come back as
        :class:`PageProblem` entries; redirects are not followed.
        """
        result = FetchResult()
        params = {
            "prop": "revisions",
            "rvprop": "ids|timestamp|content|contentmodel",
            "rvslots": "main",
            "curtimestamp": "1",
        }
        pages = self._read_pages(titles, params, result)
        self._mark_redirects(pages)
        for title in dict.fromkeys(titles):
            page = pages.get(result.normalized.get(title, title))
            outcome = self._revision_or_problem(title, page)
            if isinstance(outcome, Revision):
                result.revisions.append(outcome)
            else:
                result.problems.append(outcome)
        return result

    def _mark_redirects(self, pages: dict[str, dict[str, Any]]) -> None:
        """Add the wiki's redirect flag to pages whose text could be a redirect.

        Asking ``prop=info`` for every page made each read a fifth slower. A redirect's
        text starts, after blanks, with the redirect magic word, which begins with "#" in
        every language; only such pages (rare) are asked about, in one more request.
        """
        maybe = [
            title
            for title, page in pages.items()
            if str(_main_slot(page).get("content", "")).lstrip()[:1] == "#"
        ]
        if maybe:
            info = self._read_pages(maybe, {"prop": "info"}, FetchResult())
            for title, page in info.items():
                if page.get("redirect") and title in pages:
                    pages[title]["redirect"] = True

    def _revision_or_problem(
        self, title: str, page: dict[str, Any] | None
    ) -> Revision | PageProblem:
        if not _sendable(title):
            return PageProblem(title, "invalid", "not a valid page title")
        if page is None:
            return PageProblem(title, "missing", "the wiki's answer did not include this page")
        if page.get("invalid"):
            return PageProblem(title, "invalid", page.get("invalidreason", "invalid title"))
        if page.get("special") or page.get("ns", 0) < 0:
            return PageProblem(title, "invalid", "a special page has no wikitext")
        if page.get("missing"):
            return PageProblem(title, "missing", "the page does not exist")
        revisions = page.get("revisions") or []
        slot = _main_slot(page)
        text = slot.get("content")
        if page.get("redirect"):
            found = _REDIRECT_TARGET.search(text or "")
            target = f"[[{found.group(1)}]]" if found else "another page"
            return PageProblem(title, "redirect", f"redirects to {target}; not followed")
        if not isinstance(text, str):
            why = "its text is hidden" if slot.get("texthidden") else "no text was returned"
            return PageProblem(title, "no-content", f"the current revision has no content: {why}")
        model = slot.get("contentmodel") or page.get("contentmodel") or "wikitext"
        if model != "wikitext":
            return PageProblem(title, "content-model", f"content model is {model}, not wikitext")
        size = len(text.encode("utf-8"))
        if size > self.max_page_bytes:
            return PageProblem(
                title, "too-big", f"{size} bytes, over the limit of {self.max_page_bytes}"
            )
        return Revision(
            title=title,
            revid=int(revisions[-1]["revid"]),
            timestamp=str(revisions[-1]["timestamp"]),
            text=text,
            content_model=model,
            source="wiki",
        )

    def fetch_revision_ids(self, titles: Sequence[str]) -> dict[str, int]:
        """Latest revision id per existing title (redirects included), without content."""
        result = FetchResult()
        pages = self._read_pages(titles, {"prop": "info"}, result)
        ids: dict[str, int] = {}
        for title in dict.fromkeys(titles):
            page = pages.get(result.normalized.get(title, title)) or {}
            if page.get("lastrevid") and not page.get("missing"):
                ids[title] = int(page["lastrevid"])
        return ids

    # -- listing ------------------------------------------------------------------------

    def _namespace_ids(self) -> dict[str, int]:
        """Local, canonical and alias names of the wiki's namespaces, case-folded."""
        if self._namespaces is None:
            answer = self._call(
                "query", "GET", meta="siteinfo", siprop="namespaces|namespacealiases"
            )
            query = answer.get("query", {})
            names: dict[str, int] = {}
            for ns in query.get("namespaces", {}).values():
                for key in ("name", "canonical"):
                    if ns.get(key):
                        names[_norm_ns(ns[key])] = int(ns["id"])
            for alias in query.get("namespacealiases", []):
                names[_norm_ns(alias["alias"])] = int(alias["id"])
            self._namespaces = names
        return self._namespaces

    def split_namespace(self, title: str) -> tuple[int, str]:
        """``"Tech:Org"`` -> ``(ns, "Org")`` if Tech is a namespace here, else ``(0, title)``."""
        head, sep, rest = title.partition(":")
        if not sep:
            return 0, title
        if not head.strip():
            return 0, rest.lstrip()
        ns = self._namespace_ids().get(_norm_ns(head))
        if ns is None or ns < 0:
            return 0, title
        return ns, rest.lstrip()

    def list_titles(self, *, prefix: str | None = None, category: str | None = None) -> list[str]:
        """Titles starting with ``prefix``, in ``category``, or both (the intersection)."""
        if prefix is None and category is None:
            raise InputError("list_titles needs a prefix, a category or both")
        titles: list[str] | None = None
        if prefix is not None:
            ns, rest = self.split_namespace(prefix)
            params = {"list": "allpages", "apnamespace": ns, "apprefix": rest, "aplimit": "max"}
            titles = [
                page["title"]
                for answer in self._query_all(params)
                for page in answer.get("query", {}).get("allpages", [])
            ]
        if category is not None:
            ns, _ = self.split_namespace(category)
            params = {
                "list": "categorymembers",
                "cmtitle": category if ns == 14 else f"Category:{category}",
                "cmprop": "title",
                "cmtype": "page",
                "cmlimit": "max",
            }
            members = [
                page["title"]
                for answer in self._query_all(params)
                for page in answer.get("query", {}).get("categorymembers", [])
            ]
            inside = set(members)
            titles = members if titles is None else [t for t in titles if t in inside]
        return titles or []
