# What every tool answers to --version and rf-bench's context records
# (rf_version, rf_git_revision, SPEC §8): the project version and the git
# revision of the source tree, taken here once at configure time (ci/bench
# configures on every run, so its results carry the right one; a build
# configured before a commit keeps the revision it was configured at).
#
#   RF_GIT_REVISION   12 hex digits, "-dirty" when a source differs from
#                     it, "unknown" outside a git checkout
#   rf_build_info.h   RF_BUILD_VERSION and RF_BUILD_REVISION for the C tools
#                     (target ringfence::build_info); rewritten only when
#                     they change, so only the files that include it rebuild
find_package(Git QUIET)
set(RF_GIT_REVISION unknown)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE _rf_rev
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rf_rc)
  if(_rf_rc EQUAL 0)
    set(RF_GIT_REVISION ${_rf_rev})
    # results/ is output, not source (the rule of ci/lib.sh's ci_revision)
    execute_process(COMMAND ${GIT_EXECUTABLE} status --porcelain -- . :!results
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE _rf_dirty ERROR_QUIET)
    if(_rf_dirty)
      string(APPEND RF_GIT_REVISION "-dirty")
    endif()
  endif()
  unset(_rf_rev)
  unset(_rf_rc)
  unset(_rf_dirty)
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/rf_build_info.h.in
               ${PROJECT_BINARY_DIR}/build-info/rf_build_info.h @ONLY)
add_library(rf_build_info INTERFACE)
add_library(ringfence::build_info ALIAS rf_build_info)
target_include_directories(rf_build_info INTERFACE ${PROJECT_BINARY_DIR}/build-info)
