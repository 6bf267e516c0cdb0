"""The {{bots}}/{{nobots}} rules, on wikitext alone (no wiki needed)."""

from __future__ import annotations

import pytest

from wikisync.botpolicy import bots_policy

ME = "WikisyncBot@wikisync"


@pytest.mark.parametrize(
    "text",
    [
        "No templates at all.",
        "{{bots}}",
        "{{bots|allow=all}}",
        "{{bots|deny=none}}",
        "{{bots|allow=WikisyncBot}}",
        "{{bots|allow=OtherBot, wikisyncbot}}",
        "{{bots|allow= WikisyncBot <!-- ours -->}}",
        "{{bots|deny=OtherBot,ThirdBot}}",
        "{{bots|deny=all|allow=WikisyncBot}}",  # named explicitly: allowed
        "{{bot|deny=all}}",  # another template
        "{{BOTS|deny=all}}",  # only the first letter is case-insensitive in titles
        "<!-- {{nobots}} -->",
        "<nowiki>{{nobots}}</nowiki>",
        "<pre>{{bots|deny=all}}</pre>",
        "{{bots|optout=all}}",  # opting out of talk-page messages, not of edits
    ],
)
def test_allowed(text: str) -> None:
    assert bots_policy(text, ME) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{{nobots}}", "all bots"),
        ("Intro.\n{{ nobots }}\nMore.", "all bots"),
        ("{{Nobots}}", "all bots"),
        ("{{Template:Nobots}}", "all bots"),
        ("{{bots|deny=all}}", "denies all bots"),
        ("{{bots|deny=OtherBot, WikisyncBot}}", "denies WikisyncBot"),
        ("{{bots|deny=wikisyncbot}}", "denies WikisyncBot"),
        ("{{bots|deny=Other,\n  WikisyncBot\n}}", "denies WikisyncBot"),
        ("{{bots|allow=none}}", "allows no bots"),
        ("{{bots|allow=OtherBot}}", "only the listed bots, not WikisyncBot"),
        ("{{bots|allow=}}", "allows no bots"),
        ("{{bots|allow=WikisyncBot|deny=WikisyncBot}}", "denies WikisyncBot"),
        ("{{bots}} and later {{nobots}}", "all bots"),
        ("{{Infobox|note={{nobots}}}}", "all bots"),
    ],
)
def test_denied(text: str, words: str) -> None:
    reason = bots_policy(text, ME)
    assert reason is not None and words in reason
    assert reason.startswith("the page has {{")


def test_names_compare_case_insensitively_and_without_the_app_part() -> None:
    assert bots_policy("{{bots|deny=Wikisync Bot}}", "Wikisync_Bot@app") is not None
    assert bots_policy("{{bots|deny=Wikisync_Bot}}", "Wikisync Bot") is not None
    assert bots_policy("{{bots|allow=WIKISYNCBOT}}", "wikisyncbot") is None
    assert bots_policy("{{bots|deny=WikisyncBot}}", "OtherBot@wikisync") is None


def test_long_templates_are_shortened_in_the_reason() -> None:
    names = ",".join(f"Bot{n}" for n in range(40))
    reason = bots_policy(f"{{{{bots|deny={names},WikisyncBot}}}}", ME)
    assert reason is not None and "..." in reason and len(reason) < 160
