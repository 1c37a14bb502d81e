"""Full-text search: terms counted at ingest, persisted per feed, queried from memory."""

from __future__ import annotations

import json
from array import array
from pathlib import Path

import pytest

from reader.cli import main
from reader.core.analysis import search as fulltext
from reader.core.analysis.search_words import match_spans
from reader.core.errors import StoreCorrupt
from reader.core.library import Library, open_library
from reader.core.models import Quote
from reader.core.storage.search_db import FILE_NAME, Snapshot, View
from reader.core.storage.sidecar import StoredArray
from tests.conftest import frozen_clock, rss

HARBOUR = (
    "<p>The Zürich harbour authority said on Monday that floods closed the quay.</p>"
    "<p>“We will reopen the quay within a week,” said Anna Berg, the harbour master.</p>"
)
BAKERY = "<p>A small bakery in Lyon won the national bread award for its sourdough.</p>"
FERRY = "<p>Ferry workers walked out; the operator said the harbour would stay open.</p>"


def _feed_file(tmp_path: Path, name: str, items: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / name
    path.write_bytes(rss(name, items))
    return path


@pytest.fixture
def news(tmp_path: Path) -> Library:
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    lib.add(
        str(
            _feed_file(
                tmp_path,
                "port.xml",
                [("h1", "Harbour floods close the quay", HARBOUR), ("f1", "Ferry strike", FERRY)],
            )
        )
    )
    lib.add(str(_feed_file(tmp_path, "food.xml", [("b1", "Bakery wins award", BAKERY)])))
    lib.analyse_pending()
    yield lib
    lib.close()


def titles(hits: list[fulltext.SearchHit]) -> list[str]:
    return [hit.article.title for hit in hits]


def test_words_are_anded_and_title_hits_rank_first(news: Library) -> None:
    assert titles(news.search("harbour ")) == ["Harbour floods close the quay", "Ferry strike"]
    assert titles(news.search("harbour operator ")) == ["Ferry strike"]
    assert news.search("harbour sourdough ") == []
    assert news.search("") == [] and news.search("   ") == []


def test_case_and_diacritics_do_not_matter(news: Library) -> None:
    for query in ("zurich ", "ZÜRICH ", "Zurich "):
        assert titles(news.search(query)) == ["Harbour floods close the quay"]


def test_last_word_is_a_prefix_while_typing(news: Library) -> None:
    assert titles(news.search("sourd")) == ["Bakery wins award"]
    assert news.search("sourd ") == [], "a finished word matches its forms, not any prefix"
    hit = news.search("harbour qu")[0]
    assert hit.article.title == "Harbour floods close the quay"
    assert set(hit.matched_terms) >= {"harbour", "quay"}
    assert news.search("s") == [], "a one-letter prefix is not expanded"


def test_a_finished_word_finds_its_forms_but_not_other_words(tmp_path: Path) -> None:
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    items = [
        ("a", "Flooding closes the coast road", "Water over the road."),
        ("b", "Council flooded with letters", "Residents wrote in."),
        ("c", "Floodwater pumps arrive", "New pumps for the quay."),
        ("d", "University opens", "A new campus by the sea."),
        ("e", "The universe, explained", "A talk at the library."),
    ]
    lib.add(str(_feed_file(tmp_path, "forms.xml", items)))
    lib.analyse_pending()
    found = lib.search("flood ")
    assert sorted(titles(found)) == [
        "Council flooded with letters",
        "Flooding closes the coast road",
    ]
    assert {t for hit in found for t in hit.matched_terms} == {"flooding", "flooded"}
    assert titles(lib.search("floods road ")) == ["Flooding closes the coast road"]
    assert titles(lib.search("universe ")) == ["The universe, explained"]
    assert titles(lib.search("harb")) == [], "no article has the prefix"
    lib.close()


def test_hits_name_matched_terms_and_where(news: Library) -> None:
    (hit,) = news.search("anna berg ")
    assert hit.matched_terms == ("anna", "berg"), "in the query's order"
    assert "body" in hit.where and "quote" in hit.where, "the speaker of a quotation"
    (hit,) = news.search("reopen ")
    assert hit.where == ("body", "quote")
    (hit,) = news.search("bakery ")
    assert "title" in hit.where and hit.score > 0


def test_authors_are_searchable(tmp_path: Path) -> None:
    feed = tmp_path / "authored.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>A</title>'
        "<item><guid>x</guid><title>Weather</title><author>mira@example.com (Mira Kovač)</author>"
        "<description>Rain all week.</description></item></channel></rss>",
        encoding="utf-8",
    )
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(feed))
        (hit,) = lib.search("kovac ")
        assert hit.where == ("author",)
    finally:
        lib.close()


