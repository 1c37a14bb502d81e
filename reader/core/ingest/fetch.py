"""Network I/O: the only module that talks HTTP.

Bounded on every side a hostile server can push: a total deadline per fetch
(a per-read timeout alone lets a one-byte drip run forever, so every socket
read and write is capped by the time left), a body cap counted after
decompression (we inflate gzip ourselves, a bounded slice at a time), a
redirect limit, and http/https only at every hop. Polite too: at most a few
requests at once and two per host, conditional GET, Retry-After honoured by
the caller through :class:`FetchError`.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

if "httpx" not in sys.modules:
    # httpx imports its command line (Click, Rich, Pygments: ~100 ms) whenever Click is
    # installed, as the test tools install it; we never use it, and a user's install
    # (no Click) skips it too. None in sys.modules makes that import fail, as without Click.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpcore  # noqa: E402
import httpx  # noqa: E402

from reader import __version__
from reader.core.config import DEFAULT_CONCURRENCY
from reader.core.errors import SourceError
from reader.core.sanitize import SAFE_SCHEMES, clean_line, url_scheme

USER_AGENT = f"reader-tui/{__version__} (terminal news reader)"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 10
DEFAULT_PER_HOST = 2
DEFAULT_RETRY_DELAY = 1.0
MAX_RETRY_AFTER = 7 * 24 * 3600.0  # a server cannot switch a feed off for longer than a week
_READ_TIMEOUT = 10.0  # one silent read; the total deadline is enforced separately
_DECODE_SLICE = 64 * 1024
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
_TRANSIENT = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class FetchError(SourceError):
    """A fetch that failed; ``retry_after`` is the server's Retry-After header, as sent.

    It stays a header value: only the caller's clock turns an HTTP date into a wait.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.unreachable = unreachable  # no connection at all (name, route, refused)


@dataclass
class FetchResult:
    """What a fetch brought back; ``content`` is empty for a 304."""

    url: str
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when only 301/308 redirects moved the feed

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def digest(self) -> str:
        """A hash of the body, so unchanged bytes behind a changed ETag are not parsed again."""
        return hashlib.blake2b(self.content, digest_size=16).hexdigest()


def _retry_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds after ``now`` (delta-seconds or an HTTP date), capped at a week."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        when = _retry_date(value)
        if when is None:
            return None
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _retry_hint(value: str | None) -> str:
    """How the error line says when to come back, without reading a clock."""
    value = (value or "").strip()
    if value.isdigit():
        return f"; retry after {min(int(value), int(MAX_RETRY_AFTER))} s"
    when = _retry_date(value) if value else None
    return f"; retry after {when.isoformat(timespec='seconds')}" if when else ""


# -- the total deadline, enforced at the socket --------------------------------

_deadline = threading.local()


def _capped(timeout: float | None, error: type[Exception]) -> float | None:
    """The socket timeout for one operation: never past this thread's fetch deadline."""
    deadline: float | None = getattr(_deadline, "value", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _capped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every connect, read and write capped by the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - we never use unix sockets
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound_by_deadline(transport: object) -> None:
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is not None and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


def make_client(max_connections: int = DEFAULT_CONCURRENCY * 2) -> httpx.Client:
    """An httpx client whose sockets obey the per-thread deadline set by :class:`Fetcher`.

    httpx has no public hook for the socket layer, so the backend is swapped
    on each transport (the default one and any proxy from the environment);
    tests/test_refresh.py pins that a drip in the headers is still cut off.
    """
    client = httpx.Client(
        follow_redirects=False,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=32),
    )
    for transport in [client._transport, *client._mounts.values()]:
        _bound_by_deadline(transport)
    return client


@contextmanager
def _deadline_scope(deadline: float) -> Iterator[None]:
    previous = getattr(_deadline, "value", None)
    _deadline.value = deadline
    try:
        yield
    finally:
        _deadline.value = previous


# -- decoding ------------------------------------------------------------------


