// The live console server (builder.console(path) or EDO_CONSOLE=path): serves task
// snapshots and runtime metrics over a Unix stream socket to tools/edo-console (or nc, or a
// script). The protocol is documented in docs/console.md: one request per line, one line of
// JSON per request, in order.
//
// Threads: one dedicated thread, started by the constructor and owned by the runtime's
// observer, runs a poll() loop over the listening socket, an eventfd (stop) and up to
// max_clients non-blocking client sockets, with plain POSIX calls (not edo::net: the console
// must work while the runtime's workers are blocked, which is when it is needed most). It
// reads the runtime through runtime_context::dump() and metrics(), which any thread may call;
// it holds no runtime reference, so it never keeps the runtime alive.
//
// Shutdown: stop() (observer::stop, at runtime shutdown) signals the eventfd and joins the
// thread, which returns from poll() at once: it never waits for a client, since writes are
// non-blocking and a client's pending output is dropped with it. The socket file is removed,
// unless someone else replaced it meanwhile (same inode check).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <thread>

namespace edo::detail {

class runtime_context;

class console_server {
 public:
  static constexpr int protocol_version = 1;
  static constexpr std::size_t max_clients = 16;
  static constexpr std::size_t max_request = 1024;  // bytes, without the newline

  // Listens on `path` and starts the thread. Throws std::system_error when it cannot (a path
  // longer than sockaddr_un allows, a missing directory, a live server already there). A
  // stale socket file (nobody accepts on it) is replaced; any other file is left alone.
  console_server(runtime_context& rt, std::string path);
  ~console_server();
  console_server(const console_server&) = delete;
  console_server& operator=(const console_server&) = delete;

  // Stops the thread, closes every connection and removes the socket file. Idempotent.
  void stop() noexcept;

  const std::string& path() const noexcept { return path_; }

  // The answer to one request line (without its newline), as one line of JSON without the
  // newline. Public for the thread only; it may be called from any thread.
  std::string answer(std::string_view request);

 private:
  void main() noexcept;

  runtime_context& rt_;
  std::string path_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: readable once stop() was called
  dev_t dev_ = 0;     // of the socket file we bound, to remove only our own
  ino_t ino_ = 0;
  std::thread thread_;
};

}  // namespace edo::detail
