"""Read and check N pages on a throw-away local MediaWiki, against the bare costs of the same.

Usage: python3 benchmarks/live_check.py [--pages 500] [--rounds 5]

Starts a MediaWiki 1.39 on loopback (the test suite's harness, so the Debian packages must be
installed: see .ci/run), seeds N distinct organisation pages (variants of the bundled
snapshot: each has its own slips), and measures in this one run:

* wikisync check: the library's live check over all N pages (read, parse, compare, spell);
* naive fetch: mwclient ``page.text()`` once per page (what a simple bot does);
* bare batched fetch: ``prop=revisions`` with 50 titles a request, nothing else;
* bare parse: ``mwparserfromhell.parse`` of the same texts.

The wiki's speed and this machine's vary by tens of percent from one moment to the next, so
the check, the bare fetch and the bare parse are measured in ``--rounds`` rounds (default 5),
one after the other in each round; before each check every wikisync cache is emptied and a
new check context made, so each round's check starts as cold as the first (the spelling
dictionary stays loaded, as in a scheduled job); the cycle collector runs before each
measurement, so no round pays for an earlier round's garbage. It prints time and HTTP
requests for each, the ratio of the check to (bare batched fetch + bare parse) in every
round, and their median. The naive fetch is measured once, and so is the ``wikisync check``
command run as a user runs it: a new process, whose Python start-up, imports, dictionary
load and JSON report come on top of the check (its requests are counted in the wiki's log).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mwclient
import mwparserfromhell
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cache_state import clear_caches  # noqa: E402
from mediawiki_server import MediaWikiServer  # noqa: E402

from wikisync.live import check_live  # noqa: E402
from wikisync.mapping import load_mapping  # noqa: E402
from wikisync.pipeline import CheckContext  # noqa: E402
from wikisync.wiki import WikiSession  # noqa: E402

SNAPSHOT = ROOT / "mappings" / "miraheze" / "snapshots" / "Tech_Organisation.wikitext"
PREFIX = "Org bench/"


def variants(count: int, seed: int = 7) -> dict[str, str]:
    """Distinct pages: each swaps a few words for near misses and drops a bullet or not."""
    rng = random.Random(seed)
    base = SNAPSHOT.read_text()
    words = ["infrastructure", "community", "department", "services", "members", "budget"]
    pages: dict[str, str] = {}
    for i in range(count):
        text = base.replace("Together,", f"Together (as of {2000 + i}),", 1)
        for word in rng.sample(words, 2):
            slip = word[:2] + word[3] + word[2] + word[4:]
            text = text.replace(f" {word} ", f" {slip} ", 1)
        if i % 3 == 0:
            text = text.replace("* goals are met and kept on track for Infrastructure,\n", "")
        pages[f"{PREFIX}{i:04d}"] = text
    return pages


class CountingSession(requests.Session):
    """Counts the HTTP requests the naive client sends."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.count += 1
        return super().request(*args, **kwargs)