def test_quoted_phrase_ranks_verbatim_matches_higher(tmp_path: Path) -> None:
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    items = [
        ("p1", "Market day", "<p>The bread price rose while the award for fresh rolls fell.</p>"),
        ("p2", "Bread award", "<p>A fresh bread award went to a village baker.</p>"),
    ]
    try:
        lib.add(str(_feed_file(tmp_path, "m.xml", items)))
        assert len(lib.search("fresh bread ")) == 2
        assert titles(lib.search('"fresh bread"'))[0] == "Bread award"
        unordered = {h.article.title: h.score for h in lib.search("fresh bread ")}
        phrased = {h.article.title: h.score for h in lib.search('"fresh bread"')}
        assert phrased["Bread award"] > unordered["Bread award"]
    finally:
        lib.close()


def test_a_refresh_leaves_analysis_for_later_and_search_catches_up(tmp_path: Path) -> None:
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(_feed_file(tmp_path, "food.xml", [("b1", "Bakery wins award", BAKERY)])))
        assert not list((tmp_path / "db" / "search").glob("*.json"))
        assert lib.pending_count() == 1
        assert titles(lib.search("sourdough ")) == ["Bakery wins award"]
        assert lib.pending_count() == 0
        assert len(list((tmp_path / "db" / "search").glob("*.json"))) == 1
    finally:
        lib.close()


def test_postings_are_persisted_per_feed_and_reloaded(news: Library, tmp_path: Path) -> None:
    files = sorted((tmp_path / "db" / "search").glob("*.json"))
    assert len(files) == 2
    news.close()
    again = open_library(tmp_path / "db", clock=frozen_clock, readonly=True)
    try:
        assert titles(again.search("sourdough ")) == ["Bakery wins award"]
    finally:
        again.close()


def test_refresh_updates_the_loaded_index(tmp_path: Path) -> None:
    path = _feed_file(tmp_path, "live.xml", [("a", "Quiet day", "<p>Nothing happened.</p>")])
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(path))
        assert titles(lib.search("quiet ")) == ["Quiet day"]  # the index is loaded now
        path.write_bytes(
            rss(
                "live.xml",
                [
                    ("a", "Loud day", "<p>Sirens everywhere.</p>"),  # same guid, new content
                    ("b", "Volcano wakes", "<p>Ash over the valley.</p>"),
                ],
            )
        )
        lib.refresh()
        assert lib.search("quiet ") == []
        assert titles(lib.search("sirens ")) == ["Loud day"]
        assert titles(lib.search("volc")) == ["Volcano wakes"]
    finally:
        lib.close()


def test_removed_feed_leaves_no_hits_or_files(news: Library, tmp_path: Path) -> None:
    assert news.search("bakery ")
    feed_id = news.search("bakery ")[0].article.feed_id
    news.remove(feed_id)
    assert news.search("bakery ") == []
    assert not (tmp_path / "db" / "search" / f"{feed_id}.json").exists()


