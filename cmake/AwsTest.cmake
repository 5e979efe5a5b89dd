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

# aws_add_fuzz_target(NAME SOURCES a.c LIBS lib CORPUS dir)
#
# A fuzz target defines LLVMFuzzerTestOneInput.  With clang and
# -DAWS_FUZZ=ON it is built as a libFuzzer binary (-fsanitize=fuzzer,address);
# otherwise it is linked with tests/fuzz/driver.c, a plain driver that runs
# every file named on its command line (or stdin) through the target.  Either
# way CTest smoke-runs it over CORPUS as "fuzz/NAME".
option(AWS_FUZZ "Build fuzz targets with libFuzzer (clang only)" OFF)
function(aws_add_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(AWS_FUZZ AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address)
    file(GLOB corpus_files ${F_CORPUS}/*)
    set(run_args -runs=0 ${F_CORPUS})
  else()
    add_executable(${name} ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/driver.c)
    file(GLOB corpus_files ${F_CORPUS}/*)
    set(run_args ${corpus_files})
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fuzz)
  add_test(NAME fuzz/${name} COMMAND ${name} ${run_args})
  set_tests_properties(fuzz/${name} PROPERTIES TIMEOUT 120)
endfunction()
