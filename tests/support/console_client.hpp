// Test helpers for the live console (docs/console.md): a blocking client of its Unix socket
// and unique socket paths. Reads have a bounded timeout (poll), so a broken server fails the
// test instead of hanging it.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace edo_test {

// A fresh socket path under the temporary directory (or /tmp when that path would be too
// long for sockaddr_un), unique within the machine.
inline std::string console_socket_path(const std::string& tag) {
  static std::atomic<int> counter{0};
  const std::string file = "edo_console_" + tag + "_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter.fetch_add(1)) + ".sock";
  std::string p = (std::filesystem::temp_directory_path() / file).string();
  if (p.size() >= sizeof(sockaddr_un{}.sun_path)) p = "/tmp/" + file;
  std::filesystem::remove(p);
  return p;
}

class console_conn {
 public:
  explicit console_conn(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path - 1));
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~console_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  console_conn(const console_conn&) = delete;
  console_conn& operator=(const console_conn&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }

  bool send_raw(std::string_view s) {
    while (!s.empty()) {
      const ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next line (without its newline); empty on EOF, an error, or after `timeout`.
  std::optional<std::string> read_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (eof_) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return std::nullopt;
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;  // EOF, or ECONNRESET (the server closed with our bytes unread)
        continue;
      }
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

  std::optional<std::string> ask(std::string_view request) {
    if (!send_raw(std::string(request) + "\n")) return std::nullopt;
    return read_line();
  }

  // True once the server closed the connection (within `timeout`), buffered lines ignored.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    while (read_line(timeout)) {
    }
    return eof_;
  }

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace edo_test
