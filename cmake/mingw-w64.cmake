# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (GCC), running
# the results under wine:
#   cmake -S . -B build/windows --toolchain cmake/mingw-w64.cmake -DRF_BUILD_BENCH=OFF
# ctest then runs every test through CMAKE_CROSSCOMPILING_EMULATOR (wine).
# ci/windows does all of it, with a private WINEPREFIX.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(RF_MINGW_PREFIX x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${RF_MINGW_PREFIX}-gcc)
set(CMAKE_CXX_COMPILER ${RF_MINGW_PREFIX}-g++)
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

# The GCC runtime linked in, so the .exe files run without libgcc DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

find_program(RF_WINE NAMES wine wine64)
if(RF_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${RF_WINE})
endif()
