# editors and related-papers integration tests.
