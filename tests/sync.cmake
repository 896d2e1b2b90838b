# edo::sync tests: one executable per primitive. CORE_ONLY ones need only edo::block_on;
# the others also run on the runtimes.
edo_test(sync_semaphore SOURCES sync_semaphore.cpp TIMEOUT 60)
edo_test(sync_mutex SOURCES sync_mutex.cpp TIMEOUT 60)
edo_test(sync_rwlock SOURCES sync_rwlock.cpp TIMEOUT 60)
edo_test(sync_notify SOURCES sync_notify.cpp TIMEOUT 60)
edo_test(sync_barrier SOURCES sync_barrier.cpp TIMEOUT 60)
edo_test(sync_mpsc SOURCES sync_mpsc.cpp TIMEOUT 60)
edo_test(sync_oneshot SOURCES sync_oneshot.cpp TIMEOUT 60)
edo_test(sync_broadcast SOURCES sync_broadcast.cpp TIMEOUT 60)
edo_test(sync_watch SOURCES sync_watch.cpp TIMEOUT 60)
edo_test(sync_once_cell SOURCES sync_once_cell.cpp TIMEOUT 60)
edo_test(sync_cancellation_token SOURCES sync_cancellation_token.cpp TIMEOUT 60)
edo_test(sync_join_set SOURCES sync_join_set.cpp TIMEOUT 60)
