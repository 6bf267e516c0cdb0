"""Tests for wikisync.spelling: dictionary-based slips in prose without canonical text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from wikisync import spelling
from wikisync.spelling import Speller, SpellingSlip, parse_word_list, tokenize_words

DATA = Path(__file__).parent / "data" / "spelling"
ROOT = Path(__file__).parent.parent
DOMAIN_WORDS = ROOT / "mappings" / "miraheze" / "domain-words.txt"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def page_counts(text: str) -> Counter[str]:
    return Counter(word.casefold() for word, _, _ in tokenize_words(text))


def found(slips: list[SpellingSlip]) -> list[tuple[str, str]]:
    return [(s.word, s.suggestions[0] if s.suggestions else "") for s in slips]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller()


@pytest.fixture(scope="module")
def domain_speller() -> Speller:
    return Speller(parse_word_list(DOMAIN_WORDS.read_text(encoding="utf-8")))


# The seed page ------------------------------------------------------------------------------


def test_seed_excerpt_yields_exactly_the_two_typos(speller: Speller) -> None:
    excerpt = read("tech-organisation-excerpt.txt")
    page = page_counts(read("tech-organisation-rendered.txt"))
    assert page["roles"] >= 1

    slips = speller.check(excerpt, page)

    assert found(slips) == [("toles", "roles"), ("respresents", "represents")]
    for slip in slips:
        assert excerpt[slip.start : slip.end] == slip.word
        assert slip.fixable
    # pyspellchecker's list has no "toles" (the tole-ware plural), so for this dictionary it
    # is a non-word; "roles" wins because the page uses it.
    assert [s.real_word for s in slips] == [False, False]
    # The grammar slips ("At least of the members", "allows ... to managing") are real words
    # in a wrong construction; a dictionary cannot see them.
    assert all(s.word not in ("least", "managing") for s in slips)


def test_full_rendered_page_yields_the_same_two_typos(speller: Speller) -> None:
    text = read("tech-organisation-rendered.txt")
    assert found(speller.check(text)) == [("toles", "roles"), ("respresents", "represents")]


def test_toles_needs_the_page_to_prefer_roles(speller: Speller) -> None:
    text = "Volunteers can have different toles."
    alone = speller.check(text)
    assert [s.word for s in alone] == ["toles"]
    assert alone[0].suggestions[0] != "roles"
    assert not alone[0].fixable

    with_page = speller.check(text, {"toles": 1, "roles": 3, "volunteers": 2})
    assert with_page[0].suggestions[0] == "roles"
    assert with_page[0].fixable


def test_common_words_cost_one_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking stays fast because only unknown or rare words have neighbours generated, and
    the two-edit dictionary walk runs only for a non-word with nothing one edit away.
    Counted, not timed; benchmarks/typo_benchmark.py prints the time per 1000 words."""
    text = read("tech-organisation-rendered.txt")
    speller = Speller()
    for cached in (spelling._edits1, spelling._dictionary_near, spelling._dictionary_far):
        cached.cache_clear()
    spelling._frequent_neighbours.cache_clear()
    edited: list[str] = []
    walked: list[str] = []
    real_edits, real_walk = spelling._edits1, spelling._search_distance_two

    def counting_edits(word: str) -> frozenset[str]:
        edited.append(word)
        return real_edits(word)

    def counting_walk(word: str) -> dict[str, int]:
        walked.append(word)
        return real_walk(word)

    monkeypatch.setattr(spelling, "_edits1", counting_edits)
    monkeypatch.setattr(spelling, "_search_distance_two", counting_walk)
    slips = speller.check(text)
    assert [slip.word for slip in slips] == ["toles", "respresents"]
    freq = spelling._lexicon().freq
    distinct = {word.lower() for word, _, _ in tokenize_words(text)}
    assert {"toles", "respresents"} <= set(edited)
    assert all(freq.get(word, 0) <= spelling.RARE_MAX_FREQUENCY for word in edited)
    assert len(set(edited)) < len(distinct) / 8
    assert walked == []
    speller.check("The team resolvs the infrastucure.")  # "resolve" is one edit away
    assert walked == ["infrastucure"]


def test_dictionary_is_loaded_once_per_process() -> None:
    assert Speller()._lexicon is Speller(["Miraheze"], "en-GB")._lexicon


# Clean text ---------------------------------------------------------------------------------


def test_clean_restructure_text_has_no_slips(speller: Speller, domain_speller: Speller) -> None:
    text = read("tech-sre-2021-restructure.md")
    assert speller.check(text) == []
    assert domain_speller.check(text) == []


