# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (GCC), running
# the results under wine:
#   cmake -S . -B build/windows --toolchain cmake/mingw-w64.cmake -DRF_BUILD_BENCH=OFF
# ctest then runs every test through CMAKE_CROSSCOMPILING_EMULATOR (wine).
# ci/windows does all of it, with a private WINEPREFIX.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(RF_MINGW_PREFIX x86_64-w64-mingw32)
# The -posix compilers: GCC 12's default (win32) thread model has no
# std::mutex or std::thread, which Google Benchmark (built by ci/mingw-deps
# with -posix) needs. C uses the same variant so that a mixed C/C++ link sees
# one runtime; the library's C code calls Win32 threads itself, and programs
# link statically (below), so no winpthread DLL is shipped either way.
set(CMAKE_C_COMPILER ${RF_MINGW_PREFIX}-gcc-posix)
set(CMAKE_CXX_COMPILER ${RF_MINGW_PREFIX}-g++-posix)
set(CMAKE_RC_COMPILER ${RF_MINGW_PREFIX}-windres)

# Target headers and libraries only from the mingw sysroot; programs (cmake,
# pkg-config) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${RF_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand the host's Linux hwloc to a Windows build: only a
# hwloc installed into the mingw sysroot counts.
set(ENV{PKG_CONFIG_LIBDIR} /usr/${RF_MINGW_PREFIX}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
# hwloc and Google Benchmark for mingw are not in the sysroot: ci/mingw-deps
# builds them into a prefix, named by RF_MINGW_DEPS (an absolute path; cache
# variable, or environment at first configure). The prefix is searched first,
# as a find root (hwloc.pc's -L, benchmark's CMake package) and by pkg-config.
# Passed on to try_compile, which reads this file again (resetting the
# environment's PKG_CONFIG_LIBDIR for the rest of the configure).
if(DEFINED ENV{RF_MINGW_DEPS})
  set(RF_MINGW_DEPS "$ENV{RF_MINGW_DEPS}" CACHE PATH "Prefix built by ci/mingw-deps")
endif()
if(RF_MINGW_DEPS)
  list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RF_MINGW_DEPS)
  list(PREPEND CMAKE_FIND_ROOT_PATH "${RF_MINGW_DEPS}")
  set(ENV{PKG_CONFIG_LIBDIR} "${RF_MINGW_DEPS}/lib/pkgconfig:$ENV{PKG_CONFIG_LIBDIR}")
endif()

# Programs link statically, so the .exe files run without the libgcc,
# libstdc++ or libwinpthread (the -posix runtime's) DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

find_program(RF_WINE NAMES wine wine64)
if(RF_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${RF_WINE})
endif()
