# edo::sync's compiled parts (paths relative to src/), built into edo_core: they depend on
# the core alone (tasks and leaves), never on the runtime, timers or spawn.
set(EDO_SYNC_SOURCES
  sync/barrier.cpp
  sync/batch_semaphore.cpp
  sync/cancellation_token.cpp
  sync/lock.cpp
  sync/notify.cpp
)
