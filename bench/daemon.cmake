# bench/daemon.cmake
