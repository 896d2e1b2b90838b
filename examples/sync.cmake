# edo::sync examples. Included by CMakeLists.txt, which defines edo_example(). Timings are
# checked only from below (a loaded machine makes them late, never early).

# seed_crawler prints ~320 ms when the tasks reach acquire() in spawn order (a+b, then bad
# and c as b and a finish, then d: 120 + 200), as in the seed. On the multi-thread runtime
# the two workers may start spawned tasks slightly out of order (the semaphore is FIFO
# among waiters, but who waits first is a race, in Tokio as well); any order of the five
# requests on two permits takes at least 260 ms, the bound checked here.
set(edo_sync_ge260 "(2[6-9][0-9]|[3-9][0-9][0-9]|[0-9][0-9][0-9][0-9]+)ms")

edo_example(seed_crawler SOURCES seed_crawler.cpp
  EXPECT "(^|\n)OK https://a\\.example \\(17 bytes\\)\n"
         "(^|\n)OK https://b\\.example \\(17 bytes\\)\n"
         "(^|\n)FAIL https://bad\\.example -> https://bad\\.example: connection refused\n"
         "(^|\n)OK https://c\\.example \\(17 bytes\\)\n"
         "(^|\n)OK https://d\\.example \\(17 bytes\\)\n"
         "(^|\n)scanned in ${edo_sync_ge260}\n")

edo_example(config_reload SOURCES config_reload.cpp
  EXPECT "(^|\n)worker 1 serving with max_conns=100 log_level=info\n"
         "(^|\n)worker 2 serving with max_conns=100 log_level=info\n"
         "(^|\n)admin: publishing version 2\n"
         "(^|\n)worker 1 reloaded: max_conns=250 log_level=info\n"
         "(^|\n)worker 2 reloaded: max_conns=250 log_level=info\n"
         "(^|\n)admin: publishing version 3\n"
         "(^|\n)worker 1 reloaded: max_conns=250 log_level=debug\n"
         "(^|\n)worker 2 reloaded: max_conns=250 log_level=debug\n"
         "(^|\n)admin: shutting down\n"
         "(^|\n)worker 1 stopped\n"
         "(^|\n)worker 2 stopped\n"
         "(^|\n)audit: 6 events: v1@1 v1@2 v2@1 v2@2 v3@1 v3@2\n"
         "(^|\n)metrics: 6 events, last version 3\n")
