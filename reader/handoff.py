"""One writer per database: a command run while the app is open hands its work over.

The app listens on a Unix socket beside the database. ``reader mark ID`` (or
refresh, add, ...) that finds the database locked sends its arguments there; the
app runs the same command on its own open library and sends back the exit code
and what the command printed, which the caller prints as if it had run the
command itself. Only one process ever writes, so nothing is lost or overwritten,
and the app shows the change at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

SOCKET_NAME = "handoff.sock"
# The commands that write; read-only ones open the database read-only instead.
HANDED = frozenset(
    {"add", "remove", "rename", "opml", "mark", "refresh", "bookmarks", "index", "sync", "extract"}
)
MAX_REQUEST = 1 << 20


def socket_path(db: Path) -> Path:
    """The socket in the database folder; a private runtime folder when that path is
    too long for a Unix socket (108 bytes)."""
    db = db.resolve()
    path = db / SOCKET_NAME
    if len(os.fsencode(path)) < 100:
        return path
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = runtime / f"reader-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256(os.fsencode(db)).hexdigest()[:20]
    return folder / f"{digest}.sock"


def absolute_paths(argv: Sequence[str]) -> list[str]:
    """Arguments naming files here become absolute: the app runs in another folder."""
    return [
        str(Path(arg).resolve()) if arg and not arg.startswith("-") and Path(arg).exists() else arg
        for arg in argv
    ]


def send(db: Path, argv: Sequence[str]) -> tuple[int, str, str] | None:
    """Run ``argv`` in the app holding ``db``: (exit code, stdout, stderr), or None when
    no app answers (then the caller reports the lock as before)."""
    request = json.dumps({"argv": absolute_paths(argv)}).encode() + b"\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(str(socket_path(db)))
        except OSError:
            return None
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        answer = _read_all(conn)
    try:
        data = json.loads(answer)
        return int(data["code"]), str(data["out"]), str(data["err"])
    except (ValueError, KeyError, TypeError):
        return None


def _read_all(conn: socket.socket, limit: int | None = None) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValueError("request too large")
    return b"".join(chunks)


class _Routed(io.TextIOBase):
    """sys.stdout or sys.stderr: a handed command's thread writes to its own buffer."""

    def __init__(self, wrapped: TextIO, local: threading.local, name: str) -> None:
        self.wrapped = wrapped
        self._local = local
        self._name = name

    def _target(self) -> TextIO:
        buffer: TextIO | None = getattr(self._local, self._name, None)
        return buffer if buffer is not None else self.wrapped

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


class Server:
    """The app's end: runs each handed command on a thread of its own."""

    def __init__(self, db: Path, run: Callable[[list[str]], int]) -> None:
        self.path = socket_path(db)
        self._run = run
        self._local = threading.local()
        self._socket: socket.socket | None = None
        self._streams: tuple[TextIO, TextIO] | None = None

    def start(self) -> None:
        """Listen (the caller holds the database's write lock, so a socket left by a
        process that died is stale and replaced)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        listener.listen(128)
        self._socket = listener
        self._streams = (sys.stdout, sys.stderr)
        sys.stdout = _Routed(sys.stdout, self._local, "out")  # type: ignore[assignment]
        sys.stderr = _Routed(sys.stderr, self._local, "err")  # type: ignore[assignment]
        threading.Thread(target=self._accept, name="handoff", daemon=True).start()

    def stop(self) -> None:
        listener, self._socket = self._socket, None
        if listener is None:
            return
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self._streams is not None:
            for name, stream in zip(("stdout", "stderr"), self._streams, strict=True):
                if isinstance(getattr(sys, name), _Routed):
                    setattr(sys, name, stream)

    def _accept(self) -> None:
        while (listener := self._socket) is not None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            if not _same_user(conn):
                return
            try:
                argv = json.loads(_read_all(conn, MAX_REQUEST))["argv"]
                if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return
            out, err = io.StringIO(), io.StringIO()
            self._local.out, self._local.err = out, err
            try:
                code = self._run(argv)
            finally:
                self._local.out = self._local.err = None
            answer = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
            with contextlib.suppress(OSError):  # the caller gave up waiting
                conn.sendall(json.dumps(answer).encode())


def _same_user(conn: socket.socket) -> bool:
    """Only the user who runs the app may hand it work (the socket is 0600 as well)."""
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (AttributeError, OSError):
        return True  # no SO_PEERCRED here: the file mode alone guards it
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()
