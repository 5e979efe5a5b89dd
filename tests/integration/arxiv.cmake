# arxiv.cmake - integration tests of abstract fetching (issue 5).
#
# test_arxiv_awindex.py runs the real awindex against mock_arxiv.py (the
# mock arXiv API, stdlib only) on loopback port 0 with a temporary database
# and cache.  The fetch loop's own cases (503, Retry-After, time-outs, bad
# XML, error entries, pacing) are in the unit tests test_arxiv_fetch and
# test_arxiv_retry, which start the same mock.
add_test(NAME integration/arxiv_awindex
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/test_arxiv_awindex.py)
set_tests_properties(integration/arxiv_awindex PROPERTIES
  ENVIRONMENT "${AWS_IT_ENV}"
  TIMEOUT 180)
