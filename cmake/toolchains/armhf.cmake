# armhf (arm-linux-gnueabihf) with Debian's cross compiler, tests under qemu-user; see linux-cross.cmake.
set(RF_CROSS_TRIPLET arm-linux-gnueabihf)
set(RF_CROSS_PROCESSOR armv7l)
set(RF_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
