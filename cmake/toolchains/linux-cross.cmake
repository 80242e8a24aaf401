# Shared part of the Linux cross toolchains (arm64.cmake, armhf.cmake,
# s390x.cmake set RF_CROSS_TRIPLET, RF_CROSS_PROCESSOR and RF_CROSS_QEMU, then
# include this file). Debian's cross compilers (gcc-<triplet>), their C
# library in /usr/<triplet>, and the target's hwloc from Debian's packages
# for that architecture, unpacked by ci/cross into RF_CROSS_DEPS
# (<deps>/usr/include, <deps>/usr/lib/<triplet>): not installed through
# multiarch, whose foreign C library must match the host's version exactly
# (Debian's s390x index lagged the host's by a point release here).
# ctest runs every test through qemu-user (CMAKE_CROSSCOMPILING_EMULATOR);
# the tests' workers re-execute themselves through binfmt_misc, which
# ci/cross sets up, with QEMU_LD_PREFIX and LD_LIBRARY_PATH in the environment.
#   cmake -S . -B build/cross-arm64 --toolchain cmake/toolchains/arm64.cmake \
#         -DRF_CROSS_DEPS=$PWD/build/cross-deps/arm64 -DRF_BUILD_BENCH=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${RF_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${RF_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${RF_CROSS_TRIPLET}-g++)

# Passed on to try_compile, which reads this file again.
if(DEFINED ENV{RF_CROSS_DEPS})
  set(RF_CROSS_DEPS "$ENV{RF_CROSS_DEPS}" CACHE PATH "Target packages unpacked by ci/cross")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RF_CROSS_DEPS)

set(CMAKE_FIND_ROOT_PATH /usr/${RF_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand the host's hwloc to the target: only the
# unpacked target packages count (their .pc files say prefix=/usr, so the
# sysroot prefixes it).
set(ENV{PKG_CONFIG_PATH} "")
if(RF_CROSS_DEPS)
  list(PREPEND CMAKE_FIND_ROOT_PATH "${RF_CROSS_DEPS}")
  set(ENV{PKG_CONFIG_LIBDIR} "${RF_CROSS_DEPS}/usr/lib/${RF_CROSS_TRIPLET}/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${RF_CROSS_DEPS}")
  # hwloc's own dependencies (libudev) are found at link time here.
  set(_rf_rpath_link
    "-Wl,-rpath-link,${RF_CROSS_DEPS}/usr/lib/${RF_CROSS_TRIPLET}:${RF_CROSS_DEPS}/lib/${RF_CROSS_TRIPLET}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "${_rf_rpath_link}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_rf_rpath_link}")
  # The headers of architecture-dependent packages (hwloc/autogen/config.h).
  set(CMAKE_C_FLAGS_INIT "-isystem ${RF_CROSS_DEPS}/usr/include/${RF_CROSS_TRIPLET}")
  set(CMAKE_CXX_FLAGS_INIT "-isystem ${RF_CROSS_DEPS}/usr/include/${RF_CROSS_TRIPLET}")
else()
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/${RF_CROSS_TRIPLET}/lib/pkgconfig")
endif()

find_program(RF_QEMU ${RF_CROSS_QEMU})
if(RF_QEMU)
  if(RF_CROSS_DEPS)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${RF_QEMU} -L ${RF_CROSS_DEPS})
  else()
    set(CMAKE_CROSSCOMPILING_EMULATOR ${RF_QEMU} -L /usr/${RF_CROSS_TRIPLET})
  endif()
endif()
