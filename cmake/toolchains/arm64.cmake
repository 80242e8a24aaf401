# arm64 (aarch64-linux-gnu) with Debian's cross compiler, tests under qemu-user; see linux-cross.cmake.
set(RF_CROSS_TRIPLET aarch64-linux-gnu)
set(RF_CROSS_PROCESSOR aarch64)
set(RF_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
