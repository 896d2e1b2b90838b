// The live console server (see console.hpp; the protocol is in docs/console.md).
#include "observe/console.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <system_error>
#include <vector>

#include <edo/dump.hpp>
#include <edo/metrics.hpp>

#include "observe/json_text.hpp"
#include "runtime/context.hpp"

namespace edo::detail {
namespace {

// ---- JSON encoding ----

using json::put_string;

// `"key":` (keys are ASCII literals).
void put_key(std::string& o, const char* key) {
  o += '"';
  o += key;
  o += "\":";
}

void put_uint(std::string& o, const char* key, std::uint64_t v) {
  put_key(o, key);
  o += std::to_string(v);
  o += ',';
}

void put_str(std::string& o, const char* key, std::string_view v) {
  put_key(o, key);
  put_string(o, v);
  o += ',';
}

std::uint64_t nonneg(std::chrono::nanoseconds d) {
  return d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
}

// Drops the ',' after the last member before closing an object or array.
void close(std::string& o, char bracket) {
  if (o.back() == ',') o.pop_back();
  o += bracket;
}

void put_frame(std::string& o, const await_frame& f) {
  o += '{';
  put_str(o, "file", f.file);
  put_uint(o, "line", f.line);
  put_str(o, "function", f.function);
  close(o, '}');
}

void put_strand(std::string& o, const strand_snapshot& s) {
  o += '{';
  put_key(o, "started");
  o += s.started ? "true," : "false,";
  put_str(o, "leaf", s.leaf);
  put_key(o, "frames");
  o += '[';
  for (const auto& f : s.frames) {
    put_frame(o, f);
    o += ',';
  }
  close(o, ']');
  o += ',';
  put_key(o, "branches");
  o += '[';
  for (const auto& b : s.branches) {
    put_strand(o, b);
    o += ',';
  }
  close(o, ']');
  o += '}';
}

void put_task(std::string& o, const task_snapshot& t) {
  o += '{';
  put_uint(o, "id", t.id);
  put_str(o, "name", t.name);
  put_key(o, "spawned_at");
  if (t.spawned_at.line != 0) {
    put_frame(o, t.spawned_at);
  } else {
    o += "null";
  }
  o += ',';
  put_str(o, "state", edo::to_string(t.state));
  put_key(o, "tracked");
  o += t.tracked ? "true," : "false,";
  put_uint(o, "runs", t.run_count);
  put_uint(o, "busy_ns", nonneg(t.busy));
  put_uint(o, "since_last_run_ns", nonneg(t.since_last_run));
  // Where it waits: known only for an idle task (its run token was claimed for the copy).
  put_key(o, "waiting");
  if (t.state == edo::task_state::idle) {
    put_strand(o, t.root);
  } else {
    o += "null";
  }
  o += '}';
}

void put_metrics(std::string& o, const runtime_metrics& m) {
  put_key(o, "metrics");
  o += '{';
  put_uint(o, "workers", m.num_workers);
  put_uint(o, "alive_tasks", m.num_alive_tasks);
  put_uint(o, "global_queue_depth", m.global_queue_depth);
  put_uint(o, "blocking_threads", m.num_blocking_threads);
  put_uint(o, "idle_blocking_threads", m.num_idle_blocking_threads);
  put_uint(o, "blocking_queue_depth", m.blocking_queue_depth);
  put_key(o, "worker");
  o += '[';
  for (std::size_t i = 0; i < m.workers.size(); ++i) {
    const worker_metrics& w = m.workers[i];
    o += '{';
    put_uint(o, "index", i);
    put_uint(o, "polls", w.poll_count);
    put_uint(o, "steals", w.steal_count);
    put_uint(o, "steal_operations", w.steal_operations);
    put_uint(o, "parks", w.park_count);
    put_uint(o, "noops", w.noop_count);
    put_uint(o, "overflows", w.overflow_count);
    put_uint(o, "local_schedules", w.local_schedule_count);
    put_uint(o, "local_queue_depth", w.local_queue_depth);
    put_uint(o, "busy_ns", nonneg(w.busy_duration));
    close(o, '}');
    o += ',';
  }
  close(o, ']');
  o += "},";
}

std::uint64_t steady_ns() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

// {"ok":true,"type":...,"protocol":1,"pid":...,"time_ns":..., — the common head.
void put_head(std::string& o, const char* type) {
  o += "{\"ok\":true,";
  put_str(o, "type", type);
  put_uint(o, "protocol", console_server::protocol_version);
  put_uint(o, "pid", static_cast<std::uint64_t>(::getpid()));
  put_uint(o, "time_ns", steady_ns());
}

std::string error_line(std::string_view message) {
  std::string o = "{\"ok\":false,";
  put_key(o, "error");
  put_string(o, message);
  o += '}';
  return o;
}

constexpr std::string_view requests_help = "hello, metrics, snapshot, task <id>";

// ---- sockets ----

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), "edo: " + what);
}

