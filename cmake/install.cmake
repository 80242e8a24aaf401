# Installation: the library, its headers, an exported CMake package
# (find_package(ringfence) -> ringfence::ringfence), ringfence.pc and the
# result tools (rf-report, rf-compare); the Debian package (CPack) is
# cmake/package.cmake.
# Included at the end of the top-level CMakeLists.txt.
#
# Static or shared: the library type follows BUILD_SHARED_LIBS, so the default
# is CMake's (static) and -DBUILD_SHARED_LIBS=ON gives a shared library. Static
# is a sound default for this project: tests, rf-bench and the soak re-execute
# themselves as workers, and a static library leaves nothing to resolve at
# exec time (no RPATH / LD_LIBRARY_PATH) and no PLT call on the measured
# paths. Both types install and are consumable:
#  - shared: hwloc is a private dependency of the .so; a consumer needs only
#    Threads and librt (the public link interface; nothing on Windows).
#  - static: the archive needs hwloc at the consumer's link, so the exported
#    link interface names PkgConfig::HWLOC (as $<LINK_ONLY:...>) and the
#    package config re-creates that imported target through pkg-config;
#    ringfence.pc then lists hwloc, pthread and rt as public (see below).
#    A Windows build without hwloc (the native fallback) names none of them.
# The install_consumer test checks whichever type this build tree has.

include(CMakePackageConfigHelpers)

set(RF_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ringfence)
set(RF_PKGCONFIG_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

get_target_property(RF_LIBRARY_TYPE ringfence TYPE)
if(RF_LIBRARY_TYPE STREQUAL "STATIC_LIBRARY")
  set(RF_STATIC ON)
else()
  set(RF_STATIC OFF)
endif()
# Whether the library was built with hwloc (a Windows build may have the
# native placement fallback instead): the package config and .pc follow it.
if(HWLOC_FOUND)
  set(RF_HWLOC ON)
else()
  set(RF_HWLOC OFF)
endif()

# A static library exports its PRIVATE link items as $<LINK_ONLY:...>, and
# install(EXPORT) requires each such target to be exported too: build-only
# targets (rf_warnings) must be linked as $<BUILD_INTERFACE:...> in ref/.
install(TARGETS ringfence
  EXPORT ringfenceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/ref/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(EXPORT ringfenceTargets
  NAMESPACE ringfence::
  FILE ringfenceTargets.cmake
  DESTINATION ${RF_CMAKE_INSTALL_DIR})

# The package config: @PACKAGE_INIT@ and @RF_STATIC@ are filled in here.
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/ringfenceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/ringfenceConfig.cmake
  INSTALL_DESTINATION ${RF_CMAKE_INSTALL_DIR})
# 0.x: a minor release may break the API, so only the same major.minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/ringfenceConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/ringfenceConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/ringfenceConfigVersion.cmake
  DESTINATION ${RF_CMAKE_INSTALL_DIR})

