"""Keeping the database: atomic files, codecs, sidecar arrays, schema, lock and recovery."""