sockaddr_un address_of(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    fail(ENAMETOOLONG, "the console's socket path '" + path + "' must have 1 to " +
                           std::to_string(sizeof a.sun_path - 1) + " bytes");
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

// True if a server accepts connections at `a` (a stale socket file refuses them).
bool someone_listens(const sockaddr_un& a) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return live;
}

// One connection: its unanswered input and its unsent output. At most one answer is
// pending per client: the next request is read only once the previous answer is sent, so a
// client that does not read cannot make the server buffer more than one answer.
struct client {
  int fd = -1;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  bool closing = false;  // close once `out` is sent
  bool dead = false;
};

// Sends what it can without blocking. False if the connection failed.
bool flush(client& c) {
  while (c.sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      return false;
    }
  }
  c.out.clear();
  c.sent = 0;
  return true;
}

}  // namespace

console_server::console_server(runtime_context& rt, std::string path)
    : rt_(rt), path_(std::move(path)) {
  const sockaddr_un a = address_of(path_);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) fail(errno, "the console's socket");
  auto bind_it = [&] {
    return ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  };
  int err = bind_it();
  if (err == EADDRINUSE) {
    // A socket file left by a process that died: replace it. A live server, or a file that
    // is not a socket, is not ours to remove.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && !someone_listens(a)) {
      ::unlink(path_.c_str());
      err = bind_it();
    }
  }
  if (err == 0 && ::listen(listen_fd_, 16) != 0) err = errno;
  struct stat st {};
  if (err == 0 && ::stat(path_.c_str(), &st) != 0) err = errno;
  if (err == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) err = errno;
  }
  if (err == 0) {
    try {
      thread_ = std::thread([this] { main(); });
    } catch (const std::system_error& e) {
      err = e.code().value();
    }
  }
  if (err != 0) {
    const bool bound = dev_ != 0 || ino_ != 0;
    ::close(listen_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
    if (bound) ::unlink(path_.c_str());
    fail(err, "cannot serve the console on '" + path_ + "'");
  }
  pthread_setname_np(thread_.native_handle(), "edo-console");
}

console_server::~console_server() {
  stop();
}

