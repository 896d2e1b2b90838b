// edo-console's connection to a runtime's console socket (docs/console.md): send one request
// line, read one answer line. Blocking POSIX calls with a timeout, so that a runtime that
// stopped answering cannot freeze the tool.
#pragma once

#include <chrono>
#include <string>

namespace edo_console {

class client {
 public:
  client() = default;
  ~client() { disconnect(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Connects to the Unix socket at `path`; false (with `error` set) if it cannot.
  bool connect(const std::string& path, std::string& error);
  void disconnect() noexcept;
  bool connected() const noexcept { return fd_ >= 0; }

  // Sends `request` and a newline, and reads the answer line into `reply` (without its
  // newline). False (and disconnected, with `error` set) on a failure or after `timeout`.
  bool ask(const std::string& request, std::string& reply, std::string& error,
           std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes received after the last answer line
};

}  // namespace edo_console
