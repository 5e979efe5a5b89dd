# indexer/awindex.cmake
