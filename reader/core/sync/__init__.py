"""Sync with a feed server (Tiny Tiny RSS, the Google Reader API): the journal's rules,
the engine that pushes and pulls, and one small client per API."""