void console_server::stop() noexcept {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  // The eventfd counter cannot overflow with one write; the thread only reads readiness.
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
  // Remove the file only if it is still the socket we bound (not one a newer server made).
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

std::string console_server::answer(std::string_view request) {
  const std::size_t sp = request.find(' ');
  const std::string_view verb = request.substr(0, sp);
  std::string_view arg = sp == std::string_view::npos ? std::string_view{} : request.substr(sp + 1);
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  const bool no_arg = arg.empty();
  std::string o;
  try {
    if (verb == "hello" && no_arg) {
      put_head(o, "hello");
      put_str(o, "flavor", rt_.config().multi_thread ? "multi_thread" : "current_thread");
      put_str(o, "requests", requests_help);
      close(o, '}');
    } else if (verb == "metrics" && no_arg) {
      const runtime_metrics m = rt_.metrics();
      put_head(o, "metrics");
      put_metrics(o, m);
      close(o, '}');
    } else if (verb == "snapshot" && no_arg) {
      const runtime_metrics m = rt_.metrics();
      const runtime_dump d = rt_.dump();
      put_head(o, "snapshot");
      put_str(o, "flavor", rt_.config().multi_thread ? "multi_thread" : "current_thread");
      put_metrics(o, m);
      put_key(o, "tasks");
      o += '[';
      for (const auto& t : d.tasks) {
        put_task(o, t);
        o += ',';
      }
      close(o, ']');
      o += '}';
    } else if (verb == "task") {
      std::uint64_t id = 0;
      bool digits = !arg.empty() && arg.size() <= 19;
      for (const char c : arg) {
        digits = digits && c >= '0' && c <= '9';
        if (digits) id = id * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (!digits)
        return error_line("task: want a task id (a decimal number), got '" + std::string(arg) +
                          "'");
      const runtime_dump d = rt_.dump();
      const auto it = std::find_if(d.tasks.begin(), d.tasks.end(),
                                   [&](const task_snapshot& t) { return t.id == id; });
      if (it == d.tasks.end()) {
        return error_line("no live task with id " + std::to_string(id));
      }
      put_head(o, "task");
      put_key(o, "task");
      put_task(o, *it);
      o += '}';
    } else {
      return error_line("unknown request '" + std::string(request) +
                        "' (want: " + std::string(requests_help) + ")");
    }
  } catch (const std::exception& e) {  // std::bad_alloc while copying a huge dump
    return error_line(std::string("internal error: ") + e.what());
  }
  return o;
}

void console_server::main() noexcept {
  std::vector<client> clients;
  std::vector<pollfd> fds;
  bool accept_paused = false;  // out of descriptors: retry accepting after a short pause

  // Answers the client's buffered requests, one at a time, while its output drains.
  auto pump = [&](client& c) {
    while (!c.dead && !c.closing && c.out.empty()) {
      const std::size_t nl = c.in.find('\n');
      if (nl == std::string::npos) {
        if (c.in.size() > max_request) {
          c.out = error_line("request longer than " + std::to_string(max_request) +
                             " bytes; closing the connection") +
                  '\n';
          c.in.clear();
          c.closing = true;
        }
        break;
      }
      std::string_view line(c.in.data(), nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (line.size() > max_request) {
        c.out = error_line("request longer than " + std::to_string(max_request) + " bytes") + '\n';
      } else if (!line.empty()) {  // blank lines are ignored (handy with nc)
        c.out = answer(line) + '\n';
      }
      c.in.erase(0, nl + 1);
      if (!flush(c)) c.dead = true;
    }
    if (c.closing && c.out.empty()) c.dead = true;
  };

  for (;;) {
    // Out of memory while serving (a huge dump, a client vector that cannot grow): the
    // console drops its connections and goes on; the program is not taken down with it.
    try {
      fds.clear();
      fds.push_back({stop_fd_, POLLIN, 0});
      fds.push_back({accept_paused ? -1 : listen_fd_, POLLIN, 0});
      for (const client& c : clients) {
        fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
      }
      const int n = ::poll(fds.data(), fds.size(), accept_paused ? 100 : -1);
      if (n < 0 && errno != EINTR) break;
      if (n < 0) continue;
      if (fds[0].revents != 0) break;  // stop()
      accept_paused = false;
      if ((fds[1].revents & POLLIN) != 0) {
        for (;;) {
          const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
              accept_paused = true;
            }
            break;  // EAGAIN: all accepted; ECONNABORTED and the like: the next poll retries
          }
          if (clients.size() >= max_clients) {
            const std::string busy =
                error_line("too many console clients (" + std::to_string(max_clients) + ")") + '\n';
            [[maybe_unused]] const ssize_t w =
                ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(fd);
            continue;
          }
          clients.push_back(client{fd, {}, {}, 0, false, false});
        }
      }
      // fds[2 + i] belongs to clients[i] for the clients that existed before the accepts.
      const std::size_t polled = fds.size() - 2;
      for (std::size_t i = 0; i < polled; ++i) {
        client& c = clients[i];
        const short ev = fds[2 + i].revents;
        if (ev == 0) continue;
        if ((ev & POLLOUT) != 0) {
          if (!flush(c)) {
            c.dead = true;
            continue;
          }
          pump(c);
        } else if ((ev & POLLIN) != 0) {
          char buf[4096];
          const ssize_t r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
          if (r > 0) {
            c.in.append(buf, static_cast<std::size_t>(r));
            pump(c);
          } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            c.dead = true;  // the client went away (its unanswered requests with it)
          }
        } else {
          c.dead = true;  // POLLERR, POLLHUP or POLLNVAL with nothing to read
        }
      }
      for (client& c : clients) {
        if (c.dead) ::close(c.fd);
      }
      std::erase_if(clients, [](const client& c) { return c.dead; });
    } catch (const std::bad_alloc&) {
      for (client& c : clients) ::close(c.fd);
      clients.clear();
      fds.clear();
      fds.shrink_to_fit();
    }
  }
  for (client& c : clients) ::close(c.fd);
}

}  // namespace edo::detail
