# s390x (s390x-linux-gnu) with Debian's cross compiler, tests under qemu-user; see linux-cross.cmake.
set(RF_CROSS_TRIPLET s390x-linux-gnu)
set(RF_CROSS_PROCESSOR s390x)
set(RF_CROSS_QEMU qemu-s390x-static)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