def test_articles_stored_without_postings_are_indexed_on_first_search(
    news: Library, tmp_path: Path
) -> None:
    news.close()
    for path in (tmp_path / "db" / "search").glob("*.json"):
        path.unlink()  # a database from before search existed
    (tmp_path / "db" / "search" / "junk.json").write_text("{not json")
    lib = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        assert titles(lib.search("sourdough ")) == ["Bakery wins award"]
        assert len(list((tmp_path / "db" / "search").glob("*.json"))) == 3, "written back"
    finally:
        lib.close()


def test_an_unreadable_postings_file_is_rebuilt(news: Library, tmp_path: Path) -> None:
    news.close()
    for path in (tmp_path / "db" / "search").glob("*.json"):
        path.write_text("{torn")
    lib = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        assert titles(lib.search("ferry ")) == ["Ferry strike"]
    finally:
        lib.close()


def test_parse_query() -> None:
    assert fulltext.parse_query("Putin ceasefi") == fulltext.Query(("putin",), "ceasefi")
    assert fulltext.parse_query("Putin ceasefire ") == fulltext.Query(("putin", "ceasefire"))
    assert fulltext.parse_query('"the idea itself"') == fulltext.Query(
        ("idea", "itself"), None, (("the", "idea", "itself"),)
    )
    assert fulltext.parse_query("the ").empty
    assert fulltext.parse_query("2024").prefix == "2024"


def test_article_terms_pack_counts_and_fields() -> None:
    length, packed = fulltext.article_terms(
        "Floods in Zürich",
        "Anna Berg",
        "Floods closed roads. Floods again.",
        [Quote(0, 0, 5, "roads closed", "Mayor Ruth")],
    )
    assert length == 2 + 5
    assert packed["floods"] >> 4 == 3 and packed["floods"] & fulltext.TITLE
    assert packed["zurich"] & fulltext.TITLE
    assert packed["berg"] & fulltext.AUTHOR
    assert packed["roads"] & fulltext.QUOTE and packed["roads"] & fulltext.BODY
    assert packed["ruth"] & fulltext.QUOTE
    assert "in" not in packed and "the" not in packed


def test_match_spans_highlight_the_original_text() -> None:
    text = "ZÜRICH: the Zurich quay, zürich's harbour"
    spans = match_spans(text, ["zurich", "harbour"])
    assert [text[a:b] for a, b in spans] == ["ZÜRICH", "Zurich", "zürich", "harbour"]


def test_feed_postings_survive_their_persisted_form_and_tombstones(news: Library) -> None:
    feed_id = news.store.feeds()[0].id
    postings = fulltext.FeedPostings()
    postings.update(
        [
            ("a", "h1", fulltext.article_terms("Alpha", "", "shared words here")),
            ("b", "h2", fulltext.article_terms("Beta", "", "shared other words")),
        ]
    )
    postings.update([("a", "h3", fulltext.article_terms("Alpha two", "", "new text"))])
    news.store.put_aux("postings", feed_id, postings.to_aux())
    news.store.flush()
    copy = fulltext.FeedPostings.from_aux(news.store.aux("postings", feed_id))
    assert isinstance(copy.locals, StoredArray), "read from the sidecar on demand"
    assert copy.live == postings.live and copy.content_hash("a") == "h3"
    index = fulltext.SearchIndex(View(Snapshot(None), {"f": copy}, ()))
    found = index.search(fulltext.parse_query("shared "))
    assert [hit.article_id for hit in found] == ["b"], "the replaced version of a is gone"
    assert index.search(fulltext.parse_query("new ")) != []
    assert fulltext.FeedPostings.from_aux({"v": 99}).ids == []
    assert fulltext.FeedPostings.from_aux({"v": fulltext.FORMAT, "ids": 3}).ids == []


