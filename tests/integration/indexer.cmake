# indexer integration tests.