def bare_batched_fetch(api_url: str, titles: list[str]) -> tuple[list[str], int]:
    http = requests.Session()
    http.headers["User-Agent"] = "wikisync-benchmark (local test wiki)"
    texts: list[str] = []
    requests_made = 0
    for i in range(0, len(titles), 50):
        params = {
            "action": "query",
            "format": "json",
            "formatversion": "2",
            "prop": "revisions",
            "rvprop": "ids|timestamp|content",
            "rvslots": "main",
            "titles": "|".join(titles[i : i + 50]),
        }
        while True:
            answer = http.post(api_url, data=params).json()
            requests_made += 1
            for page in answer["query"]["pages"]:
                for rev in page.get("revisions", []):
                    texts.append(rev["slots"]["main"]["content"])
            if "continue" not in answer:
                break
            params.update(answer["continue"])
    return texts, requests_made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.pages < 1 or args.rounds < 1:
        parser.error("--pages and --rounds must be at least 1")

    with tempfile.TemporaryDirectory() as tmp, MediaWikiServer(Path(tmp) / "wiki") as wiki:
        pages = variants(args.pages)
        started = time.perf_counter()
        wiki.import_pages(pages)
        print(
            f"seeded {len(pages)} pages in {time.perf_counter() - started:.1f} s "
            f"({sum(map(len, pages.values())) / len(pages):.0f} characters each)"
        )
        titles = list(pages)
        mapping_file = Path(tmp) / "mapping.yaml"
        mapping_file.write_text(
            (ROOT / "mappings" / "miraheze" / "mapping.yaml")
            .read_text()
            .replace("https://meta.miraheze.org/w/api.php", wiki.api_url)
            .replace("    - Tech:Organisation", f'    []\n  prefix: "{PREFIX}"')
            .replace("titles:\n    []", "titles: []")
            .replace("canonical: ", f"canonical: {ROOT / 'mappings' / 'miraheze'}/")
            .replace("snapshot: ", f"snapshot: {ROOT / 'mappings' / 'miraheze'}/")
            .replace("wordlist: ", f"wordlist: {ROOT / 'mappings' / 'miraheze'}/")
        )
        mapping = load_mapping(mapping_file)

        # warm the wiki's caches the same way for every contender
        bare_batched_fetch(wiki.api_url, titles)

        rounds: list[tuple[float, float, float]] = []
        for _ in range(args.rounds):
            gc.unfreeze()  # what the previous round's check froze (see collector_paused)
            gc.collect()
            t0 = time.perf_counter()
            texts, bare_requests = bare_batched_fetch(wiki.api_url, titles)
            bare_fetch = time.perf_counter() - t0
            assert len(texts) == len(titles)

            gc.collect()
            t0 = time.perf_counter()
            for text in texts:
                mwparserfromhell.parse(text)
            bare_parse = time.perf_counter() - t0

            clear_caches()
            context = CheckContext(mapping)
            assert context.speller is not None  # the dictionary loads once per process
            gc.collect()  # the emptied caches' garbage, as a fresh process has none
            t0 = time.perf_counter()
            session = WikiSession.connect(wiki.api_url, contact="benchmark@localhost")
            before = session.request_count
            result = check_live(context, gateway=session)
            check = time.perf_counter() - t0
            check_requests = session.request_count - before + 1  # + the connect request
            assert len(result.pages) == len(titles) and all(p.findings for p in result.pages)
            rounds.append((check, bare_fetch, bare_parse))

        # the command as a user runs it: a new process (start-up, imports, dictionary load)
        logged = len(wiki.api_requests())
        t0 = time.perf_counter()
        command = subprocess.run(
            [sys.executable, "-m", "wikisync", "check", str(mapping_file), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        command_seconds = time.perf_counter() - t0
        command_requests = len(wiki.api_requests()) - logged
        assert command.returncode == 1, command.stderr  # 1: findings, as every page has some
        assert len(json.loads(command.stdout)["pages"]) == len(titles)

        http = CountingSession()
        site = mwclient.Site(
            wiki.host,
            path="/",
            scheme="http",
            pool=http,
            clients_useragent="wikisync-benchmark (local test wiki)",
        )
        t0 = time.perf_counter()
        naive_texts = [site.pages[title].text() for title in titles]
        naive = time.perf_counter() - t0
        assert naive_texts == texts

    n = len(titles)
    check, bare_fetch, bare_parse = (statistics.median(r[i] for r in rounds) for i in range(3))
    rows = [
        ("wikisync check (read+parse+compare)", check, check_requests),
        ("naive fetch (mwclient page.text())", naive, http.count),
        ("bare batched fetch (50 per request)", bare_fetch, bare_requests),
        ("bare mwparserfromhell parse", bare_parse, 0),
        ("`wikisync check` command, new process", command_seconds, command_requests),
    ]
    print(f"medians of {len(rounds)} rounds (the naive fetch and the command: one run)")
    print(f"{'':<38}{'seconds':>9}{'ms/page':>9}{'requests':>10}")
    for name, seconds, count in rows:
        print(f"{name:<38}{seconds:>9.3f}{seconds / n * 1000:>9.3f}{count:>10}")
    ratios = [c / (f + p) for c, f, p in rounds]
    for i, ((c, f, p), ratio) in enumerate(zip(rounds, ratios, strict=True), 1):
        print(f"round {i}: check {c:.3f} s, fetch {f:.3f} s, parse {p:.3f} s, {ratio:.2f}")
    median = statistics.median(ratios)
    print(f"check / (bare fetch + bare parse), median of the rounds = {median:.2f}")
    command_ratio = command_seconds / (bare_fetch + bare_parse)
    print(f"command / (median bare fetch + median bare parse) = {command_ratio:.2f}")
    print(f"naive fetch / bare batched fetch = {naive / bare_fetch:.1f}")


if __name__ == "__main__":
    main()
