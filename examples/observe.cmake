# The observability example (issue 7): a stuck task, a blocking task and healthy ones; it
# prints the stall warning naming the blocker and the dump with the stuck task's await chain.
# Included by CMakeLists.txt, which defines edo_example(). The target cannot be called
# `observe` (tests/ has an executable of that name), so its output name is set instead.
edo_example(observe_example SOURCES observe.cpp
  EXPECT "(^|\n)stall warning: task [0-9]+ \\[blocker\\] spawned at [^\n]*observe\\.cpp:[0-9]+ has run for [0-9.]+ ms without yielding on worker [0-9]\n"
         "(^|\n)--- task dump ---\n"
         "(^|\n)task [0-9]+ \\[order-consumer\\] spawned at [^\n]*observe\\.cpp:[0-9]+ in [^\n]* - idle[^\n]*\n"
         "  waiting on [^\n]*recv[^\n]*\n"
         "    at [^\n]*observe\\.cpp:[0-9]+ in [^\n]*wait_for_order[^\n]*\n"
         "    at [^\n]*observe\\.cpp:[0-9]+ in [^\n]*consume_orders[^\n]*\n"
         "(^|\n)task [0-9]+ \\[blocker\\] spawned at [^\n]*observe\\.cpp:[0-9]+ in [^\n]* - running"
         "(^|\n)healthy tasks kept running: yes\n"
         "(^|\n)done\n")
set_target_properties(observe_example PROPERTIES OUTPUT_NAME observe)
