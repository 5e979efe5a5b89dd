# client integration tests.
