# indexer/list.cmake
