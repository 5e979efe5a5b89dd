# bench/index.cmake
