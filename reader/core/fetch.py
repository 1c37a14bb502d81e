"""Network I/O: the only module that talks HTTP.

Bounded on every side a hostile server can push: a total deadline per fetch
(a per-read timeout alone lets a one-byte drip run forever), a body cap counted
after decompression, a redirect limit, and http/https only at every hop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from reader import __version__
from reader.core.errors import SourceError
from reader.core.sanitize import SAFE_SCHEMES, clean_line, url_scheme

USER_AGENT = f"reader-tui/{__version__} (terminal news reader)"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 10


@dataclass
class FetchResult:
    """What a fetch brought back; ``content`` is empty for a 304."""

    url: str
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when a 301/308 moved the feed

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def _fail(url: str, reason: str) -> SourceError:
    return SourceError(f"{clean_line(url)}: {reason}")


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET ``url`` with conditional headers; raises SourceError on any failure."""
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own_client = client is None
    http = client or httpx.Client(follow_redirects=False)
    try:
        permanent: str | None = None
        moved_for_good = True
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if url_scheme(current) not in SAFE_SCHEMES:
                raise _fail(url, f"refusing to fetch {clean_line(current)!r} (http/https only)")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _fail(url, f"timed out after {timeout:g} s")
            request_timeout = httpx.Timeout(min(remaining, 10.0))
            try:
                with http.stream("GET", current, headers=headers, timeout=request_timeout) as rsp:
                    if rsp.has_redirect_location:
                        location = rsp.headers.get("location", "")
                        moved_for_good = moved_for_good and rsp.status_code in (301, 308)
                        current = urljoin(current, location)
                        permanent = current if moved_for_good else None
                        continue
                    if rsp.status_code == 304:
                        return FetchResult(current, 304, b"", dict(rsp.headers), permanent)
                    if rsp.status_code >= 400:
                        raise _fail(url, f"HTTP {rsp.status_code} {rsp.reason_phrase}")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in rsp.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise _fail(url, f"response larger than {max_bytes // 1048576} MiB")
                        if time.monotonic() > deadline:
                            raise _fail(url, f"timed out after {timeout:g} s")
                        chunks.append(chunk)
                    return FetchResult(
                        str(rsp.url),
                        rsp.status_code,
                        b"".join(chunks),
                        dict(rsp.headers),
                        permanent,
                    )
            except httpx.TimeoutException:
                raise _fail(url, f"timed out after {timeout:g} s") from None
            except httpx.HTTPError as error:
                raise _fail(url, clean_line(str(error)) or type(error).__name__) from None
        raise _fail(url, f"more than {MAX_REDIRECTS} redirects")
    finally:
        if own_client:
            http.close()