# ringfence.pc is relocatable: its prefix is derived from ${pcfiledir}, so it
# stays right under `cmake --install --prefix P` and DESTDIR staging, where
# CMAKE_INSTALL_PREFIX (known at configure time) would not be.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(RF_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(RF_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(RF_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _rf_up "/rf/${RF_PKGCONFIG_INSTALL_DIR}" "/rf")
  string(REGEX REPLACE "/$" "" _rf_up "${_rf_up}")
  set(RF_PC_PREFIX "\${pcfiledir}/${_rf_up}")
  set(RF_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(RF_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  unset(_rf_up)
endif()
# A shared library keeps hwloc, pthread and rt private (pkg-config --static
# lists them). A static one cannot: plain `pkg-config --libs ringfence` must
# still link, and `--static` would pull in hwloc's own private libraries
# (-ludev on Debian, whose -dev package nobody needs otherwise). On Windows
# the library needs only kernel32 (Win32 threads and events), and hwloc only
# when the build found one (else the native placement fallback is built in).
set(RF_PC_REQUIRES "")
if(RF_HWLOC AND RF_STATIC)
  set(RF_PC_REQUIRES "Requires: hwloc")
elseif(RF_HWLOC)
  set(RF_PC_REQUIRES "Requires.private: hwloc")
endif()
if(WIN32)
  set(RF_PC_SYSLIBS "")
else()
  set(RF_PC_SYSLIBS "-lpthread -lrt")
endif()
if(RF_STATIC)
  set(RF_PC_LIBS "-L\${libdir} -lringfence ${RF_PC_SYSLIBS}")
  set(RF_PC_LIBS_PRIVATE "")
else()
  set(RF_PC_LIBS "-L\${libdir} -lringfence")
  set(RF_PC_LIBS_PRIVATE "")
  if(RF_PC_SYSLIBS)
    set(RF_PC_LIBS_PRIVATE "Libs.private: ${RF_PC_SYSLIBS}")
  endif()
endif()
string(STRIP "${RF_PC_LIBS}" RF_PC_LIBS)
configure_file(${CMAKE_CURRENT_LIST_DIR}/ringfence.pc.in
  ${PROJECT_BINARY_DIR}/cmake/ringfence.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/ringfence.pc DESTINATION ${RF_PKGCONFIG_INSTALL_DIR})

# The result tools, rf-report and rf-compare, into bin/, and the module
# they share (rfresults.py) into share/ringfence/python/. The installed
# copies are the sources with one line each set at configure time: where
# the module is, relative to bin/ (RF_PYTHON_DIR), and which build they come
# from (rfresults.BUILD, for --version). Installed, their default --results
# is the current directory's results/ (there is no source tree above them).
# rf-bench's own install rule is in bench/ (only where it is built).
set(RF_PYTHON_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/ringfence/python)
if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}" OR IS_ABSOLUTE "${RF_PYTHON_INSTALL_DIR}")
  set(_rf_pydir "${CMAKE_INSTALL_FULL_DATADIR}/ringfence/python")
else()
  file(RELATIVE_PATH _rf_pydir "/rf/${CMAKE_INSTALL_BINDIR}" "/rf/${RF_PYTHON_INSTALL_DIR}")
endif()
set(_rf_report_src ${PROJECT_SOURCE_DIR}/bench/report)
# Copies src to dst with the line `from` made `to` (which must be there);
# writes only when the text changes, so nothing rebuilds for nothing.
function(rf_python_copy src dst from to)
  file(READ ${src} text)
  string(FIND "${text}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${src}: the line '${from}' that install.cmake sets is not there")
  endif()
  string(REPLACE "${from}" "${to}" text "${text}")
  set(old "")
  if(EXISTS ${dst})
    file(READ ${dst} old)
  endif()
  if(NOT old STREQUAL text)
    file(WRITE ${dst} "${text}")
  endif()
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
endfunction()
foreach(tool rf-report rf-compare)
  rf_python_copy(${_rf_report_src}/${tool} ${PROJECT_BINARY_DIR}/python/${tool}
    "RF_PYTHON_DIR = \".\"" "RF_PYTHON_DIR = \"${_rf_pydir}\"")
  install(PROGRAMS ${PROJECT_BINARY_DIR}/python/${tool} DESTINATION ${CMAKE_INSTALL_BINDIR})
endforeach()
rf_python_copy(${_rf_report_src}/rfresults.py ${PROJECT_BINARY_DIR}/python/rfresults.py
  "BUILD = None" "BUILD = (\"${PROJECT_VERSION}\", \"${RF_GIT_REVISION}\")")
install(FILES ${PROJECT_BINARY_DIR}/python/rfresults.py DESTINATION ${RF_PYTHON_INSTALL_DIR})
unset(_rf_pydir)
unset(_rf_report_src)

# install_consumer: installs this build tree into a prefix under the build
# directory, then builds and runs a small consumer against it twice: through
# find_package(ringfence) and through pkg-config. Registered only where the
# top level enabled testing (RF_BUILD_TESTS, and BUILD_TESTING if CTest set it).
if(RF_BUILD_TESTS AND (NOT DEFINED BUILD_TESTING OR BUILD_TESTING))
  add_test(NAME install_consumer
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/consumer/run.sh
      ${PROJECT_BINARY_DIR}                    # build tree to install
      ${PROJECT_BINARY_DIR}/install-consumer   # scratch: prefix/, build/, consumer-pc
      $<CONFIG>
      ${RF_LIBRARY_TYPE}
      ${CMAKE_INSTALL_LIBDIR}
      ${CMAKE_COMMAND}
      ${CMAKE_GENERATOR}
      ${CMAKE_C_COMPILER}
      "${CMAKE_C_FLAGS}"
      "${CMAKE_EXE_LINKER_FLAGS}")
  set_tests_properties(install_consumer PROPERTIES LABELS unit TIMEOUT 300)
endif()
