# The Python result tools' tests (bench/report/), label unit:
#   report.fixtures  rf-report and rf-compare on the committed fixtures
#                    (results/fixtures/): figures written, table rows present,
#                    a planted regression flagged and an unchanged benchmark not
#   report.fuzz      the readers on generated documents (Hypothesis): read or
#                    refused through the tool's own error path, never another
#                    exception
#   report.tools     rf-report and rf-compare as commands: --version, --help,
#                    and a missing module named with its Debian package (exit 2)
#                    without installing anything; standard library only
# The first two are skipped (exit 77) when matplotlib, scipy or hypothesis is
# missing; ci/test installs python3-matplotlib, python3-scipy and
# python3-hypothesis.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "report tests not registered: no Python 3 interpreter")
  return()
endif()
function(rf_report_test name script timeout)
  add_test(NAME ${name}
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../bench/report/${script})
  set_tests_properties(${name} PROPERTIES
    LABELS unit
    SKIP_RETURN_CODE 77
    TIMEOUT ${timeout}
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;MPLBACKEND=Agg")
endfunction()
rf_report_test(report.fixtures test_report.py 300)
rf_report_test(report.fuzz test_fuzz.py 120)
rf_report_test(report.tools test_tools.py 60)