def test_cli_search_json(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", str(db_path), "search", "Putin", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = json.loads(out)
    assert rows and set(rows[0]) == {"id", "feed_id", "title", "score", "matched"}
    assert rows[0]["title"].startswith("Putin Does Not Fully Support")
    assert "putin" in rows[0]["matched"]
    code = main(["--db", str(db_path), "search", "zzzzqx"])
    assert code == 0


def test_postings_written_inline_by_older_versions_are_read_and_written_back(
    news: Library,
) -> None:
    import base64

    store = news.store
    feed_id = store.feeds()[0].id
    current = dict(store.aux(fulltext.AUX_KIND, feed_id) or {})
    old = {  # what version 0.2 wrote: the arrays as base64 inside the JSON
        key: base64.b64encode(array("I", value[:]).tobytes()).decode()
        if key in ("lengths", "locals")
        else base64.b64encode(value[:].tobytes()).decode()
        if key == "values"
        else value
        for key, value in current.items()
    }
    store.put_aux(fulltext.AUX_KIND, feed_id, old)
    store.flush()
    assert not list((store.path / fulltext.AUX_KIND).glob(f"{feed_id}.*.bin"))
    inline = fulltext.FeedPostings.from_aux(store.aux(fulltext.AUX_KIND, feed_id))
    assert inline.inline and inline.live
    news.finder.forget()  # as at the next start
    assert news.search("ferry "), "still found"
    (sidecar,) = (store.path / fulltext.AUX_KIND).glob(f"{feed_id}.*.bin")
    assert not fulltext.FeedPostings.from_aux(store.aux(fulltext.AUX_KIND, feed_id)).inline


def test_aux_arrays_live_in_a_sidecar_read_on_demand_and_replaced_whole(
    news: Library, tmp_path: Path
) -> None:
    store = news.store
    feed_id = store.feeds()[0].id
    folder = tmp_path / "db" / "notes"
    store.put_aux("notes", feed_id, {"n": 1, "xs": array("H", [1, 2, 3]), "ys": array("d", [0.5])})
    store.flush()
    (first,) = folder.glob(f"{feed_id}.*.bin")
    read = store.aux("notes", feed_id)
    assert read is not None and read["n"] == 1
    assert read["xs"][:].tolist() == [1, 2, 3] and read["ys"][:].tolist() == [0.5]
    assert read["xs"][1:].tolist() == [2, 3] and read["xs"][5:9].tolist() == []
    store.put_aux("notes", feed_id, {"xs": array("I", [7])})
    store.flush()
    (second,) = folder.glob(f"{feed_id}.*.bin")
    assert second != first, "a new sidecar, never the one a reader may have mapped"
    assert read["xs"][:].tolist() == [1, 2, 3], "arrays read before stay readable"
    second.unlink()
    with pytest.raises(StoreCorrupt, match=str(second)):
        store.aux("notes", feed_id)
    store.put_aux("notes", feed_id, {"$arrays": "../../library.json"})  # damaged: points out
    store.flush()
    with pytest.raises(StoreCorrupt, match="notes"):
        store.aux("notes", feed_id)
    store.remove_feed(feed_id)
    store.flush()
    assert not list(folder.iterdir())


def test_a_flush_removes_only_the_written_feeds_superseded_sidecars(
    news: Library, tmp_path: Path
) -> None:
    """The folder is listed once per flush: another feed's sidecar is not touched."""
    store = news.store
    one, two = (feed.id for feed in store.feeds()[:2])
    folder = tmp_path / "db" / "notes"
    for feed_id in (one, two):
        store.put_aux("notes", feed_id, {"xs": array("H", [1])})
    store.flush()
    kept = sorted(folder.glob("*.bin"))
    store.put_aux("notes", one, {"xs": array("H", [2])})
    store.flush()
    (new,) = folder.glob(f"{one}.*.bin")
    assert sorted(folder.glob("*.bin")) == sorted([new, *(p for p in kept if p.name[:10] == two)])
    store.put_aux("notes", one, {"n": 1})  # no arrays now: no sidecar left
    store.flush()
    assert [p.name[:10] for p in folder.glob("*.bin")] == [two]


def test_store_aux_is_written_by_flush_in_its_own_folder(news: Library, tmp_path: Path) -> None:
    from reader.core.errors import StoreError

    store = news.store
    feed_id = store.feeds()[0].id
    path = tmp_path / "db" / "notes" / f"{feed_id}.json"
    store.put_aux("notes", feed_id, {"n": 1})
    assert store.aux("notes", feed_id) == {"n": 1} and not path.exists()
    store.flush()
    written = json.loads(path.read_text())
    assert list(written) == ["aux"] and list(written["aux"]) == ["1"], "a TinyDB-shaped file"
    assert store.aux("notes", feed_id) == {"n": 1}
    store.put_aux("notes", "no-such-feed", {"n": 2})
    assert store.aux("notes", "no-such-feed") is None
    with pytest.raises(StoreError):
        store.put_aux("feeds", feed_id, {})
    stale = path.parent / f".{feed_id}.json.123.456.tmp"
    stale.write_text("half")
    news.close()
    reopened = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        assert not stale.exists(), "stale temporary files are removed at open"
        assert reopened.store.aux("notes", feed_id) == {"n": 1}
    finally:
        reopened.close()


def test_articles_removed_by_retention_leave_the_postings(news: Library) -> None:
    (hit,) = news.search("ferry ")
    news.store.remove_articles([hit.article.id])
    assert news.search("ferry ") == [], "filtered at once"
    feed_id = hit.article.feed_id
    news.finder.index(feed_id, [news.search("quay ")[0].article])
    postings = fulltext.FeedPostings.from_aux(news.store.aux(fulltext.AUX_KIND, feed_id))
    assert hit.article.id not in postings.live


def test_background_work_gives_way_between_chunks(tmp_path: Path) -> None:
    """Analysis pauses (the app's hook waits while keys come in) between small chunks."""
    items = [(f"s{n}", f"Story {n}", BAKERY) for n in range(60)]
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(_feed_file(tmp_path, "many.xml", items)))
        pauses: list[int] = []
        lib.background_pause = lambda: pauses.append(lib.pending_count())
        assert lib.analyse_pending() == 60
        assert len(pauses) >= 3 and pauses[0] == 60 and pauses[-1] < 60
    finally:
        lib.close()


