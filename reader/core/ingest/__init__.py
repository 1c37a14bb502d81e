"""Getting feeds and documents in: fetch, discover, parse, and decide what changes."""
