"""Understanding an article: its document, quotations, related terms and search terms.

Nothing here reads or writes storage or the network."""