# What is never flagged ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Members of cache-admins and puppet-users renew certificates.",
        "The host mw131.wikitide.net runs snake_case_name jobs under /srv/mediawiki and a/b.",
        "See https://meta.miraheze.org/wiki/Tech:Organisation or mail sre@miraheze.org today.",
        "MediaWiki, camelCase and iPhone are written as they are.",
        "They are called 'Site Reliabilty Engineers' in the 'puppet-usres' group, or \"cachhe\".",
        "The SRE team manages SSL certificates, IT services and the SREs' rota.",
        "Miraheze's services, one person's role, the users' rights and Varnish's cache.",
        "We don't, it's fine, they're here, you'll see, we've done it and I'm sure.",
        "Miraheze runs Varnish and works with Wikimedia and Phabricator upstream.",
        "A pro-active, day-to-day, organisation-level, third-parties, in-house, pre-existing, "
        "non-SRE, e-mail and well-being approach to wellbeing.",
        "The organisation and organization share colour, color, centre, center and behaviour.",
        "They analyse, analyze, travelled, traveled, licence, defence and the programme.",
        "See the notes etc. and the list, e.g. points ii and iii, i.e. the rest.",
    ],
)
def test_non_prose_and_accepted_forms_are_not_flagged(speller: Speller, text: str) -> None:
    assert speller.check(text) == []


def test_quotes_longer_than_a_name_are_prose(speller: Speller) -> None:
    quoted = "'" + "the team will revew every request before it is merged into the main tree" + "'"
    assert len(quoted) > spelling.QUOTE_MAX_CHARS
    assert found(speller.check(f"They said {quoted} last week.")) == [("revew", "review")]


def test_capitalised_typo_at_sentence_start_is_a_slip(speller: Speller) -> None:
    assert found(speller.check("Respresents the interests of the team.")) == [
        ("Respresents", "Represents")
    ]


def test_capitalised_word_inside_a_sentence_is_a_name(speller: Speller) -> None:
    assert speller.check("The reviewer was Labster today.") == []
    assert speller.check("The reviewer was Zppix today.") == []


def test_capitalised_near_miss_of_a_page_word_is_a_slip(speller: Speller) -> None:
    text = "The Infrastructure team helps the Infrastucture Team."
    assert found(speller.check(text)) == [("Infrastucture", "Infrastructure")]


def test_words_the_page_repeats_are_not_flagged(speller: Speller) -> None:
    assert found(speller.check("Labster merged it.")) == [("Labster", "Lobster")]
    assert speller.check("Labster merged it. Labster deployed it.") == []


def test_a_repeated_slip_of_a_more_frequent_page_word_is_still_flagged(speller: Speller) -> None:
    text = (
        "The Infrastucture team and the Infrastucture rota. Infrastructure is ours; "
        "Infrastructure matters; the infrastructure works."
    )
    assert found(speller.check(text)) == [
        ("Infrastucture", "Infrastructure"),
        ("Infrastucture", "Infrastructure"),
    ]


def test_vocabulary_words_are_never_flagged_and_keep_their_capitals() -> None:
    plain = Speller()
    domain = Speller(["Miraheze", "admins"])
    text = "The admins at mirahze help."
    assert "admins" in [s.word for s in plain.check(text)]
    assert found(domain.check(text)) == [("mirahze", "Miraheze")]


# Suggestions and fixable --------------------------------------------------------------------


def test_suggestions_prefer_words_the_page_uses(speller: Speller) -> None:
    text = "The stsff will help."
    alone = speller.check(text)
    assert alone[0].suggestions[:2] == ("stuff", "staff")
    assert not alone[0].fixable  # two common words one edit away

    with_page = speller.check(text, {"stsff": 1, "staff": 4, "will": 2, "help": 2})
    assert with_page[0].suggestions[0] == "staff"
    assert with_page[0].fixable  # the page uses "staff", not "stuff"


def test_transposition_counts_as_one_edit(speller: Speller) -> None:
    slip = speller.check("The team will reveiw it.")[0]
    assert slip.suggestions[0] == "review"
    assert slip.fixable


def test_distance_two_is_searched_only_when_nothing_is_one_edit_away(speller: Speller) -> None:
    slip = speller.check("The infrastucure is old.")[0]
    assert slip.suggestions == ("infrastructure",)


