# client.cmake - integration tests of the awsearch client (issue 4, item 5).
#
# test_client_output.py and test_client_autostart.py start the real
# awsearchd (or let awsearch start it) on temporary sockets over an index
# awindex builds from the bundled list, and drive the real awsearch binary;
# test_client_hostile.py puts the client before a fake daemon that sends
# what the real one never should.  AWS_PYTHON_MSGPACK (set by
# daemon.cmake) is a Python that can import msgpack, which awstest needs.
if(NOT AWS_PYTHON_MSGPACK)
  set(AWS_PYTHON_MSGPACK ${Python3_EXECUTABLE})
endif()
foreach(_name output autostart hostile)
  add_test(NAME integration/client_${_name}
           COMMAND ${AWS_PYTHON_MSGPACK}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_client_${_name}.py)
  set_tests_properties(integration/client_${_name} PROPERTIES
    ENVIRONMENT "${AWS_IT_ENV}"
    TIMEOUT 180
    LABELS "integration;client")
endforeach()
