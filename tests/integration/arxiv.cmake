# arxiv integration tests.
