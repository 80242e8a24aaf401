# The Debian package (Linux only): `cpack -G DEB` in a build tree makes
# ringfence_<version>_<arch>.deb of what `cmake --install` installs (the
# library, headers, CMake package and ringfence.pc, rf-soak, rf-clean,
# rf-bench when built, rf-report and rf-compare). Its Depends come from the
# programs' real shared-library dependencies (dpkg-shlibdeps, from dpkg-dev);
# the result tools' Python and the static library's hwloc are Recommends,
# since the programs run without them. Included at the end of the top-level
# CMakeLists.txt, after every install rule; the package test is at the end.
if(WIN32 OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  return()
endif()

set(CPACK_PACKAGE_NAME ringfence)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "A C11 library for processes on one machine that share a broadcast ring each and meet at a barrier that can fence what was published; with rf-soak (soak and fault injection), rf-bench (benchmarks), rf-report and rf-compare (results), rf-clean. Built from git revision ${RF_GIT_REVISION}.")
set(CPACK_PACKAGE_CONTACT "ringfence developers <ringfence@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(_rf_recommends "python3, python3-matplotlib, python3-scipy")
if(RF_STATIC)
  # the exported package finds hwloc through pkg-config (install.cmake)
  string(APPEND _rf_recommends ", libhwloc-dev, pkg-config")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "${_rf_recommends}")
unset(_rf_recommends)
include(CPack)

# package_deb: builds the package from this build tree into a scratch
# folder, unpacks it with dpkg -x into a scratch root and runs the tools and
# a consumer from there (cmake/package-test.sh). Skipped (77) without
# dpkg-deb or dpkg-shlibdeps; ci/test installs dpkg-dev. About 35 s (cpack
# and a consumer's configure), so not again in the sanitizer builds, whose
# package would be the same files built another way. Nor in a cross build
# (ci/cross): its consumer would need the target's toolchain and libraries,
# and CPack would label the package with the host's architecture.
if(RF_BUILD_TESTS AND (NOT DEFINED BUILD_TESTING OR BUILD_TESTING)
   AND NOT CMAKE_C_FLAGS MATCHES "-fsanitize" AND NOT CMAKE_CROSSCOMPILING)
  get_filename_component(_rf_cmake_dir ${CMAKE_COMMAND} DIRECTORY)
  add_test(NAME package_deb
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/package-test.sh
      ${PROJECT_BINARY_DIR}
      ${PROJECT_BINARY_DIR}/package-test
      $<CONFIG>
      ${PROJECT_VERSION}
      ${CMAKE_INSTALL_LIBDIR}
      ${_rf_cmake_dir}/cpack
      ${CMAKE_COMMAND}
      ${CMAKE_GENERATOR}
      ${CMAKE_C_COMPILER}
      "${CMAKE_C_FLAGS}"
      $<BOOL:$<TARGET_EXISTS:rf-bench>>)
  set_tests_properties(package_deb PROPERTIES LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
  unset(_rf_cmake_dir)
endif()
