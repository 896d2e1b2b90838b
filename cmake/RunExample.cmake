# Runs an example and checks it: exit code 0 and every EXPECT regex matching the output in
# order (each one after the previous match). Invoked by CTest:
#   cmake -DEXE=... -DARGS=a;b -DEXPECT=re1;re2 -P RunExample.cmake
execute_process(COMMAND ${EXE} ${ARGS} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "example exited with ${rc}")
endif()
set(rest "${out}")
foreach(re IN LISTS EXPECT)
  string(REGEX MATCH "${re}" m "${rest}")
  if(m STREQUAL "")
    message(FATAL_ERROR "output does not match (in order): ${re}")
  endif()
  string(FIND "${rest}" "${m}" pos)
  string(LENGTH "${m}" len)
  math(EXPR next "${pos} + ${len}")
  string(SUBSTRING "${rest}" ${next} -1 rest)
endforeach()
