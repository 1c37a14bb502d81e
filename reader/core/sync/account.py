"""From the ``[sync]`` settings to a logged-out client: the password and the right API."""

from __future__ import annotations

import subprocess

from reader.core.errors import SyncAuthError, SyncError
from reader.core.sanitize import clean_line
from reader.core.settings import SyncAccount
from reader.core.sync.remote import Backend

PASSWORD_COMMAND_TIMEOUT = 30.0


def password_of(account: SyncAccount) -> str:
    """``password_command``'s first line of output, else ``password``; read at each sync,
    so it is never kept on disk by reader."""
    if account.password_command:
        try:
            done = subprocess.run(
                account.password_command,
                shell=True,
                capture_output=True,
                timeout=PASSWORD_COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SyncAuthError(
                f"sync.password_command failed ({clean_line(str(error))})"
            ) from None
        if done.returncode != 0:
            said = clean_line(done.stderr.decode("utf-8", "replace"))[:120]
            raise SyncAuthError(
                f"sync.password_command exited with {done.returncode}"
                + (f": {said}" if said else "")
            )
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        return lines[0] if lines else ""
    return account.password or ""


def open_backend(account: SyncAccount) -> Backend:
    password = password_of(account)
    if account.kind == "ttrss":
        from reader.core.sync.ttrss import TtrssClient

        return TtrssClient(account.url, account.user, password)
    if account.kind == "greader":
        from reader.core.sync.greader import GreaderClient

        return GreaderClient(account.url, account.user, password)
    raise SyncError(f"unknown sync kind {clean_line(account.kind)!r}")