def test_dropped_apostrophe_restores_a_known_possessive() -> None:
    slip = Speller(["Miraheze"]).check("The Mirahezes services.")[0]
    assert slip.suggestions[0] == "Miraheze's"
    assert not slip.fixable  # "Miraheze" (a plural) is as close


def test_suggestions_follow_the_capitals_of_the_word(speller: Speller) -> None:
    assert speller.check("Managment is hard.")[0].suggestions[0] == "Management"


# Real-word slips ----------------------------------------------------------------------------


def test_rare_word_next_to_a_frequent_page_word_is_a_real_word_slip(speller: Speller) -> None:
    slips = speller.check("Tell the manger about it. The manager decides.")
    assert found(slips) == [("manger", "manager")]
    assert slips[0].real_word and slips[0].fixable


def test_real_word_slip_needs_the_page_to_use_the_intended_word(speller: Speller) -> None:
    assert speller.check("Tell the manger about it.") == []


def test_common_words_are_never_real_word_slips(speller: Speller) -> None:
    assert speller.check("Take it form the team. It comes from the board, from us.") == []
    assert speller.check("Their tasks are there. Their goals are set.") == []


def test_capitalised_real_word_slip_needs_the_same_phrase(speller: Speller) -> None:
    slips = speller.check("Ask the Engineering Manger. The Engineering Manager decides.")
    assert found(slips) == [("Manger", "Manager")]
    assert slips[0].real_word
    assert speller.check("Owen said that they own it, and we own it too.") == []


def test_inflections_are_not_real_word_slips(speller: Speller) -> None:
    assert speller.check("The layered cache has one layer per site and many layers.") == []


# Spelling variants --------------------------------------------------------------------------


def test_en_gb_flags_american_forms() -> None:
    british = Speller(variant="en-GB")
    slips = british.check("The organization will analyze the color of the center.")
    assert found(slips) == [
        ("organization", "organisation"),
        ("analyze", "analyse"),
        ("color", "colour"),
        ("center", "centre"),
    ]
    assert all(s.fixable and not s.real_word for s in slips)


def test_en_gb_keeps_names_and_words_where_both_spell_alike() -> None:
    british = Speller(variant="en-GB")
    assert british.check("The size of the prize is set by the World Health Organization.") == []
    assert british.check("The organisation will analyse the colour.") == []


def test_en_gb_suggests_british_forms() -> None:
    slip = Speller(variant="en-GB").check("The organizaton grows.")[0]
    assert slip.suggestions[0] == "organisation"


def test_en_us_flags_british_forms() -> None:
    american = Speller(variant="en-US")
    assert found(american.check("The organisation and its colour.")) == [
        ("organisation", "organization"),
        ("colour", "color"),
    ]
    assert american.check("The organization and its color.") == []


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="en-AU"):
        Speller(variant="en-AU")  # type: ignore[arg-type]


# Tokens and word lists ----------------------------------------------------------------------


def test_tokenize_words_keeps_offsets_and_skips_code() -> None:
    text = "Miraheze's day-to-day work (see mw1.example.org, a_b) — done."
    words = tokenize_words(text)
    assert [w for w, _, _ in words] == ["Miraheze's", "day-to-day", "work", "see", "done"]
    assert all(text[start:end] == word for word, start, end in words)


def test_parse_word_list_skips_comments_and_blank_lines() -> None:
    assert parse_word_list("# heading\nMiraheze\n\n  SRE  # acronym\n") == ["Miraheze", "SRE"]


def test_domain_word_list_is_modest_and_holds_the_core_names() -> None:
    words = parse_word_list(DOMAIN_WORDS.read_text(encoding="utf-8"))
    assert len(words) == len(set(words)) < 120
    for name in ("MediaWiki", "Miraheze", "Varnish", "Puppet", "SRE", "Wikimedia", "Phabricator"):
        assert name in words


def test_remembered_suggestions_follow_each_pages_counts() -> None:
    """One checker remembers a slip's suggestions across pages; a page whose counts change
    the answer must get its own answer, the same as a fresh checker gives."""
    shared = Speller()
    pages = [
        "The team manges the servers. The team manages releases and manages budgets.",
        "The team manges the servers. The team mangles words and mangles text.",
        "The team manges the servers. The team manages releases and manages budgets.",
        "The team manges the servers.",
    ]
    answers = []
    for text in pages:
        remembered = shared.check(text, page_counts(text))
        fresh = Speller().check(text, page_counts(text))
        assert remembered == fresh
        answers.append(found(remembered))
    assert answers[0] == answers[2] == [("manges", "manages")]
    assert answers[1] != answers[0]