def test_long_analysis_is_flushed_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is analysed reaches the disk feed by feed, not only at the end."""
    from reader.core.services import analysis as analysis_module

    monkeypatch.setattr(analysis_module, "_FLUSH_EVERY", 0.0)
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(_feed_file(tmp_path, "a.xml", [("a1", "Bakery wins award", BAKERY)])))
        lib.add(str(_feed_file(tmp_path, "b.xml", [("b1", "Ferry strike", FERRY)])))
        on_disk: list[int] = []
        lib.background_pause = lambda: on_disk.append(
            len(list((tmp_path / "db" / "quotes").glob("*.json")))
        )
        assert lib.analyse_pending() == 2
        # (pauses before each feed's analysis and before each flush)
        assert on_disk[0] == 0 and on_disk[-1] == 1, "the first feed was written before the end"
    finally:
        lib.close()


def test_analysis_stopped_midway_keeps_what_it_finished(tmp_path: Path) -> None:
    """Quitting stops analysis at a pause; the articles analysed so far keep their data."""
    from reader.core.errors import Interrupted

    items = [(f"s{n}", f"Story {n}", HARBOUR) for n in range(60)]
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(_feed_file(tmp_path, "many.xml", items)))
        calls: list[int] = []

        def pause() -> None:
            calls.append(1)
            if len(calls) == 2:
                raise Interrupted

        lib.background_pause = pause
        with pytest.raises(Interrupted):
            lib.analyse_pending()
        left = lib.pending_count()
        assert 0 < left < 60
        lib.background_pause = lambda: None
        done = {h.article.id for h in lib.search("zürich ")}
        assert len(done) == 60, "pending ones analysed on search, the others were kept"
        assert len(lib.quotes_by_speaker("Anna Berg")) == 60
    finally:
        lib.close()


def test_queries_read_the_merged_file_and_feeds_indexed_since_replace_their_rows(
    tmp_path: Path,
) -> None:
    path = _feed_file(tmp_path, "live.xml", [("a", "Quiet day", "<p>Nothing happened.</p>")])
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.add(str(path))
        lib.add(str(_feed_file(tmp_path, "food.xml", [("b1", "Bakery wins award", BAKERY)])))
        lib.analyse_pending()
        lib.finder.rebuild()
        assert (tmp_path / "db" / FILE_NAME).exists()
        path.write_bytes(rss("live.xml", [("a", "Loud day", "<p>Sirens everywhere.</p>")]))
        lib.refresh()
        assert lib.search("quiet ") == [], "the feed's merged rows are left out"
        assert titles(lib.search("sirens ")) == ["Loud day"]
        assert titles(lib.search("sourdough ")) == ["Bakery wins award"], "read from the file"
    finally:
        lib.close()
    again = open_library(tmp_path / "db", clock=frozen_clock, readonly=True)
    try:  # another process: the changed feed is told apart by its postings' sidecar
        assert again.search("quiet ") == [] and titles(again.search("sirens ")) == ["Loud day"]
        assert titles(again.search("bak")) == ["Bakery wins award"]
    finally:
        again.close()


def test_a_damaged_merged_file_is_built_again(news: Library, tmp_path: Path) -> None:
    news.finder.rebuild()
    news.close()
    (tmp_path / "db" / FILE_NAME).write_bytes(b"not a database")
    lib = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        assert titles(lib.search("ferry ")) == ["Ferry strike"]
        lib.prepare_search()
        assert (tmp_path / "db" / FILE_NAME).read_bytes().startswith(b"SQLite format 3")
    finally:
        lib.close()


def test_the_merged_file_ranks_as_the_feeds_own_postings_do(news: Library) -> None:
    queries = ["harbour ", "harb", "quay floods ", "said ", '"harbour master"', "anna "]
    before = {q: [(h.article.id, h.score, h.where) for h in news.search(q)] for q in queries}
    news.finder.rebuild()
    after = {q: [(h.article.id, h.score, h.where) for h in news.search(q)] for q in queries}
    assert after == before and any(before.values())


def test_quoted_phrases_are_looked_up_in_the_index_not_in_each_feeds_quotations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100,000 articles reading every candidate's quotations took 24 s a query."""
    from reader.core.services.derived import Derived

    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    items = [
        ("h1", "Harbour news", HARBOUR),  # the quotation: "We will reopen the quay ..."
        ("h2", "Quay works", "<p>The quay will reopen when the works end, we are told.</p>"),
    ]
    try:
        lib.add(str(_feed_file(tmp_path, "port.xml", items)))
        lib.analyse_pending()
        lib.prepare_search()

        def unread(self: Derived, feed_id: str) -> None:
            raise AssertionError("a quotation file was read")

        monkeypatch.setattr(Derived, "quotes", unread)
        plain = {h.article.title: h.score for h in lib.search("reopen quay ")}
        phrased = {h.article.title: h.score for h in lib.search('"reopen the quay"')}
        assert phrased["Harbour news"] == plain["Harbour news"] + fulltext.PHRASE_BONUS
        assert phrased["Quay works"] == plain["Quay works"]  # the words, not the phrase
        # A phrase does not run from one text into the next (title, then summary).
        across = {h.article.title: h.score for h in lib.search('"news the zurich"')}
        assert (
            across["Harbour news"]
            == {h.article.title: h.score for h in lib.search("news zurich ")}["Harbour news"]
        )
    finally:
        lib.close()


