# Observability: the live console's protocol and the edo-console tool. Included by
# CMakeLists.txt, which defines edo_test(). The protocol test parses answers with the
# tool's JSON reader (tools/edo-console/json.cpp), which it tests along the way.
edo_test(observe_console SOURCES observe_console.cpp
         ${PROJECT_SOURCE_DIR}/tools/edo-console/json.cpp TIMEOUT 120)
target_include_directories(observe_console PRIVATE ${PROJECT_SOURCE_DIR}/tools)

# edo-console against live runtimes: --once, and the live view driven through tmux (skipped
# when tmux is missing); and against the observe example when examples are built.
if(TARGET edo-console)
  edo_test(observe_console_tool SOURCES observe_console_tool.cpp
           ${PROJECT_SOURCE_DIR}/tools/edo-console/json.cpp TIMEOUT 180)
  target_include_directories(observe_console_tool PRIVATE ${PROJECT_SOURCE_DIR}/tools)
  target_compile_definitions(observe_console_tool PRIVATE
    EDO_CONSOLE_EXE="$<TARGET_FILE:edo-console>")
  add_dependencies(observe_console_tool edo-console)
  if(EDO_BUILD_EXAMPLES)
    target_compile_definitions(observe_console_tool PRIVATE
      EDO_OBSERVE_EXAMPLE="$<TARGET_FILE:observe_example>")
    add_dependencies(observe_console_tool observe_example)
  endif()
endif()
