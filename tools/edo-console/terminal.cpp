// edo-console's terminal handling (see terminal.hpp).
#include "terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <string_view>

namespace edo_console {
namespace {

// The state the signal handlers need: plain globals, written before the handlers are
// installed and only read by them.
termios saved_termios;
volatile std::sig_atomic_t raw_active = 0;
volatile std::sig_atomic_t winch_seen = 0;

// Leave the alternate screen, show the cursor, reset attributes.
constexpr char restore_seq[] = "\x1b[0m\x1b[?25h\x1b[?1049l";
// Enter the alternate screen, hide the cursor, clear.
constexpr char enter_seq[] = "\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H";

void write_all(const char* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Async-signal-safe: tcsetattr and write only.
void restore_now() noexcept {
  if (raw_active == 0) return;
  raw_active = 0;
  write_all(restore_seq, sizeof restore_seq - 1);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
}

void on_fatal_signal(int sig) {
  const int saved_errno = errno;
  restore_now();
  // Die of the same signal, so that the shell sees what happened.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
  errno = saved_errno;
}

void on_winch(int) {
  winch_seen = 1;
}

constexpr int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

}  // namespace

terminal::terminal() {
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0) {
    throw std::runtime_error("the live view needs a terminal (use --once for a text snapshot)");
  }
  if (::tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
    throw std::runtime_error("cannot read the terminal's settings");
  }
  termios raw = saved_termios;
  // No line buffering, no echo, no flow control or CR translation; keep ISIG (Ctrl-C
  // raises SIGINT, handled below) and OPOST (the screen is written with "\r\n" anyway).
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL | BRKINT | INPCK | ISTRIP);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_fatal_signal;
  for (const int s : fatal_signals) ::sigaction(s, &sa, nullptr);
  sa.sa_handler = on_winch;  // no SA_RESTART: poll() returns EINTR and the view redraws
  ::sigaction(SIGWINCH, &sa, nullptr);
  raw_active = 1;
  if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
    raw_active = 0;
    throw std::runtime_error("cannot switch the terminal to raw mode");
  }
  write_all(enter_seq, sizeof enter_seq - 1);
  query_size();
}

terminal::~terminal() {
  restore_now();
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = SIG_DFL;
  for (const int s : fatal_signals) ::sigaction(s, &sa, nullptr);
  ::sigaction(SIGWINCH, &sa, nullptr);
}

void terminal::query_size() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    rows_ = ws.ws_row;
    cols_ = ws.ws_col;
  }
}

bool terminal::resized() {
  if (winch_seen == 0) return false;
  winch_seen = 0;
  query_size();
  return true;
}

key_event terminal::read_key(std::chrono::milliseconds timeout) {
  auto fill = [&](int ms) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;  // timeout, or EINTR (a resize)
    char buf[64];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  if (pending_.empty() && !fill(static_cast<int>(timeout.count()))) return {};
  if (pending_.empty()) return {};
  // A lone ESC is the Escape key only if nothing follows it at once: an escape sequence's
  // bytes arrive together.
  if (pending_ == "\x1b") fill(30);
  static constexpr struct {
    const char* seq;
    key k;
  } seqs[] = {
      {"\x1b[A", key::up},         {"\x1b[B", key::down}, {"\x1b[C", key::right},
      {"\x1b[D", key::left},       {"\x1bOA", key::up},   {"\x1bOB", key::down},
      {"\x1bOC", key::right},      {"\x1bOD", key::left}, {"\x1b[5~", key::page_up},
      {"\x1b[6~", key::page_down}, {"\x1b[H", key::home}, {"\x1b[F", key::end},
      {"\x1b[1~", key::home},      {"\x1b[4~", key::end}, {"\x1bOH", key::home},
      {"\x1bOF", key::end},
  };
  for (const auto& s : seqs) {
    const std::string_view seq(s.seq);
    if (std::string_view(pending_).starts_with(seq)) {
      pending_.erase(0, seq.size());
      return {s.k, 0};
    }
  }
  const char c = pending_[0];
  if (c == '\x1b' && pending_.size() > 1 && (pending_[1] == '[' || pending_[1] == 'O')) {
    // An escape sequence we do not use: skip it (up to its final byte).
    std::size_t end = 2;
    while (end < pending_.size() && (pending_[end] < 0x40 || pending_[end] > 0x7e)) ++end;
    pending_.erase(0, end + 1 <= pending_.size() ? end + 1 : pending_.size());
    return {};
  }
  pending_.erase(0, 1);
  if (c == '\x1b') return {key::escape, 0};
  if (c == '\r' || c == '\n') return {key::enter, 0};
  return {key::character, c};
}

void terminal::draw(const std::string& text) {
  write_all(text.data(), text.size());
}

}  // namespace edo_console