def test_the_merge_takes_the_phrase_texts_analysis_made_unless_made_again(
    tmp_path: Path,
) -> None:
    """The phrase texts worker processes made are what the merged file holds; an article
    analysed again without one (its full text came) has its text made from what is
    stored now, not the old one."""
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)

    def bonus(phrase: str) -> float:
        plain = lib.search(phrase.strip('"') + " ")[0].score
        return lib.search(phrase)[0].score - plain

    try:
        lib.add(str(_feed_file(tmp_path, "port.xml", [("h1", "Harbour news", HARBOUR)])))
        lib.analyse_pending()
        article = lib.store.articles()[0]
        made = {article.id: "harbour news _ quay reopen"}
        lib.finder.index(article.feed_id, [article], None, made)
        lib.finder.rebuild()
        assert bonus('"quay reopen"') == fulltext.PHRASE_BONUS, "the text analysis made"
        assert bonus('"reopen the quay"') == 0, "not one made again here"

        lib.finder.index(article.feed_id, [article])  # analysed again, no text made
        lib.finder.rebuild()
        assert bonus('"quay reopen"') == 0
        assert bonus('"reopen the quay"') == fulltext.PHRASE_BONUS
    finally:
        lib.close()


def test_terms_of_a_text_past_ascii_are_those_of_its_fold() -> None:
    """The lower-case ASCII words taken where a text's only characters past ASCII are
    punctuation that folding keeps are the words of its fold, for every character."""
    import itertools

    from reader.core.analysis.search_words import STOPWORDS, _words, fold, terms

    def plain(text: str) -> list[str]:
        return [
            w
            for w in _words(fold(text))
            if (1 < len(w) <= 40 and w not in STOPWORDS) or (len(w) == 1 and w.isdigit())
        ]

    for code in range(0x3100):
        char = chr(code)
        for text in (f"Ab{char}cd {char} x{char}1 “{char}”", f"{char}_Q’s 42{char}{char}"):
            assert terms(text) == plain(text), repr(text)
    pieces = ["a", "B", "é", "1", "_", " ", "’", "—", "…", "™", "\u0301", "Σ", "ǅ"]
    for size in range(1, 5):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            assert terms(text) == plain(text), repr(text)
    long = "x" * 41
    assert (
        terms(f"“{long}” ab {long[:40]}") == plain(f"“{long}” ab {long[:40]}") == ["ab", long[:40]]
    )


