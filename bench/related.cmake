# bench/related.cmake
