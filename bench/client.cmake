# bench/client.cmake