def test_article_terms_count_as_their_plain_form() -> None:
    """Quotations' terms taken from one joined text, the fields from the body's first:
    the counts and fields (and their order) of a term at a time over each text."""
    from collections import Counter

    from reader.core.analysis.search_words import terms

    def plain(title: str, author: str, text: str, quotes: list[Quote]) -> fulltext.ArticleTerms:
        title_terms, body_terms = terms(title), terms(text)
        counts = Counter(title_terms)
        fields = dict.fromkeys(title_terms, fulltext.TITLE)
        for term in terms(author):
            fields[term] = fields.get(term, 0) | fulltext.AUTHOR
            counts[term] += 1
        counts.update(body_terms)
        for term in body_terms:
            fields[term] = fields.get(term, 0) | fulltext.BODY
        for quote in quotes:
            for source in (quote.text, quote.speaker) if quote.speaker else (quote.text,):
                for term in terms(source):
                    fields[term] = fields.get(term, 0) | fulltext.QUOTE
                    if term not in counts:
                        counts[term] = 1
        packed = {t: min(n, 0xFFF) << 4 | fields[t] for t, n in counts.items()}
        return len(title_terms) + len(body_terms), packed

    quotes = [
        Quote(0, 0, 1, "Zürich’s ferry_men said", "Anna Öberg"),
        Quote(0, 0, 1, "no—never", ""),
        Quote(0, 0, 1, "ΟΔΟΣ strike ferry", "Ferry Union"),
        Quote(0, 0, 1, "ab_", "_cd"),
    ]
    for n in range(len(quotes) + 1):
        for args in (
            ("Ferry strike in Zürich", "Anna Öberg", "The ferry strike ended. ab cd", quotes[:n]),
            ("", "", "", quotes[:n]),
            ("A_B", "x", "Strike strike_ ferry “ΟΔΟΣ”", quotes[n:]),
        ):
            found = fulltext.article_terms(*args)
            assert found == plain(*args)
            assert list(found[1]) == list(plain(*args)[1])
