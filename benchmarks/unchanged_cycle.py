"""What a scheduled run costs when nothing changed, against a run that reads every page.

Usage: python3 benchmarks/unchanged_cycle.py [--pages 500] [--mode report|publish] [--anonymous]

Starts a throw-away MediaWiki 1.39 on loopback (the test suite's harness, so the Debian
packages must be installed: see .ci/run), seeds N distinct organisation pages (the variants
``live_check.py`` uses), writes a jobs file with one job over all of them, and runs
``wikisync run JOBS --once`` twice as a cron job would, with a fresh store:

* the first run reads, parses and compares every page (and in publish mode fixes them);
* the second finds every revision id and the canonical data unchanged and reads nothing.

For each run it prints the HTTP requests the run's cycle sent (from the runner's log), all
api.php requests the wiki saw (connecting and logging in included), the content reads among
them, the cycle's time per page and the whole process's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_check import PREFIX, variants  # noqa: E402
from mediawiki_server import MediaWikiServer  # noqa: E402

MIRAHEZE = ROOT / "mappings" / "miraheze"


def write_files(folder: Path, api_url: str, mode: str) -> Path:
    """A mapping over every seeded page (by prefix) and a jobs file with one job."""
    (folder / "mapping.yaml").write_text(
        (MIRAHEZE / "mapping.yaml")
        .read_text()
        .replace("https://meta.miraheze.org/w/api.php", api_url)
        .replace("    - Tech:Organisation", f'    []\n  prefix: "{PREFIX}"')
        .replace("titles:\n    []", "titles: []")
        .replace("canonical: ", f"canonical: {MIRAHEZE}/")
        .replace("snapshot: ", f"snapshot: {MIRAHEZE}/")
        .replace("wordlist: ", f"wordlist: {MIRAHEZE}/")
    )
    jobs = folder / "jobs.yaml"
    jobs.write_text(
        f"store: store.sqlite3\njobs:\n  - name: bench\n    mapping: mapping.yaml\n"
        f"    mode: {mode}\n    every: 30 minutes\n"
    )
    return jobs


def run_once(wiki: MediaWikiServer, jobs: Path, env: dict[str, str]) -> dict[str, Any]:
    since = len(wiki.api_requests())
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "wikisync", "run", str(jobs), "--once", "--log-format", "json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    found = [
        event
        for line in done.stderr.splitlines()
        if line.startswith("{") and (event := json.loads(line)).get("event") == "cycle"
    ]
    if not found:
        raise SystemExit(f"the run failed ({done.returncode}):\n{done.stderr}")
    return {
        **found[0],
        "wall": wall,
        "api_requests": len(wiki.api_requests(since)),
        "content_reads": len(wiki.content_queries(since)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--mode", choices=["report", "publish"], default="report")
    parser.add_argument(
        "--anonymous", action="store_true", help="Read without logging in (report mode only)."
    )
    args = parser.parse_args()
    if args.anonymous and args.mode == "publish":
        parser.error("publishing needs a login")

    with tempfile.TemporaryDirectory() as tmp, MediaWikiServer(Path(tmp) / "wiki") as wiki:
        pages = variants(args.pages)
        started = time.perf_counter()
        wiki.import_pages(pages)
        print(f"seeded {len(pages)} pages in {time.perf_counter() - started:.1f} s")
        jobs = write_files(Path(tmp), wiki.api_url, args.mode)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIKISYNC_")}
        if not args.anonymous:
            env |= {"WIKISYNC_USERNAME": wiki.bot_username, "WIKISYNC_PASSWORD": wiki.bot_password}
        full = run_once(wiki, jobs, env)
        unchanged = run_once(wiki, jobs, env)

    n = len(pages)
    login = "anonymous" if args.anonymous else "bot login"
    print(f"{n} pages, mode {args.mode}, {login}")
    header = (
        f"{'run':<24}{'checked':>8}{'skipped':>8}{'edits':>7}{'cycle req':>10}"
        f"{'api.php':>9}{'content':>9}{'ms/page':>9}{'wall s':>8}{'exit':>5}"
    )
    print(header)
    for name, run in (("full (first) cycle", full), ("unchanged (second) cycle", unchanged)):
        print(
            f"{name:<24}{run['checked']:>8}{run['skipped_unchanged']:>8}{run['edits']:>7}"
            f"{run['requests']:>10}{run['api_requests']:>9}{run['content_reads']:>9}"
            f"{run['seconds'] / n * 1000:>9.3f}{run['wall']:>8.2f}{run['exit_code']:>5}"
        )
    print(
        "cycle req: requests of the cycle itself; api.php: all the wiki saw, connecting and "
        "logging in included; content: reads of page text"
    )


if __name__ == "__main__":
    main()
