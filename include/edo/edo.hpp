// edo: everything — the twin of depending on `tokio` with every feature. Include the
// headers you use instead when build times matter (edo::core users: edo/task.hpp,
// edo/block_on.hpp, edo/join.hpp, edo/select.hpp, edo/sync/...).
#pragma once

#include <edo/adapt.hpp>
#include <edo/block_on.hpp>
#include <edo/blocking.hpp>
#include <edo/dump.hpp>
#include <edo/error.hpp>
#include <edo/fs.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/io/buf_writer.hpp>
#include <edo/io/concepts.hpp>
#include <edo/io/duplex.hpp>
#include <edo/io/error.hpp>
#include <edo/io/util.hpp>
#include <edo/join.hpp>
#include <edo/join_handle.hpp>
#include <edo/join_set.hpp>
#include <edo/leaf.hpp>
#include <edo/metrics.hpp>
#include <edo/net/lookup.hpp>
#include <edo/net/socket_address.hpp>
#include <edo/net/split.hpp>
#include <edo/net/tcp.hpp>
#include <edo/net/udp.hpp>
#include <edo/net/unix.hpp>
#include <edo/observe.hpp>
#include <edo/process.hpp>
#include <edo/runtime.hpp>
#include <edo/select.hpp>
#include <edo/shield.hpp>
#include <edo/signal.hpp>
#include <edo/spawn.hpp>
#include <edo/sync.hpp>
#include <edo/task.hpp>
#include <edo/task_local.hpp>
#include <edo/time.hpp>
#include <edo/unconstrained.hpp>
#include <edo/yield.hpp>
