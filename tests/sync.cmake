# edo::sync tests: one executable per primitive. CORE_ONLY ones need only edo::block_on;
# the others also run on the runtimes.
edo_test(sync_semaphore SOURCES sync_semaphore.cpp TIMEOUT 60)
