# The edo twins of the seed document's programs (seed/async-runtimes-tokio-async-std-smol.txt);
# see README.md. Included by CMakeLists.txt, which defines edo_example().
#
# edo_seed_example(name SOURCES ... LINES regex...) is edo_example() with each regex matched
# against one whole line of output: LINES "a b" requires a line that is exactly "a b". Timings
# are checked only from below (a loaded CI machine can make them arbitrarily late, never early).
function(edo_seed_example name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LINES" ${ARGN})
  set(expect "")
  foreach(line IN LISTS ARG_LINES)
    list(APPEND expect "(^|\n)(${line})\n")
  endforeach()
  if(ARG_TIMEOUT)
    edo_example(${name} SOURCES ${ARG_SOURCES} EXPECT ${expect} TIMEOUT ${ARG_TIMEOUT})
  else()
    edo_example(${name} SOURCES ${ARG_SOURCES} EXPECT ${expect})
  endif()
endfunction()

# >= 150 ms and >= 200 ms, as CMake regexes (which have no {n,} repetition).
set(edo_seed_ge150 "(1[5-9][0-9]|[2-9][0-9][0-9]|[0-9][0-9][0-9][0-9]+)ms")
set(edo_seed_ge200 "([2-9][0-9][0-9]|[0-9][0-9][0-9][0-9]+)ms")

edo_seed_example(seed_services SOURCES seed_services.cpp
  LINES "auth responded after 120ms"
        "inventory responded after 90ms"
        "pricing responded after 150ms"
        "all done in ${edo_seed_ge150}")

edo_seed_example(seed_fast_slow SOURCES seed_fast_slow.cpp
  LINES "fast then slow"
        "done in ${edo_seed_ge150}")

edo_seed_example(seed_current_thread SOURCES seed_current_thread.cpp
  LINES "a b")

# The first run prints ~250 ms when the blocking task runs first (as in Tokio), but only the
# 200 ms it blocks for is certain.
edo_seed_example(seed_blocking SOURCES seed_blocking.cpp
  LINES "timer task done"
        "blocking task done"
        "elapsed: ${edo_seed_ge200}"
        "fixed:"
        "timer task done"
        "blocking task done"
        "elapsed: ${edo_seed_ge200}"
        "fixed with spawn_blocking:"
        "timer task done"
        "blocking task done"
        "elapsed: ${edo_seed_ge200}")

edo_seed_example(seed_builder SOURCES seed_builder.cpp
  LINES "sum = 500000500000")

edo_seed_example(exercise_blocking_pool SOURCES exercise_blocking_pool.cpp
  LINES "sum = 1249999975000000")

edo_seed_example(seed_no_runtime SOURCES seed_no_runtime.cpp
  LINES "edo::no_runtime: edo::spawn: [^\n]*no runtime[^\n]*"
        "runs inside a runtime")

edo_seed_example(seed_agnostic SOURCES seed_agnostic.cpp
  LINES "edo::block_on: 5"
        "edo runtime: 42")

edo_seed_example(exercise_greet SOURCES exercise_greet.cpp
  LINES "Hello, block_on!"
        "Hello, edo!")

edo_seed_example(exercise_timeout SOURCES exercise_timeout.cpp
  LINES "timed out after 100ms"
        "got: query finished after 40ms")
