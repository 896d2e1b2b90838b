// edo-console's socket client (see client.hpp).
#include "client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edo_console {

bool client::connect(const std::string& path, std::string& error) {
  disconnect();
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    error = "socket path too long (at most " + std::to_string(sizeof a.sun_path - 1) + " bytes)";
    return false;
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    error = "cannot connect to " + path + ": " + std::strerror(errno);
    disconnect();
    return false;
  }
  return true;
}

void client::disconnect() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool client::ask(const std::string& request, std::string& reply, std::string& error,
                 std::chrono::milliseconds timeout) {
  if (fd_ < 0) {
    error = "not connected";
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto lost = [&](const std::string& what) {
    error = what;
    disconnect();
    return false;
  };
  const std::string line = request + '\n';
  for (std::size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return lost(std::string("send: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  for (;;) {
    if (const std::size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      reply.assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return lost("the runtime did not answer in time");
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return lost(std::string("poll: ") + std::strerror(errno));
    if (r == 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return lost("the runtime closed the connection (shut down?)");
    if (n < 0) return lost(std::string("recv: ") + std::strerror(errno));
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace edo_console
