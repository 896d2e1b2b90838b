// The terminal for edo-console's live view: raw mode with termios, the alternate screen and
// ANSI escape sequences only (no ncurses), key decoding, and a restore that runs on every
// way out — normal exit, an exception, and SIGINT/SIGTERM/SIGHUP/SIGQUIT (the signal
// handler restores the terminal with async-signal-safe calls, then dies of the signal).
#pragma once

#include <chrono>
#include <string>

namespace edo_console {

enum class key {
  none,
  up,
  down,
  left,
  right,
  page_up,
  page_down,
  home,
  end,
  enter,
  escape,
  character
};

struct key_event {
  key k = key::none;
  char ch = 0;  // for key::character
};

class terminal {
 public:
  // Enters raw mode and the alternate screen; throws std::runtime_error if stdin or stdout
  // is not a terminal.
  terminal();
  ~terminal();  // restores
  terminal(const terminal&) = delete;
  terminal& operator=(const terminal&) = delete;

  int rows() const noexcept { return rows_; }
  int cols() const noexcept { return cols_; }
  // True (once) if the window was resized since the last call; the size is re-read.
  bool resized();

  // Waits up to `timeout` for a key. none: timed out, or interrupted by a signal (resize).
  key_event read_key(std::chrono::milliseconds timeout);

  // Writes a frame: `text` holds the whole screen (lines separated by "\r\n").
  void draw(const std::string& text);

 private:
  void query_size();
  int rows_ = 24;
  int cols_ = 80;
  std::string pending_;  // bytes read but not yet decoded
};

}  // namespace edo_console
