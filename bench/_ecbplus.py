"""Build bench/data/ecbplus.jsonl.gz, the same-story development archive, from ECB+.

Run: python bench/_ecbplus.py /path/to/ECB+  (the corpus folder: 1/, 2/, ... 45/)

ECB+ (Cybulska and Vossen, LREC 2014; CC BY 3.0; the news texts themselves are
not copyrighted, says its README) holds 982 news articles in 43 topics. Each
topic has two seminal events of one kind: the ``ecb`` documents report one (Tara
Reid checks into rehab, 2008), the ``ecbplus`` documents another (Lindsay Lohan
checks into the Betty Ford Center, 2013). The labels are the corpus's own file
names: same topic and same half = the same story; same topic only = related.

Each row: id, topic, story ("<topic>ecb" / "<topic>ecbplus"), title, text, url,
published. An ``ecbplus`` text opens with its page's URL (sentence 0) and its
headline (sentence 1); an ``ecb`` text has neither, so its first sentence is its
title. ``published`` is a date written in the URL or on a dateline in the first
sentences, else null (every ``ecb`` text and some others): the archive never
invents a date.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "ecbplus.jsonl.gz"
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_URL_DATE = re.compile(
    r"(20\d\d|19\d\d)[/-]([a-z]{3}[a-z]*|\d\d?)[/-](\d\d?)(?!\d)|(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)"
)
_LINE_DATE = re.compile(r"\b([A-Z][a-z]{2})[a-z]*\.? (\d\d?),? (20\d\d|19\d\d)\b")


def _detokenise(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = text.replace("`` ", "\u201c").replace(" ''", "\u201d").replace("''", "\u201d")
    text = re.sub(r"(\w) - (\w)", r"\1-\2", text)
    return text


def _date(url: str, lines: list[str]) -> str | None:
    for match in _URL_DATE.finditer(url.lower().replace(" ", "")):
        year, month, day = (match.group(1), match.group(2), match.group(3))
        if year is None:
            year, month, day = match.group(4), match.group(5), match.group(6)
        number = int(month) if month.isdigit() else MONTHS.get(month[:3])
        if number and 1 <= number <= 12 and 1 <= int(day) <= 31:
            return f"{year}-{number:02d}-{int(day):02d}T12:00:00+00:00"
    for line in lines:
        match = _LINE_DATE.search(line)
        if match and match.group(1).lower() in MONTHS:
            number = MONTHS[match.group(1).lower()]
            return f"{match.group(3)}-{number:02d}-{int(match.group(2)):02d}T12:00:00+00:00"
    return None


def convert(path: Path) -> dict[str, object]:
    sentences: dict[int, list[str]] = {}
    for token in ET.parse(path).getroot().iter("token"):
        sentences.setdefault(int(token.get("sentence", "0")), []).append(token.text or "")
    lines = [_detokenise(sentences[n]) for n in sorted(sentences)]
    name = path.name.removesuffix(".xml")  # "1_10ecbplus"
    topic, rest = name.split("_", 1)
    half = "ecbplus" if rest.endswith("ecbplus") else "ecb"
    url = ""
    if half == "ecbplus":
        url = "".join(sentences[min(sentences)])
        lines = lines[1:]
    title, body = lines[0], lines[1:]
    return {
        "id": name,
        "topic": int(topic),
        "story": f"{topic}{half}",
        "title": title,
        "text": "\n\n".join(body),
        "url": url if url.startswith("http") else "",
        "published": _date(url, body[:3]),
    }


def main() -> None:
    root = Path(sys.argv[1])
    rows = [convert(p) for p in sorted(root.glob("*/*.xml"))]
    OUT.parent.mkdir(exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    dated = sum(1 for r in rows if r["published"])
    print(
        f"{len(rows)} articles, {len({r['story'] for r in rows})} stories, {dated} dated -> {OUT}"
    )


if __name__ == "__main__":
    main()
