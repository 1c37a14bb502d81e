"""A tmux server of our own (its own socket) to run a TUI at a fixed size and watch its screen."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class Tmux:
    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.socket = f"reader-scale-{os.getpid()}-{time.monotonic_ns() % 10**9}"
        self.width, self.height = width, height
        self._n = 0
        # an idle session keeps the server up, so starting an app costs no server start-up
        self.run(
            "new-session", "-d", "-s", "idle", "-x", str(width), "-y", str(height), "sleep", "86400"
        )
        self.run("set-option", "-g", "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def launch(
        self, command: list[str], env: dict[str, str] | None = None, cwd: str | None = None
    ) -> tuple[str, float]:
        """Start ``command`` in a new 120x40 session; returns (target, perf_counter at start)."""
        self._n += 1
        name = f"app{self._n}"
        prefix: list[str] = []
        if cwd:
            prefix += ["-c", cwd]
        for key, value in (env or {}).items():
            prefix += ["-e", f"{key}={value}"]
        started = time.perf_counter()
        self.run(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            *prefix,
            "--",
            *command,
        )
        return name, started

    def screen(self, target: str, escapes: bool = False) -> list[str]:
        """The pane's lines; with ``escapes`` colours and attributes too (-e), so a
        highlight that moves without changing any text still shows as a change."""
        flags = ["-p", "-e"] if escapes else ["-p"]
        return self.run("capture-pane", *flags, "-t", target).split("\n")

    def keys(self, target: str, *keys: str) -> float:
        """Send keys; returns perf_counter just before sending."""
        started = time.perf_counter()
        self.run("send-keys", "-t", target, *keys)
        return started

    def pid(self, target: str) -> int:
        """The process running in the pane (the pane's own pid, or its one child)."""
        pane = int(self.run("list-panes", "-t", target, "-F", "#{pane_pid}").split()[0])
        for _ in range(3):
            try:
                cmd = Path(f"/proc/{pane}/cmdline").read_bytes()
            except OSError:
                return pane
            if b"python" in cmd or b"newsboat" in cmd or b"reader" in cmd:
                return pane
            children = Path(f"/proc/{pane}/task/{pane}/children").read_text().split()
            if not children:
                return pane
            pane = int(children[0])
        return pane

    def dead(self, target: str) -> bool:
        return self.run("list-panes", "-t", target, "-F", "#{pane_dead}").strip() == "1"

    def kill(self, target: str) -> None:
        try:
            self.run("kill-session", "-t", target)
        except RuntimeError:
            pass

    def close(self) -> None:
        try:
            self.run("kill-server")
        except RuntimeError:
            pass

    def wait(
        self,
        target: str,
        done: Callable[[list[str]], bool],
        *,
        timeout: float = 30.0,
        poll: float = 0.005,
        escapes: bool = False,
    ) -> tuple[float, list[str]]:
        """Poll the screen until ``done(lines)``; returns (perf_counter when seen, lines)."""
        deadline = time.perf_counter() + timeout
        while True:
            lines = self.screen(target, escapes)
            seen = time.perf_counter()
            if done(lines):
                return seen, lines
            if seen > deadline:
                raise TimeoutError("\n".join(lines))
            time.sleep(poll)

    def quiet(self, target: str, settle: float = 0.25, timeout: float = 10.0) -> list[str]:
        """Wait until the screen has not changed for ``settle`` seconds."""
        last = self.screen(target)
        since = time.perf_counter()
        deadline = since + timeout
        while time.perf_counter() < deadline:
            time.sleep(0.01)
            now = self.screen(target)
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= settle:
                break
        return last