class _Inflater:
    """gzip/deflate decoding that never produces more than the cap allows."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib = self._make()
        self._started = False

    def _make(self) -> Any:
        # 47 = auto-detect a gzip or zlib header; a "deflate" that is raw is retried below.
        return zlib.decompressobj(47 if self.encoding == "gzip" else 15)

    def feed(self, data: bytes, budget: int) -> Iterator[bytes]:
        """Yield decoded slices of ``data``; stops once more than ``budget`` bytes came out."""
        produced = 0
        while data and produced <= budget:
            try:
                out = self._zlib.decompress(data, _DECODE_SLICE)
            except zlib.error:
                if self.encoding == "deflate" and not self._started:
                    self._zlib = zlib.decompressobj(-15)  # raw deflate, as some servers send
                    self._started = True
                    continue
                raise
            self._started = True
            produced += len(out)
            if out:
                yield out
            if self._zlib.eof:
                data = self._zlib.unused_data  # another gzip member follows
                self._zlib = self._make()
            else:
                data = self._zlib.unconsumed_tail


# -- the fetcher ------------------------------------------------------------------


@dataclass(frozen=True)
class _Redirect:
    location: str
    permanent: bool  # 301/308: the feed moved; 302/303/307: this time only


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class Fetcher:
    """A shared, thread-safe HTTP fetcher: call it like :func:`fetch` from many threads.

    It holds one connection pool and limits how many requests run at once,
    overall and per host, so a refresh of hundreds of feeds stays polite.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        concurrency: int = DEFAULT_CONCURRENCY,
        per_host: int = DEFAULT_PER_HOST,
        retry_delay: float = DEFAULT_RETRY_DELAY,
        client: httpx.Client | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.concurrency = concurrency
        self.per_host = per_host
        self.retry_delay = retry_delay
        self._own_client = client is None
        self._client = client or make_client(max(concurrency, per_host) * 2)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = _host(url)
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(self.per_host)
            return slot

    def __call__(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET ``url`` with conditional headers; raises FetchError on any failure."""
        # The clock starts once a slot is ours (the second item is evaluated after the first
        # is entered), and _fetch adds any wait for a host slot: queueing is not the server's.
        with self._slots, _deadline_scope(time.monotonic() + self.timeout):
            try:
                return self._fetch(url, etag, last_modified, _deadline.value, accept)
            except FetchError as error:
                transient = isinstance(error.__cause__, _TRANSIENT)
                if not transient or _deadline.value - time.monotonic() <= self.retry_delay:
                    raise
            time.sleep(self.retry_delay)  # one retry, after a pause, for a dropped connection
            return self._fetch(url, etag, last_modified, _deadline.value, accept)

    def _fail(self, url: str, reason: str, **extra: Any) -> FetchError:
        return FetchError(f"{clean_line(url)}: {reason}", **extra)

    def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        deadline: float,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent: str | None = None
        moved_for_good = True
        current = url
        for _ in range(self.max_redirects + 1):
            if url_scheme(current) not in SAFE_SCHEMES:
                raise self._fail(
                    url, f"refusing to fetch {clean_line(current)!r} (http/https only)"
                )
            if deadline <= time.monotonic():
                raise self._fail(url, f"timed out after {self.timeout:g} s")
            try:
                queued = time.monotonic()
                with self._host_slot(current):
                    # Waiting behind other feeds of this host is not this server's time
                    # (tests/test_hostile_server.py: hung feeds must not fail their neighbours).
                    deadline += time.monotonic() - queued
                    _deadline.value = deadline
                    result = self._one_request(url, current, headers, deadline)
            except httpx.TimeoutException as error:
                unreachable = isinstance(error, httpx.ConnectTimeout)
                reason = f"timed out after {self.timeout:g} s"
                raise self._fail(url, reason, unreachable=unreachable) from None
            except httpx.InvalidURL as error:
                raise self._fail(url, f"invalid URL ({clean_line(str(error))})") from None
            except httpx.HTTPError as error:
                reason = clean_line(str(error)) or type(error).__name__
                unreachable = isinstance(error, httpx.ConnectError)
                raise self._fail(url, reason, unreachable=unreachable) from error
            if isinstance(result, _Redirect):
                moved_for_good = moved_for_good and result.permanent
                current = urljoin(current, result.location)
                permanent = current if moved_for_good else None
                continue
            result.permanent_url = permanent
            return result
        raise self._fail(url, f"more than {self.max_redirects} redirects")

    def _one_request(
        self, url: str, current: str, headers: dict[str, str], deadline: float
    ) -> FetchResult | _Redirect:
        """One hop: what the server sent, or where it sent us."""
        remaining = max(deadline - time.monotonic(), 0.001)
        timeout = httpx.Timeout(min(remaining, _READ_TIMEOUT))
        with self._client.stream("GET", current, headers=headers, timeout=timeout) as rsp:
            status = rsp.status_code
            if rsp.has_redirect_location:
                return _Redirect(rsp.headers.get("location", ""), status in (301, 308))
            if status == 304:
                # A 304 has no body; reading its end lets the connection go back to the
                # pool (closing an unread response closes the connection: a nothing-changed
                # refresh of one host's feeds then paid a new connection each).
                rsp.read()
                return FetchResult(current, 304, b"", dict(rsp.headers))
            if status in (429, 503):
                wait = rsp.headers.get("retry-after")
                hint = _retry_hint(wait)
                raise self._fail(
                    url,
                    f"HTTP {status} {rsp.reason_phrase}{hint}",
                    status=status,
                    retry_after=wait if hint else None,
                )
            if status >= 400:
                raise self._fail(url, f"HTTP {status} {rsp.reason_phrase}", status=status)
            if not 200 <= status < 300:
                raise self._fail(
                    url, f"unexpected HTTP {status} {rsp.reason_phrase}", status=status
                )
            content = self._read_body(url, rsp, deadline)
            return FetchResult(str(rsp.url), status, content, dict(rsp.headers))

    def _read_body(self, url: str, rsp: httpx.Response, deadline: float) -> bytes:
        """The decoded body, streamed: over the cap or past the deadline is an error."""
        encodings = [
            e.strip().lower()
            for e in rsp.headers.get("content-encoding", "").split(",")
            if e.strip() and e.strip().lower() != "identity"
        ]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise self._fail(url, f"unsupported Content-Encoding {', '.join(encodings)!r}")
        inflater = (
            _Inflater("deflate" if encodings == ["deflate"] else "gzip") if encodings else None
        )
        too_big = self._fail(url, f"response larger than {self.max_bytes / 1048576:g} MiB")
        chunks: list[bytes] = []
        size = raw_size = 0
        try:
            for raw in rsp.iter_raw():
                raw_size += len(raw)
                if raw_size > self.max_bytes:
                    raise too_big
                if time.monotonic() > deadline:
                    raise self._fail(url, f"timed out after {self.timeout:g} s")
                pieces = inflater.feed(raw, self.max_bytes - size) if inflater else (raw,)
                for piece in pieces:
                    size += len(piece)
                    if size > self.max_bytes:
                        raise too_big
                    chunks.append(piece)
        except zlib.error as error:
            raise self._fail(url, f"corrupt compressed body ({error})") from None
        return b"".join(chunks)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
) -> FetchResult:
    """One fetch with a fetcher of its own; many fetches should share a :class:`Fetcher`."""
    with Fetcher(timeout=timeout, max_bytes=max_bytes, client=client) as fetcher:
        return fetcher(url, etag=etag, last_modified=last_modified)
