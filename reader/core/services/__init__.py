"""The services a :class:`~reader.core.library.Library` is made of, one job each.

They sit below the facade and never import it; each is built from a store, a
clock and the few shared parts it needs (documents, derived files, the pause
hook), so a test can build one alone.
"""
