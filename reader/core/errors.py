"""The exceptions the core raises; each message is one line that names its input."""

from __future__ import annotations


class ReaderError(Exception):
    """Base class: the CLI prints ``str(error)`` on one line and exits 1."""


class StoreError(ReaderError):
    pass


class StoreLocked(StoreError):
    """Another process holds the database."""


class StoreCorrupt(StoreError):
    """A database file cannot be read; it is left exactly as it is."""


class SourceError(ReaderError):
    """A feed, file or folder could not be fetched or parsed."""


class NotFound(ReaderError):
    pass


class SyncError(ReaderError):
    """A sync failed: the server answered something we cannot use, or refused us."""


class SyncAuthError(SyncError):
    """The server refused the user name or password."""


class SyncUnavailable(SyncError):
    """The server cannot be reached (or answers 5xx): keep the journal and retry later."""


class Interrupted(Exception):  # noqa: N818 - names what happened, like KeyboardInterrupt
    """Background work was stopped (the app is closing); what it finished is kept."""
