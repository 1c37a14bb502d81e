"""Pass 3, the walk: each quotation in reading order, its rules, then follow-on."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

from reader.core.analysis.quotes.marks import _final_mark, _Span
from reader.core.analysis.quotes.names import (
    _UNNAMED,
    _Article,
    _Entity,
    _Event,
    _Found,
    _is_title,
    _is_verb,
    _is_word,
    _The,
)
from reader.core.analysis.quotes.rules import (
    _attribute_after,
    _attribute_before,
    _first_person_lead,
    _is_title_text,
    _modifies_a_noun,
    _names_it,
    _shares_a_stem,
    _Window,
)
from reader.core.analysis.quotes.words import (
    _ASIDES,
    _CONTINUE_BLOCKS,
    _COORDINATORS,
    _PRONOUNS,
    _SENTINEL,
    _SUFFIXES,
    _WINDOW,
    _WINDOW_WORDS,
)


@lru_cache(maxsize=4096)
def _names_someone(name: str) -> bool:
    """Not only titles and abbreviations of them ('CEO', 'Senator', 'U.S.').
    Memoised: a function of the name alone, and speakers recur."""
    words = [w.lower().rstrip(".") for w in name.split()]
    if not words or not name[:1].isupper() or _is_title(words[0]):
        return False  # 'for Human Rights', 'Senior Vice President of Sales for …': an office
    return not all(_is_title(w) or "." in w for w in words)


class _Attributor:
    """Walks the quotations in order, remembering the last speaker for follow-ons."""

    def __init__(self, article: _Article, spans: list[_Span]) -> None:
        self.article = article
        self.spans = spans
        self.names = article.names
        self.event_keys = [event.where for event in article.events]
        self.speaker_events: list[_Event] = []
        self.previous: _Span | None = None

    def run(self) -> None:
        for span in self.spans:
            if span.depth == 0:
                span.speaker = self._top_level(span)
                self.previous = span
            else:
                span.speaker = self._nested(span)
            if span.speaker is None:
                span.speaker = self._blockquote_attribution(span.block)

    # -- windows ---------------------------------------------------------

    def _window(self, bi: int, lo: int, hi: int, initial: bool, tail: bool = False) -> _Window:
        """Tokens between two offsets: the last ones if ``tail``, else the first ones."""
        positions, words = self.article.tokens[bi]
        a = bisect_left(positions, lo)
        b = bisect_left(positions, hi)
        if b - a > _WINDOW_WORDS:
            if tail:
                a, initial = b - _WINDOW_WORDS, False
            else:
                b = a + _WINDOW_WORDS
        return _Window(words[a:b], self.names, 0 if initial else -1, (bi, positions[a:b]))

    def _before(self, span: _Span) -> _Window:
        starts = self.article.starts[span.block]
        sentence = starts[bisect_right(starts, span.start) - 1]
        lo = max(sentence, span.start - _WINDOW)
        return self._window(span.block, lo, span.start, lo == sentence, tail=True)

    def _after(self, span: _Span) -> _Window:
        bi = span.last_block
        starts = self.article.starts[bi]
        masked = self.article.masked[bi]
        k = bisect_right(starts, span.end)
        if (
            k < len(starts)
            and not masked[span.end : starts[k]].strip()
            and _final_mark(span.text) in ("?", "!")
        ):
            k += 1  # '“Why now?” Smith asked.' (after a full stop a new sentence starts)
        hi = starts[k] if k < len(starts) else len(masked)
        return self._window(bi, span.end, min(hi, span.end + _WINDOW), False)

    # -- rules -----------------------------------------------------------

    def _top_level(self, span: _Span) -> str | None:
        before, after = self._before(span), self._after(span)
        if _names_it(before):
            return None
        subject = _attribute_after(after)
        said_after = subject is not None
        if subject is None:
            subject = _attribute_before(before)
        if _modifies_a_noun(before.words, after.words) and not said_after:
            return None  # 'the “one country, two systems” formula', 'an “irregular” channel'
        if not (said_after and isinstance(subject, _Entity)) and _is_title_text(span.text):
            return None  # 'According to LN, expect “Black Water,” …': a song, not speech
        where = (span.block, span.start)
        if isinstance(subject, _The):
            subject = self._described_as(subject, where)
        if isinstance(subject, _Entity) and not _names_someone(subject.name):
            subject = _UNNAMED  # 'as one neo-bank CEO told me': a job, not a name
        if subject == _UNNAMED:
            # someone we cannot name spoke: a later 'she said' must not reach past them
            self.speaker_events.append(_Event(where, _Entity("", "person")))
            return None
        # A pronoun refers back from where it stands: 'He said Thomas ... “…”' is not Thomas.
        said_at = None  # after the quote, a pronoun refers back from the quote itself
        if not said_after and isinstance(subject, str) and subject in _PRONOUNS:
            said_at = before.pronoun_at(subject, True)
        entity = self._resolve(subject, said_at or where)
        if entity is None:
            entity = self._follow_on(span, before, after)
        if entity is None and subject is None:
            entity = self._subject_of_sentence(span, before) or self._led_in(span, before, after)
        if entity is None:
            return None
        if entity.kind == "name" and " " in entity.name:
            entity = _Entity(entity.name, "person")  # it speaks: a pronoun may stand for it now
        self.speaker_events.append(_Event(where, entity))
        return entity.name

    def _subject_of_sentence(self, span: _Span, before: _Window) -> _Entity | None:
        """'The Pentagon rejected these accusations as “patently false”': words quoted in a
        sentence whose subject is a named person or organisation are theirs.
        """
        words = before.words
        if before.initial != 0 or "as" not in [w.lower() for w in words[-4:]]:
            return None  # only 'rejected X as “…”', 'sees X as its “…”', 'described as “…”'
        if not any(_is_word(w) for w in words):
            return None
        if len(span.text.split()) < 2 or _is_title_text(span.text):
            return None  # 'an “irregular” channel': one word is the writer's emphasis
        k = 1 if words and words[0].lower() == "the" else 0
        if k < len(words) and words[k].lower() in ("he", "she") and k == 0:
            return self._resolve(words[0].lower(), (span.block, self._sentence_start(span)))
        chunk = before.chunk_starting(k)
        if chunk is not None and chunk.possessive:
            chunk = before.chunk_starting(chunk.last + 1)  # 'Delhi’s Chief Minister X'
        if chunk is None or chunk.possessive:
            return None
        entity = self.names.entity(chunk)
        return entity if entity.kind in ("person", "org") else None

    def _led_in(self, span: _Span, before: _Window, after: _Window) -> _Entity | None:
        """'Aderholt returned to the issue. “What launch vehicles exist?”': a quotation
        standing alone after a sentence about one person, in the same paragraph, is theirs."""
        if any(_is_word(w) for w in before.words) or any(_is_word(w) for w in after.words):
            return None
        starts = self.article.starts[span.block]
        k = bisect_right(starts, span.start) - 1
        if k <= 0 or starts[k] != self._sentence_start(span):
            return None
        lead = self._window(span.block, starts[k - 1], starts[k], True)
        if not lead.words or any(w[0] == _SENTINEL for w in lead.words):
            return None  # a sentence holding a quote of its own is not a lead-in
        said = _attribute_before(lead)
        if said is not None:
            return self._resolve(said, (span.block, starts[k - 1]))
        first = 1 if lead.words[0].lower() == "the" else 0
        chunk = lead.chunk_starting(first)
        if chunk is None or chunk.possessive:
            return None
        entity = self.names.entity(chunk)
        return entity if entity.kind == "person" else None

    def _described_as(self, the: _The, where: tuple[int, int]) -> _Found:
        """'the production company' is the Dick Clark Productions the article named; 'the
        actor' is the last speaker, when they are also the one last in view."""
        k = bisect_left(self.article.mention_keys, where)
        for n in range(k - 1, max(-1, k - 60), -1):
            entity = self.article.mentions[n][1]
            if _shares_a_stem(the.words, entity.name):
                return entity
        last = self.speaker_events[-1].entity if self.speaker_events else None
        if last is None or not last.name:
            return _UNNAMED
        in_view = self._resolve("someone", where)
        return last if in_view is not None and in_view.name == last.name else _UNNAMED

    def _resolve(self, subject: _Found, where: tuple[int, int]) -> _Entity | None:
        """A pronoun is whoever the article was last about (or last quoted)."""
        if subject is None or isinstance(subject, _Entity):
            return subject
        if isinstance(subject, _The):
            described = self._described_as(subject, where)
            return described if isinstance(described, _Entity) else None
        wanted = {
            "he": ("person",),
            "she": ("person",),
            "it": ("org",),
            "they": ("person", "org"),
            "someone": ("person",),
        }.get(subject)
        if wanted is None:
            return None
        names = self.names
        k = bisect_left(self.event_keys, where)
        topic = None
        for n in range(k - 1, max(-1, k - 40), -1):
            event = self.article.events[n]
            # someone else the sentence names, known to be a 'she' (or 'he')
            other = next((o for o in reversed(event.others) if names.is_surely(subject, o)), None)
            if event.entity.kind in wanted and names.may_be(subject, event.entity):
                unsure = (
                    names.gender(event.entity) is None
                    and subject in ("he", "she")
                    and not event.opens
                )
                topic = _Event(event.where, other) if unsure and other else event
                break
            if other is not None:  # the sentence's subject is of the other gender
                topic = _Event(event.where, other)
                break
        spoken = None
        for event in reversed(self.speaker_events[-10:]):
            if event.entity.kind in wanted and names.may_be(subject, event.entity):
                spoken = event
                break
        if topic is None or (spoken is not None and spoken.where >= topic.where):
            found = spoken.entity if spoken else None
        else:
            found = topic.entity
        return found if found is not None and found.name else None

    def _follow_on(self, span: _Span, before: _Window, after: _Window) -> _Entity | None:
        """A quote with no attribution of its own, right after an attributed one, is the
        same speaker's: bare ('“…”'), or a sentence of speech inside narrative that names
        no one else ('That process led to a realization: “…”').
        """
        worded = any(_is_word(w) for w in before.words) or any(_is_word(w) for w in after.words)
        if worded:
            if (
                len(span.text.split()) < 4  # 'a “historic” deal' is the writer's word
                or _is_title_text(span.text)
                or any(_is_verb(w.words, k) for w in (before, after) for k in range(len(w.words)))
            ):
                return None
        else:
            cited = self._blockquote_attribution(span.block)
            if cited:
                return _Entity(cited, "person")  # <blockquote>…<footer>Jane Jacobs</footer>
            if span.start == self._sentence_start(span) and not before.words:
                intro = self._colon_intro(span.block)
                if intro is not None:
                    return intro
        prev = self.previous
        if prev is None or prev.speaker is None or self.article.kinds[prev.last_block] == "heading":
            return None  # nothing follows on from a heading or the headline
        between = range(prev.last_block + 1, span.block)
        if len(between) > 2 or any(self.article.kinds[b] not in _ASIDES for b in between):
            return None  # only a photo caption or a subheading may stand in between
        speaker = self.speaker_events[-1].entity if self.speaker_events else None
        if speaker is None or speaker.name != prev.speaker:
            return None
        if prev.last_block == span.block and self._one_sentence_between(prev, span):
            return speaker  # '“…,” the judge told Okonjo. “…”': Okonjo is an object
        # someone else became the topic in between: better none than wrong
        lo = bisect_right(self.event_keys, (prev.last_block, prev.end))
        hi = bisect_left(self.event_keys, (span.block, span.start))
        for event in self.article.events[lo:hi]:
            if self.article.kinds[event.where[0]] in _ASIDES:
                continue  # a photo credit in a caption is nobody the story turned to
            if event.entity.kind == "person" and event.entity.name != speaker.name:
                return None
        return speaker

    def _one_sentence_between(self, prev: _Span, span: _Span) -> bool:
        """Only the rest of ``prev``'s own sentence lies between the two quotes."""
        starts = self.article.starts[span.block]
        if bisect_right(starts, prev.end) != bisect_left(starts, span.start):
            return False
        positions, words = self.article.tokens[span.block]
        gap = words[bisect_left(positions, prev.end) : bisect_left(positions, span.start)]
        return len(gap) <= 12 and not any(w in _COORDINATORS for w in gap)  # ', and Feld …'

    def _sentence_start(self, span: _Span) -> int:
        starts = self.article.starts[span.block]
        return starts[bisect_right(starts, span.start) - 1]

    def _colon_intro(self, bi: int) -> _Entity | None:
        """'Peskov told reporters:' ending the paragraph before a quote."""
        if bi == 0 or self.article.kinds[bi - 1] not in _CONTINUE_BLOCKS:
            return None
        masked = self.article.masked[bi - 1].rstrip()
        if not masked.endswith(":"):
            return None
        starts = self.article.starts[bi - 1]
        lo = max(starts[-1], len(masked) - _WINDOW)
        win = self._window(bi - 1, lo, len(masked), lo == starts[-1], tail=True)
        return self._resolve(_attribute_before(win), (bi, 0))

    def _nested(self, span: _Span) -> str | None:
        """A quote inside a quote: only an explicit name inside the outer one counts."""
        if span.parent is None:
            return None
        outer = self.spans[span.parent]
        if outer.block != span.block:
            return None
        text = self.article.texts[span.block]
        inner_end = outer.end - 1 if outer.last_block == span.block else len(text)
        positions, words = self.article.raw_tokens(span.block)
        a = bisect_left(positions, max(outer.start + 1, span.start - _WINDOW))
        b = bisect_left(positions, span.start)
        c = bisect_left(positions, span.end)
        d = bisect_left(positions, min(inner_end, span.end + _WINDOW))
        pre = _Window(words[max(a, b - _WINDOW_WORDS) : b], self.names, -1)
        post = _Window(words[c : min(d, c + _WINDOW_WORDS)], self.names, -1)
        if _names_it(pre):
            return None
        subject = _attribute_after(post) or _attribute_before(pre)
        if isinstance(subject, _Entity):
            return subject.name
        if outer.speaker and len(span.text.split()) > 1 and _first_person_lead(pre.words):
            return outer.speaker  # '“… and I said, ‘I want more.’”': the speaker's own words
        return None  # no pronouns in here

    def _blockquote_attribution(self, bi: int) -> str | None:
        """A <blockquote> whose <footer> names its author."""
        attribution = self.article.attributions[bi]
        if not attribution or self.article.kinds[bi] != "blockquote":
            return None
        credit = attribution.strip(" \u2014\u2013-~")
        name, _, rest = credit.partition(",")  # 'Jane Jacobs, in her 1961 book'
        if rest and rest.strip(" .").lower() not in _SUFFIXES and name.strip():
            credit = name.strip()
        return credit or None
