# Flags for edo's own targets (library, tests, examples, benchmarks). Applied per target,
# never as global flags, so the order of add_subdirectory does not matter.
function(edo_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 false positives on coroutine frames and std::variant internals.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-null-dereference
      -Wno-mismatched-new-delete)
  endif()
  if(EDO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(EDO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${EDO_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${EDO_SANITIZE})
  endif()
endfunction()
