# AwsTest.cmake - one helper that registers every cmocka unit test.
#
#   aws_add_unit_test(NAME SOURCES a.c [b.c ...] LIBS lib [lib ...])
#
# builds tests/unit/NAME and registers it with CTest under "unit/NAME".
# Tests get AWS_SHARED_DATA (the ../shared/data folder beside the checkout)
# and AWS_SOURCE_DIR in their environment.
get_filename_component(AWS_SHARED_DATA "${CMAKE_SOURCE_DIR}/../shared/data" ABSOLUTE)

function(aws_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/unit)
  add_test(NAME unit/${name} COMMAND ${name})
  set_tests_properties(unit/${name} PROPERTIES
    TIMEOUT 120
    ENVIRONMENT "AWS_SHARED_DATA=${AWS_SHARED_DATA};AWS_SOURCE_DIR=${CMAKE_SOURCE_DIR};AWS_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
endfunction()
