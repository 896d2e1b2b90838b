// edo::sync: asynchronous synchronization primitives and channels. Each works under
// edo::block_on, either runtime, or any executor keeping edo's wake contract.
#pragma once

#include <edo/sync/barrier.hpp>
#include <edo/sync/broadcast.hpp>
#include <edo/sync/cancellation_token.hpp>
#include <edo/sync/mpsc.hpp>
#include <edo/sync/mutex.hpp>
#include <edo/sync/notify.hpp>
#include <edo/sync/once_cell.hpp>
#include <edo/sync/oneshot.hpp>
#include <edo/sync/rwlock.hpp>
#include <edo/sync/semaphore.hpp>
#include <edo/sync/send_result.hpp>
#include <edo/sync/watch.hpp>
