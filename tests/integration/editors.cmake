# editors.cmake - related papers and editor integration tests (issue 6).
#
# test_related.py: related/cite/suggest over the wire and the client's exit
# statuses.  test_related_quality.py: bench/run-related-bench.sh --check on
# the bundled list and every list in ../shared/data/lists/ (the related
# ranking must beat the title-query baseline; it needs bench_related, so
# AWS_BUILD_BENCH).  test_nvim.py: the Neovim plugin in headless Neovim
# against a real daemon; exit status 77 (skipped) when no Neovim 0.7 is
# installed.  AWS_PYTHON_MSGPACK (daemon.cmake) can import msgpack.
if(NOT AWS_PYTHON_MSGPACK)
  set(AWS_PYTHON_MSGPACK ${Python3_EXECUTABLE})
endif()
set(_aws_editor_tests related nvim)
if(AWS_BUILD_BENCH)
  list(APPEND _aws_editor_tests related_quality)
endif()
foreach(_name IN LISTS _aws_editor_tests)
  add_test(NAME integration/editors_${_name}
           COMMAND ${AWS_PYTHON_MSGPACK}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_${_name}.py)
  set_tests_properties(integration/editors_${_name} PROPERTIES
    ENVIRONMENT "${AWS_IT_ENV}"
    TIMEOUT 300
    SKIP_RETURN_CODE 77
    LABELS "integration;editors")
endforeach()
