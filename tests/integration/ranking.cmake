# ranking.cmake - search quality: the query language and the expected top hits
# (issue 4, item 3).
#
# Each test_*.py here is one CTest test that indexes the bundled list with
# the real awindex, starts the real awsearchd on a temporary socket and
# sends queries over msgpack-RPC.  They need Debian's python3-msgpack:
# daemon.cmake finds a Python that has it (AWS_PYTHON_MSGPACK); when this
# fragment is read without it, the one CMake found is used and the tests
# fail saying what is missing.
if(AWS_PYTHON_MSGPACK)
  set(_aws_ranking_python "${AWS_PYTHON_MSGPACK}")
else()
  set(_aws_ranking_python "${Python3_EXECUTABLE}")
endif()

# name -> seconds allowed (each takes about a second; ASan several).
set(_aws_ranking_tests
  query_language 120
  ranking 120
)
while(_aws_ranking_tests)
  list(POP_FRONT _aws_ranking_tests _name _timeout)
  add_test(NAME integration/${_name}
           COMMAND ${_aws_ranking_python}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_${_name}.py)
  set_tests_properties(integration/${_name} PROPERTIES
                       TIMEOUT ${_timeout}
                       ENVIRONMENT "${AWS_IT_ENV}"
                       LABELS "integration;ranking")
endwhile()
