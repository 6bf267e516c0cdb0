"""Publishing through a faulty network: every fault at every request of a publish.

``wikisync publish MAPPING --yes --api-url PROXY`` runs as a separate process, as users run
it, against the real test wiki behind :class:`tests.faultproxy.FaultProxy`. Each case injects
one fault (or a few) at one kind of request; afterwards the page's history must show either
nothing written (exit 3, with a message saying why) or exactly one new revision whose text is
the text a fault-free publish gives. Never two revisions, never a partial text; after an edit
whose answer was lost the page's latest revision is read before anything is sent again; and a
re-run after a failed one converges to the fault-free text.

Waits stay short: the proxy's ``Retry-After`` is 1 s, stalls use ``WIKISYNC_HTTP_TIMEOUT=1``
and faults that never stop use ``WIKISYNC_HTTP_RETRIES=1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .clirun import run_cli
from .faultproxy import FAULTS, Fault, FaultProxy, Record, Rule, Target
from .mediawiki_server import MediaWikiServer
from .test_publish import PAGES, mapping_for, revision_count

pytestmark = pytest.mark.wiki

BASE = (PAGES / "removed-position.wikitext").read_text(encoding="utf-8")
PREFIX = "Faults/"

_LOST_ANSWER: tuple[Fault, ...] = ("500", "502", "503", "503-retry-after", "502-after")
UNKNOWN_OUTCOME: frozenset[Fault] = frozenset(
    (*_LOST_ANSWER, "stall", "stall-after", "reset", "reset-after", "late")
)
"""Faults after which the client cannot know whether the wiki acted on the request."""
SLOW: frozenset[Fault] = frozenset({"stall", "stall-after", "late"})
"""Faults that need the short client timeout."""


@dataclass(frozen=True)
class Case:
    """One publish with faults: ``rules`` as (target, fault, nth, times); what must happen."""

    name: str
    rules: tuple[tuple[Target, Fault, int, int], ...]
    exit_code: int
    words: str = ""
    """Words the output must hold when the run gives up (exit 3)."""
    retries: int | None = None
    landed: bool = False
    """For exit 3: the edit reached the wiki although the run could not confirm it."""

    def make_rules(self) -> list[Rule]:
        return [Rule(target, fault, nth, times) for target, fault, nth, times in self.rules]


def _once(target: Target, fault: Fault, nth: int = 1) -> Case:
    name = f"{target}{'' if nth == 1 else nth}-{fault}"
    rules = ((target, fault, nth, 1),)
    if fault == "readonly":
        return Case(name, rules, 3, "read-only")
    if fault == "badtoken" and target != "edit":
        return Case(name, rules, 3, "rejected the token")
    return Case(name, rules, 0)


ONCE_FAULTS: tuple[Fault, ...] = tuple(
    f for f in FAULTS if f not in ("stall-after", "502-after", "late")
)
PUBLISH_REQUESTS: tuple[Target, ...] = ("login-token", "login", "read", "csrf-token", "edit")

CASES: list[Case] = [
    # every fault, once, at each request a publish makes
    *(_once(target, fault) for target in PUBLISH_REQUESTS for fault in ONCE_FAULTS),
    # the edit reached the wiki, then its answer was lost, or it arrived after a re-send
    *(_once("edit", fault) for fault in ("stall-after", "502-after", "late")),
    # the second login (publish logs in again after the check), the other reads
    *(_once("login", fault, 2) for fault in ("503", "reset-after", "readonly")),
    *(_once("siteinfo", fault) for fault in ("maxlag", "reset")),
    *(_once("precheck", fault) for fault in ("503-retry-after", "stall")),
    # faults that do not stop: bounded retries, then exit 3 with nothing written
    Case("read-always-503", (("read", "503-retry-after", 1, 0),), 3, "HTTP 503", retries=1),
    Case("read-always-maxlag", (("read", "maxlag", 1, 0),), 3, "replicas lag", retries=1),
    Case("read-always-reset", (("read", "reset", 1, 0),), 3, "lost the connection", retries=1),
    Case("login-always-stall", (("login", "stall", 1, 0),), 3, "timed out", retries=1),
    Case("edit-always-503", (("edit", "503", 1, 0),), 3, "nothing was written", retries=1),
    Case("edit-always-reset", (("edit", "reset", 1, 0),), 3, "nothing was written", retries=1),
    Case("edit-always-maxlag", (("edit", "maxlag", 1, 0),), 3, "replicas lag", retries=1),
    Case("edit-twice-badtoken", (("edit", "badtoken", 1, 2),), 3, "rejected the token"),
    Case("edit-always-reset-after", (("edit", "reset-after", 1, 0),), 0, retries=1),
    # a lost answer, then trouble reading the page back
    Case("edit-503-latest-reset", (("edit", "503", 1, 1), ("latest", "reset", 1, 1)), 0),
    Case("edit-reset-latest-stall", (("edit", "reset", 1, 1), ("latest", "stall", 1, 1)), 0),
    Case(
        "edit-lost-latest-always-503",
        (("edit", "reset-after", 1, 1), ("latest", "503", 1, 0)),
        3,
        "may or may not have been saved",
        retries=1,
        landed=True,
    ),
]
FAULT_CASES = len(CASES)
"""How many faulty publishes this file runs (the README's reliability figure)."""


@dataclass
class Rig:
    mediawiki: MediaWikiServer
    proxy: FaultProxy
    folder: Path
    env: dict[str, str]
    expected: str
    """The page's text after a fault-free publish."""
    base_revids: dict[str, int]
    ledger: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per case that passed: faults injected, revisions the faulty run added (0 or 1)."""

    def mapping(self, title: str) -> str:
        """The Miraheze mapping for ``title``; spelling off (its findings are never fixed)."""
        folder = self.folder / re.sub(r"\W+", "_", title)
        folder.mkdir(exist_ok=True)
        path = Path(mapping_for(folder, self.mediawiki, title))
        text = path.read_text(encoding="utf-8")
        assert "  variant: any\n" in text and "autofix" not in text
        path.write_text(text.replace("  variant: any\n", "  variant: any\n  enabled: false\n"))
        return str(path)

    def publish(self, title: str, **env: str) -> tuple[int, str]:
        result = run_cli(
            "publish",
            self.mapping(title),
            "--yes",
            "--api-url",
            self.proxy.api_url,
            env={**self.env, **env},
        )
        assert self.proxy.wait_idle(), "a request held by the proxy did not finish"
        return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def rig(mediawiki: MediaWikiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The proxy, one fresh copy of the page per case, and a fault-free publish's text."""
    folder = tmp_path_factory.mktemp("faults")
    titles = [PREFIX + "reference"] + [PREFIX + case.name for case in CASES]
    revids = mediawiki.import_pages(dict.fromkeys(titles, BASE), summary="fault test base")
    env = {
        "WIKISYNC_USERNAME": mediawiki.bot_username,
        "WIKISYNC_PASSWORD": mediawiki.bot_password,
        "WIKISYNC_STORE": str(folder / "store.sqlite3"),
    }
    with FaultProxy(mediawiki.api_url) as proxy:
        rig = Rig(mediawiki, proxy, folder, env, "", revids)
        reference = PREFIX + "reference"
        code, output = rig.publish(reference)
        assert code == 0, output
        # the requests the cases aim at are all part of a plain publish
        seen = [r.target for r in proxy.records]
        for target in (*PUBLISH_REQUESTS, "siteinfo", "precheck"):
            assert target in seen, (target, seen)
        assert seen.count("login") == 2 and seen.count("edit") == 1
        assert revision_count(mediawiki, reference) == 2
        rig.expected = mediawiki.read(reference)[1]
        assert rig.expected != BASE.rstrip()
        yield rig


def _trace(records: list[Record]) -> str:
    """The requests in order, a fault after ``!``: ``login-token login read ... edit!reset``."""
    return " ".join(r.target + (f"!{r.fault}" if r.fault else "") for r in records)


def _resends_only_after_a_read_back(records: list[Record]) -> None:
    """After an edit whose outcome was unknown, the page is read (before any next edit)."""
    last_unknown: int | None = None
    for i, record in enumerate(records):
        if record.target != "edit":
            continue
        if last_unknown is not None:
            between = [r.target for r in records[last_unknown + 1 : i]]
            assert "latest" in between, f"edit re-sent without a read-back: {_trace(records)}"
        last_unknown = i if record.fault in UNKNOWN_OUTCOME else None
    if last_unknown is not None:
        after = [r.target for r in records[last_unknown + 1 :]]
        assert "latest" in after, f"a lost edit answer was never checked: {_trace(records)}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_publish_through_a_fault(rig: Rig, case: Case) -> None:
    title = PREFIX + case.name
    base_revid = rig.base_revids[title]
    assert revision_count(rig.mediawiki, title) == 1
    rules = case.make_rules()
    rig.proxy.set_rules(rules)
    env: dict[str, str] = {}
    if any(fault in SLOW for _, fault, _, _ in case.rules):
        env["WIKISYNC_HTTP_TIMEOUT"] = "1"
    if case.retries is not None:
        env["WIKISYNC_HTTP_RETRIES"] = str(case.retries)

    code, output = rig.publish(title, **env)
    records = rig.proxy.records

    assert all(rule.fired >= 1 for rule in rules), (rules, _trace(records))
    assert "Traceback" not in output
    assert code == case.exit_code, output
    edits = [r for r in records if r.target == "edit" and r.forwarded]
    assert len(edits) <= 2
    _resends_only_after_a_read_back(records)
    revid, text = rig.mediawiki.read(title)
    count = revision_count(rig.mediawiki, title)
    injected = sum(rule.fired for rule in rules)
    if code == 0:
        assert (count, text) == (2, rig.expected)
        assert f"{title}: published r{base_revid} -> r{revid}:" in output
        rig.ledger[case.name] = (injected, count - 1)
        return

    assert case.words in output
    assert f"{title}: refused: {title}:" not in output  # the page is named once
    assert re.search(r"(wikisync: error: |: refused: ).*\[[\w-]+\]", output), output
    if case.landed:
        assert (count, text) == (2, rig.expected)
    else:
        assert (count, revid, text) == (1, base_revid, BASE.rstrip())

    # a re-run without faults converges on the fault-free text, with one new revision
    rig.proxy.set_rules([])
    again, output = rig.publish(title)
    assert again == 0, output
    if case.landed:
        assert "nothing to publish" in output
    assert (revision_count(rig.mediawiki, title), rig.mediawiki.read(title)[1]) == (
        2,
        rig.expected,
    )
    rig.ledger[case.name] = (injected, count - 1)


def test_fault_matrix_summary(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    """After the matrix: what was injected, and that nothing was lost or written twice."""
    if len(rig.ledger) < len(CASES):
        pytest.skip("only part of the fault matrix ran")
    made = {(target, fault) for case in CASES for target, fault, _, _ in case.rules}
    for target in PUBLISH_REQUESTS:
        for fault in ONCE_FAULTS:
            assert (target, fault) in made
    injected = sum(faults for faults, _ in rig.ledger.values())
    assert all(added in (0, 1) for _, added in rig.ledger.values())
    with capsys.disabled():
        print(
            f"\nfault matrix: {len(CASES)} faulty publishes, {injected} faults injected, "
            f"{len({fault for _, fault in made})} kinds of fault at "
            f"{len({target for target, _ in made})} kinds of request; "
            "0 duplicate edits, 0 partial or lost pages"
        )
