# indexer/awindex.cmake - awindex: from lists to the Xapian database.
#
# aws_papermeta: paper metadata from JSON lines and merging it into entries
# (also what the arXiv fetcher's results are merged with).
# metafile.c reads --abstracts files through zlib, gzip'd or not (Debian's
# zlib1g-dev, installed by scripts/deps.sh).
find_package(ZLIB REQUIRED)
add_library(aws_papermeta STATIC papermeta.c metafile.c)
target_include_directories(aws_papermeta PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(aws_papermeta PUBLIC aws_list aws_common PkgConfig::JANSSON
                      PRIVATE ZLIB::ZLIB)

# aws_index: writing a parsed list into the database, the report, progress.
add_library(aws_index STATIC sync.c keep.c shards.c report.c progress.c synonyms.c)
target_include_directories(aws_index PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(aws_index PUBLIC aws_papermeta aws_list awx aws_common
                      PkgConfig::JANSSON)

add_executable(awindex awindex.c)
target_link_libraries(awindex PRIVATE aws_index aws_arxiv aws_papermeta)
install(TARGETS awindex RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

if(AWS_BUILD_TESTS)
  aws_add_unit_test(test_papermeta
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_papermeta.c
    LIBS aws_papermeta)
  aws_add_unit_test(test_sync
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_sync.c
    LIBS aws_index PkgConfig::JANSSON)
  aws_add_unit_test(test_keep
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_keep.c
    LIBS aws_index)
endif()
