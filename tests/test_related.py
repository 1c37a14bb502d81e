"""Related links: term extraction, archive similarity, link groups and backlinks."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from reader.core.analysis.links import (
    BacklinkIndex,
    KeyIndex,
    RelatedLink,
    archive_links,
    backlink_links,
    entry_links,
    inline_links,
    normalise_url,
    outbound_urls,
    related_links,
)
from reader.core.analysis.similarity import SimilarityIndex
from reader.core.analysis.story_terms import MAX_TERMS, index_terms, is_entity
from reader.core.models import Article, Document, EntryLink, Link, RelatedItem

# --------------------------------------------------------------------------- index_terms


def test_names_are_entities_and_outweigh_ordinary_words() -> None:
    terms = index_terms(
        "Talks stall over ceasefire",
        "Russian President Vladimir Putin said the talks would continue. "
        "The ceasefire was discussed in Kursk, where officials met. "
        "Putin's aides said the ceasefire talks were complex.",
    )
    assert is_entity("Putin") and not is_entity("ceasefire")
    # The whole name is one term; the surname alone is kept at half its weight.
    assert "Vladimir Putin" in terms and "Kursk" in terms and "Vladimir" not in terms
    assert terms["Putin"] == terms["Vladimir Putin"] / 2
    assert "putin" not in terms
    assert "ceasefire" in terms and "talk" in terms  # lower case, plural stripped
    assert terms["Vladimir Putin"] > terms["official"]
    assert "the" not in terms and "said" not in terms and "The" not in terms


def test_sentence_initial_capitals_are_not_names_unless_seen_as_names() -> None:
    terms = index_terms(
        "",
        "Officials met on Monday. Negotiations went on. Later the envoy met Witkoff. Witkoff left.",
    )
    assert "official" in terms and "Officials" not in terms
    assert "negotiation" in terms
    assert "Witkoff" in terms and "witkoff" not in terms
    assert "Monday" not in terms and "monday" not in terms


def test_title_case_headline_does_not_make_every_word_a_name() -> None:
    terms = index_terms(
        "Putin Does Not Fully Support Ceasefire Proposal For Ukraine",
        "Vladimir Putin discussed the ceasefire proposal for Ukraine with Witkoff.",
    )
    assert "Vladimir Putin" in terms and "Ukraine" in terms
    assert "ceasefire" in terms and "Ceasefire" not in terms
    assert "Fully" not in terms and "Proposal" not in terms
    # Title words get a boost over the same word that appears only in the body.
    assert terms["Vladimir Putin"] > terms["Witkoff"]


def test_abbreviations_acronyms_and_possessives() -> None:
    terms = index_terms("", "It was signed by Mr. Sikorski and the U.S. envoy at NATO's summit.")
    assert "Sikorski" in terms and "NATO" in terms
    assert "US" not in terms  # on every story: never a reason


def test_terms_are_capped_and_deterministic() -> None:
    words = [f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(200)]
    text = " ".join(w.replace("word", "tok") for w in words)
    terms = index_terms("A title", text)
    assert 0 < len(terms) <= MAX_TERMS
    assert terms == index_terms("A title", text)
    assert all(isinstance(v, float) and v > 0 for v in terms.values())


def test_empty_input() -> None:
    assert index_terms("", "") == {}
    assert index_terms("", "123 456 ... !!") == {}


# --------------------------------------------------------------------------- similarity


FILLER = (
    "the government said officials would review the report and the plan on the new budget "
    "while the market watched prices and the policy debate continued across the country. "
)


def _story(title: str, body: str) -> dict[str, float]:
    return index_terms(title, body)


@pytest.fixture
def archive() -> SimilarityIndex:
    stories = {
        "query": _story(
            "Putin meets Lukashenko",
            "Vladimir Putin met Alexander Lukashenko in Minsk to talk about Kursk. "
            "The officials discussed the budget report and the policy plan. " + FILLER,
        ),
        "people": _story(
            "Leaders confer",
            "In a brief call Putin and Lukashenko spoke about Kursk and grain. "
            "Lukashenko praised Putin.",
        ),
        "words": _story(
            "Budget plan report",
            "The officials discussed the budget report and the policy plan. " + FILLER * 3,
        ),
        "other": _story("Football", "Arsenal beat Chelsea after Saka scored twice."),
    }
    # Background articles give common words their low idf.
    for i in range(30):
        stories[f"bg{i}"] = _story(f"Story {i}", FILLER + f"Zorblat{i} visited Quonk{i}.")
    return SimilarityIndex((a, terms, None) for a, terms in stories.items())


def test_shared_people_outrank_shared_common_words(archive: SimilarityIndex) -> None:
    results = archive.similar("query", k=3)
    ids = [article_id for article_id, _, _ in results]
    assert ids[0] == "people"
    assert "query" not in ids
    # The common-words story shares more words, and loses by far.
    scores = {a: score for a, score, _ in archive.similar("query", k=40)}
    assert scores["people"] > 2 * scores.get("words", 0.0)


def test_reason_names_shared_entities_first(archive: SimilarityIndex) -> None:
    article_id, score, reason = archive.similar("query", k=1)[0]
    assert article_id == "people" and 0 < score <= 1.0
    assert reason.startswith("also on ")
    named = reason.removeprefix("also on ").split(", ")
    assert {"Putin", "Lukashenko"} <= set(named) or {"Putin", "Kursk"} <= set(named)
    assert all(is_entity(name) for name in named[:2])


def test_similar_by_terms_exclude_and_unknown(archive: SimilarityIndex) -> None:
    by_terms = archive.similar(archive.terms_of("query"), k=3)
    assert by_terms[0][0] == "query"  # terms are not an id: the article itself matches
    excluded = archive.similar("query", k=3, exclude=["people"])
    assert "people" not in [a for a, _, _ in excluded]
    assert archive.similar("missing") == []
    assert archive.similar("query", k=0) == []
    assert archive.similar({"Nobodyknowsthisword": 3.0}) == []


def test_remove_and_re_add(archive: SimilarityIndex) -> None:
    size = len(archive)
    archive.remove("people")
    assert "people" not in archive and len(archive) == size - 1
    assert "people" not in [a for a, _, _ in archive.similar("query", k=10)]
    archive.remove("people")  # idempotent
    archive.add("people", {"Putin": 5.0, "Lukashenko": 5.0})
    assert archive.similar("query", k=1)[0][0] == "people"
    archive.add("people", {"Arsenal": 5.0})  # replaces, does not merge
    assert archive.terms_of("people") == {"Arsenal": 5.0}
    assert "people" not in [a for a, _, _ in archive.similar("query", k=10)]


def test_index_grows_from_empty() -> None:
    index = SimilarityIndex()
    assert index.similar({"Putin": 1.0}) == []
    for i in range(50):
        index.add(f"a{i}", {f"Name{i % 5}": 3.0, f"word{i}": 1.0, "common": 1.0})
    results = index.similar("a0", k=10)
    assert {a for a, _, _ in results[:9]} == {f"a{i}" for i in range(5, 50, 5)}
    # In 10 of 50 articles, Name0 is as common here as "common": neither is a reason.
    assert all(reason == "" for _, _, reason in results)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_twenty_thousand_articles() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(6000)]
    cumulative = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocabulary))))
    topics = [
        ([f"Name{t}x{j}" for j in range(4)], [f"topic{t}w{j}" for j in range(12)])
        for t in range(400)
    ]
    items = []
    for n in range(20_000):
        names, words = topics[n % len(topics)]
        terms = {w: 1.0 for w in rng.choices(vocabulary, cum_weights=cumulative, k=25)}
        terms.update({name: 4.0 for name in rng.sample(names, 2)})
        terms.update({w: 2.0 for w in rng.sample(words, 5)})
        items.append((f"a{n}", terms))
    index = SimilarityIndex((a, terms, None) for a, terms in items)
    assert len(index) == 20_000
    for n in (0, 123, 19_999):
        results = index.similar(f"a{n}", k=5)
        assert len(results) == 5
        assert all(int(a[1:]) % len(topics) == n % len(topics) for a, _, _ in results)
        assert all(reason.startswith("also on Name") for _, _, reason in results)


# --------------------------------------------------------------------------- links


def _doc(**fields: object) -> Document:
    return Document(title="Story", **fields)  # type: ignore[arg-type]


ARTICLE = Article(id="a1", feed_id="f1", title="Story", link="https://news.example/story")


def test_inline_links_are_deduplicated_capped_and_counted() -> None:
    links = tuple(
        Link(i + 1, url, text)
        for i, (url, text) in enumerate(
            [
                ("https://www.example.com/a", "First"),
                ("http://example.com/a/", "Same page again"),
                ("https://example.com/a#section", "And again"),
                ("javascript:alert(1)", "Evil"),
                ("mailto:someone@example.com", "Mail"),
                ("https://other.org/b", ""),
                ("https://third.net/c", "Third"),
                ("https://fourth.net/d", "Fourth"),
            ]
        )
    )
    shown, more = inline_links(_doc(links=links), limit=2)
    assert [(link.title, link.domain) for link in shown] == [
        ("First", "example.com"),
        ("other.org", "other.org"),
    ]
    assert more == 2
    assert all(link.kind == "inline" and link.url for link in shown)
    everything, none_left = inline_links(_doc(links=links), limit=50)
    assert len(everything) == 4 and none_left == 0
    assert all(link.url and link.url.startswith(("http://", "https://")) for link in everything)


def test_related_links_groups_in_order_with_archive_lookup() -> None:
    doc = _doc(
        related_heading="Don't Miss",
        related=(
            RelatedItem("Kursk offensive stalls", "Ukrainian units hold", "https://news.example/k"),
            RelatedItem("Unsafe", "", "javascript:alert(1)"),
            RelatedItem("No link at all"),
        ),
        links=(
            Link(1, "https://news.example/k", "Kursk"),  # already in the section
            Link(2, "https://news.example/story#top", "this story"),  # the article itself
            Link(3, "https://ria.example/x", "RIA"),
        ),
    )
    article = Article(
        id="a1",
        feed_id="f1",
        title="Story",
        link="https://news.example/story",
        entry_links=(
            EntryLink("https://news.example/story", "alternate"),
            EntryLink("https://cdn.example/ep.mp3", "enclosure", type="audio/mpeg"),
            EntryLink("https://news.example/story/comments", "comments"),
            EntryLink("https://ria.example/x", "related"),  # already inline
            EntryLink("https://more.example/y", "related"),
            EntryLink("https://news.example/feed", "self"),
            EntryLink("ftp://files.example/z", "enclosure"),
        ),
    )
    stored = {"https://news.example/k": "a9", "No link at all": "a8"}
    links = related_links(doc, article, find_article=stored.get)
    assert [(link.kind, link.title) for link in links] == [
        ("section", "Kursk offensive stalls"),
        ("section", "Unsafe"),
        ("section", "No link at all"),
        ("inline", "RIA"),
        ("entry", "Enclosure (audio/mpeg)"),
        ("entry", "Comments"),
        ("entry", "Related (more.example)"),
    ]
    first, unsafe, bare = links[:3]
    assert first.in_archive and first.article_id == "a9" and first.blurb == "Ukrainian units hold"
    assert first.reason == "Don't Miss" and first.domain == "news.example"
    assert unsafe.url is None and not unsafe.in_archive
    assert bare.url is None and bare.article_id == "a8"
    assert all(link.url is None or link.url.startswith("https://") for link in links)


def test_entry_link_labels() -> None:
    article = Article(
        id="a1",
        feed_id="f1",
        title="Story",
        entry_links=(
            EntryLink("https://cdn.example/v.mp4", "enclosure", type="video/mp4"),
            EntryLink("https://cdn.example/file", "enclosure"),
            EntryLink("https://c.example/thread", "comments"),
            EntryLink("https://r.example/x", "related", title="Earlier coverage"),
            EntryLink("https://r.example/y", "RELATED"),
            EntryLink("https://alt.example/en", "alternate", type="text/html"),
            EntryLink("data:text/html,hi", "related"),
        ),
    )
    assert [link.title for link in entry_links(article)] == [
        "Enclosure (video/mp4)",
        "Enclosure",
        "Comments",
        "Earlier coverage",
        "Related (r.example)",
        "Alternate version (text/html)",
    ]


def test_control_characters_are_cleaned_from_titles() -> None:
    doc = _doc(links=(Link(1, "https://e.example/\x1b", "Evil\x1b[2J title\n"),))
    (link,), _ = inline_links(doc)
    assert link.title == "Evil [2J title"
    assert link.url == "https://e.example/"


def test_as_record_matches_the_cli_shape() -> None:
    link = RelatedLink("archive", "Other", "https://x.example/", "also mentions Putin", "", "a2")
    assert link.as_record("Story") == {
        "article": "Story",
        "title": "Other",
        "url": "https://x.example/",
        "kind": "archive",
        "reason": "also mentions Putin",
        "in_archive": True,
    }


def test_archive_links_use_lookup_and_skip_the_article_itself() -> None:
    articles = {
        "a1": Article(
            "a1",
            "f",
            "Putin in Kursk",
            link="https://n.example/1",
            terms={"Putin": 4.0, "Kursk": 4.0},
        ),
        "a2": Article(
            "a2", "f", "Kursk again", link="javascript:x()", terms={"Putin": 4.0, "Kursk": 3.0}
        ),
        "a3": Article("a3", "f", "Football", terms={"Arsenal": 4.0}),
    }
    index = SimilarityIndex((a.id, a.terms, None) for a in articles.values())
    links = archive_links(index, articles["a1"], articles.get)
    assert [(link.kind, link.article_id, link.url) for link in links] == [("archive", "a2", None)]
    assert links[0].reason == "also on Putin, Kursk" and links[0].in_archive
    stored_terms = {"Putin": 4.0, "Kursk": 4.0}  # as the library reads them from the terms file
    assert archive_links(index, articles["a1"], articles.get, terms=stored_terms) == links
    # An article not yet indexed is queried by its terms.
    new = Article("a4", "f", "New", terms={"Kursk": 2.0, "Putin": 1.0})
    assert {link.article_id for link in archive_links(index, new, articles.get)} == {"a1", "a2"}


# --------------------------------------------------------------------------- URLs, backlinks


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://Example.COM/a/b/", "https://example.com/a/b"),
        ("http://example.com/a/b#frag", "https://example.com/a/b"),
        ("https://www.example.com:443/a?q=1&utm_source=x", "https://example.com/a?q=1"),
        ("http://example.com:8080/", "https://example.com:8080"),
        ("  https://example.com  ", "https://example.com"),
        ("javascript:alert(1)", ""),
        ("mailto:x@example.com", ""),
        ("/relative/path", ""),
        ("", ""),
    ],
)
def test_normalise_url(url: str, normal: str) -> None:
    assert normalise_url(url) == normal


def test_backlinks_with_url_normalisation() -> None:
    index = BacklinkIndex(
        [
            ("a2", ["http://news.example/story/", "https://other.example/"]),
            ("a3", ["https://NEWS.example/story#comments"]),
            ("a4", ["https://news.example/story-2"]),
            ("a1", ["https://news.example/story"]),  # links to itself
        ]
    )
    assert index.linking_to("https://news.example/story") == ["a2", "a3", "a1"]
    assert index.linking_to("https://news.example/story", exclude=["a1"]) == ["a2", "a3"]
    index.remove("a2")
    assert index.linking_to("https://www.news.example/story/") == ["a3", "a1"]
    index.add("a3", ["https://elsewhere.example/"])  # replaces a3's links
    assert index.linking_to("https://news.example/story") == ["a1"]
    assert index.linking_to("javascript:void(0)") == []
    assert len(index) == 3


@pytest.mark.slow  # thousands of random merges
def test_key_index_keeps_order_through_merges_removals_and_compaction() -> None:
    """Later additions wait beside the sorted arrays, then merge; dead slots are renumbered."""
    index = KeyIndex([(f"old{i}", [f"k{i % 7}", "shared"]) for i in range(50)])
    for i in range(6000):  # enough to merge the recent additions into the arrays
        index.add(f"new{i}", ["shared", f"n{i}"])
    assert index.get("shared")[:3] == ["old0", "old1", "old2"]
    assert index.get("shared")[-1] == "new5999"
    assert index.get("k3") == [f"old{i}" for i in range(50) if i % 7 == 3]
    index.add("old3", ["k3"])  # re-filed: it moves to the end, and leaves "shared"
    assert index.get("k3")[-1] == "old3"
    assert "old3" not in index.get("shared")
    for i in range(0, 6000, 2):  # a quarter dead forces a compaction
        index.remove(f"new{i}")
    assert index.get("n2") == [] and index.get("n3") == ["new3"]
    assert index.get("shared")[-2:] == ["new5997", "new5999"]
    assert len(index) == 50 + 3000
    assert index.get("") == [] and index.get("nowhere") == []
    index.add("blank", ["", ""])  # no keys: not filed at all
    assert len(index) == 50 + 3000


def test_backlink_links_and_outbound_urls() -> None:
    doc = _doc(
        links=(Link(1, "https://news.example/story", "it"), Link(2, "javascript:x", "no")),
        related=(RelatedItem("More", url="https://news.example/more"),),
    )
    assert outbound_urls(doc) == ["https://news.example/story", "https://news.example/more"]
    articles = {
        "a1": ARTICLE,
        "a2": Article("a2", "f", "Roundup", link="https://blog.example/roundup"),
    }
    index = BacklinkIndex([("a2", outbound_urls(doc)), ("a1", ["https://news.example/story"])])
    links = backlink_links(index, ARTICLE, articles.get)
    assert [(link.kind, link.article_id, link.title) for link in links] == [
        ("backlink", "a2", "Roundup")
    ]
    assert links[0].domain == "blog.example"


def test_index_builds_leave_the_garbage_collector_as_they_found_it(tmp_path: Path) -> None:
    """Collection is off while the archive indexes are built (long pauses at 100k), on after."""
    import gc

    from reader.core.library import open_library
    from tests.conftest import frozen_clock

    library = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        seen: list[bool] = []
        library.background_pause = lambda: seen.append(gc.isenabled())
        assert gc.isenabled()
        library.related(library.articles()[0].id)
        library.search("ceasefire ")
        assert seen and not any(seen), "collection was off during the builds"
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        library.close()


def test_related_links_do_not_wait_for_an_index_build_in_progress(tmp_path: Path) -> None:
    from reader.core.library import open_library
    from tests.conftest import frozen_clock

    library = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        seed = next(a for a in library.articles() if a.title.startswith("Putin Does Not"))
        doc = library.document(seed.id)
        library.archive.lock.acquire()  # another thread is building the indexes
        try:
            partial = library.related_for(doc, seed, wait=False)
            assert partial and not [link for link in partial if link.kind == "archive"]
            assert not library.archive_ready()
        finally:
            library.archive.lock.release()
        full = library.related_for(doc, seed, wait=False)  # free: this call builds them
        assert [link for link in full if link.kind == "archive"]
        assert library.archive_ready()
    finally:
        library.close()
