# daemon integration tests.
