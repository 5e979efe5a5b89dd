# indexer/arxiv.cmake - aws_arxiv: abstracts from the arXiv API (issue 5).
#
# The Atom parser, the on-disk cache and the fetch loop, with their unit
# tests and the Atom fuzz target.  aws_paper_meta_t and its clear function
# come from aws_papermeta (awindex.cmake).  test_arxiv_fetch and
# test_arxiv_retry start tests/integration/mock_arxiv.py on loopback, so
# they need python3 on PATH.
add_library(aws_arxiv STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/atom.c
  ${CMAKE_CURRENT_SOURCE_DIR}/arxiv_cache.c
  ${CMAKE_CURRENT_SOURCE_DIR}/arxiv.c
  ${CMAKE_CURRENT_SOURCE_DIR}/arxiv_batch.c)
target_include_directories(aws_arxiv PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(aws_arxiv PUBLIC aws_papermeta aws_list aws_common
  PRIVATE PkgConfig::CURL PkgConfig::LIBXML2 PkgConfig::JANSSON)

if(AWS_BUILD_TESTS)
  aws_add_unit_test(test_atom
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_atom.c
    LIBS aws_arxiv)
  aws_add_unit_test(test_arxiv_cache
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_arxiv_cache.c
    LIBS aws_arxiv)
  # Both start tests/integration/mock_arxiv.py through test_arxiv_support.c.
  foreach(t test_arxiv_fetch test_arxiv_retry)
    aws_add_unit_test(${t}
      SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/${t}.c
              ${CMAKE_SOURCE_DIR}/tests/unit/test_arxiv_support.c
      LIBS aws_arxiv PkgConfig::CURL PkgConfig::JANSSON)
  endforeach()
  aws_add_fuzz_target(fuzz_atom
    SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_atom.c
    LIBS aws_arxiv
    CORPUS ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/atom)
endif()
