"""The database's shape: its schema version, the folders of derived files, file suffixes."""

from __future__ import annotations

# 2: summaries and quotations left article metadata for quotes/<id>.json
# 3: the URLs an article links to left it for links/<id>.json
SCHEMA_VERSION = 3
QUOTES_KIND = "quotes"  # aux files: each article's summary and quotations
TERMS_KIND = "terms"  # aux files: the archive-similarity terms of each article
LINKS_KIND = "links"  # aux files: the web URLs each article links to ("Linked from")
TMP_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"
CORRUPT_SUFFIX = ".corrupt-"
_BODY_CACHE_FEEDS = 8
