# daemon.cmake - awsearchd's integration tests (issue 3, item 5).
#
# Each tests/integration/test_daemon_*.py is one CTest test that starts the
# real awsearchd (and awindex) from ${CMAKE_BINARY_DIR}/bin on temporary
# sockets and loopback port 0.  They need Debian's python3-msgpack: the
# Python CMake found may be another installation (pyenv, a venv) without
# it, so the first interpreter that can import msgpack is used, and
# AWS_PYTHON_MSGPACK is left for later fragments that need the same.

set(_aws_py_candidates ${Python3_EXECUTABLE} /usr/bin/python3)
set(AWS_PYTHON_MSGPACK "")
foreach(_py IN LISTS _aws_py_candidates)
  if(NOT AWS_PYTHON_MSGPACK AND EXISTS "${_py}")
    execute_process(COMMAND "${_py}" -c "import msgpack"
                    RESULT_VARIABLE _aws_py_rc OUTPUT_QUIET ERROR_QUIET)
    if(_aws_py_rc EQUAL 0)
      set(AWS_PYTHON_MSGPACK "${_py}")
    endif()
  endif()
endforeach()
if(NOT AWS_PYTHON_MSGPACK)
  # The tests still run, and fail saying what is missing.
  message(WARNING "no Python with msgpack found: install python3-msgpack")
  set(AWS_PYTHON_MSGPACK ${Python3_EXECUTABLE})
endif()

# name -> seconds allowed (each takes a few seconds; ASan doubles it).
set(_aws_daemon_tests
  rpc 120
  malformed 180
  load 180
  reindex 240
  lifecycle 180)
list(LENGTH _aws_daemon_tests _n)
math(EXPR _last "${_n} - 1")
foreach(_i RANGE 0 ${_last} 2)
  math(EXPR _j "${_i} + 1")
  list(GET _aws_daemon_tests ${_i} _name)
  list(GET _aws_daemon_tests ${_j} _timeout)
  add_test(NAME integration/daemon_${_name}
           COMMAND ${AWS_PYTHON_MSGPACK}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_daemon_${_name}.py)
  set_tests_properties(integration/daemon_${_name} PROPERTIES
    ENVIRONMENT "${AWS_IT_ENV}"
    TIMEOUT ${_timeout}
    LABELS "integration;daemon")
endforeach()

# test_daemon_preload.py loads two shim libraries into awsearchd with
# LD_PRELOAD: one that makes socket writes short, one that gives stat()
# one-second timestamps.  They are built without the sanitizers even in
# the ASan build (the sanitizer runtime comes from the daemon itself), and
# the script runs as two tests, one per shim, chosen by its name filter.
foreach(_shim send stat)
  add_library(aws_preload_${_shim} MODULE
              ${CMAKE_CURRENT_SOURCE_DIR}/preload_${_shim}.c)
  target_link_libraries(aws_preload_${_shim} PRIVATE ${CMAKE_DL_LIBS})
  set_target_properties(aws_preload_${_shim} PROPERTIES
    COMPILE_OPTIONS "-Wall;-Wextra;-Werror"
    LINK_OPTIONS "")
endforeach()
set(_aws_preload_env
  ${AWS_IT_ENV}
  "AWS_PRELOAD_SEND=$<TARGET_FILE:aws_preload_send>"
  "AWS_PRELOAD_STAT=$<TARGET_FILE:aws_preload_stat>")
foreach(_pair "send;partial_sends" "stat;coarse_timestamps")
  list(GET _pair 0 _name)
  list(GET _pair 1 _filter)
  add_test(NAME integration/daemon_preload_${_name}
           COMMAND ${AWS_PYTHON_MSGPACK}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_daemon_preload.py
                   ${_filter})
  set_tests_properties(integration/daemon_preload_${_name} PROPERTIES
    ENVIRONMENT "${_aws_preload_env}"
    TIMEOUT 120
    LABELS "integration;daemon")
endforeach()
