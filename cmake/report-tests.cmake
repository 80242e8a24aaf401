# ci/report and ci/compare on the committed fixtures (results/fixtures/):
# figures written, table rows present, a planted regression flagged and an
# unchanged benchmark not. Skipped (exit 77) when matplotlib or scipy is
# missing; ci/test installs python3-matplotlib and python3-scipy.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  add_test(NAME report.fixtures
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../bench/report/test_report.py)
  set_tests_properties(report.fixtures PROPERTIES
    LABELS unit
    SKIP_RETURN_CODE 77
    TIMEOUT 180
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;MPLBACKEND=Agg")
else()
  message(STATUS "report.fixtures test not registered: no Python 3 interpreter")
endif()
# The readers on generated documents (Hypothesis): read or refused through the
# tool's own error path, never another exception. Skipped (exit 77) when
# python3-hypothesis (or matplotlib, scipy) is missing; ci/test installs it.
if(Python3_Interpreter_FOUND)
  add_test(NAME report.fuzz
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../bench/report/test_fuzz.py)
  set_tests_properties(report.fuzz PROPERTIES
    LABELS unit
    SKIP_RETURN_CODE 77
    TIMEOUT 120
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;MPLBACKEND=Agg")
endif()
# rf-report and rf-compare as commands: --version, --help, and a missing
# module named with its Debian package (exit 2) without installing anything.
# Standard library only: never skipped where there is a Python 3.
if(Python3_Interpreter_FOUND)
  add_test(NAME report.tools
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../bench/report/test_tools.py)
  set_tests_properties(report.tools PROPERTIES
    LABELS unit
    TIMEOUT 60
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;MPLBACKEND=Agg")
endif()
