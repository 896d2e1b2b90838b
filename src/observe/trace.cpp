// A Chrome/Perfetto trace (EDO_TRACE=file.json): open it in ui.perfetto.dev or
// chrome://tracing. Each task run is a slice on the thread that ran it; spawns and wakes are
// flow arrows from the run that caused them to the next run of the task; blocking-pool jobs
// are slices on their threads. Events are kept in memory and written at runtime shutdown.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "observe/observer.hpp"

namespace edo::detail {
namespace {

long current_tid() noexcept {
  return ::syscall(SYS_gettid);
}

void json_escape(std::string& out, const char* s) {
  for (; *s != '\0'; ++s) {
    const char c = *s;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
}

class chrome_trace final : public trace_sink {
 public:
  explicit chrome_trace(std::string path) : path_(std::move(path)) {}

  void run(std::uint32_t, std::uint64_t task, const char* name, std::int64_t begin_ns,
           std::int64_t end_ns) noexcept override {
    const long tid = current_tid();
    std::lock_guard lock(mu_);
    std::string& o = body_;
    // The arrows that end at this run.
    if (auto it = pending_.find(task); it != pending_.end()) {
      for (const auto& [flow, kind] : it->second) {
        event_prefix(o, kind, kind, "f", begin_ns, tid);
        o += ",\"bp\":\"e\",\"id\":" + std::to_string(flow) + "}";
      }
      pending_.erase(it);
    }
    // The slice is named after the task.
    std::string label;
    json_escape(label, name != nullptr ? name : ("task " + std::to_string(task)).c_str());
    event_prefix(o, label.c_str(), "task", "X", begin_ns, tid);
    o += ",\"dur\":" + micros(end_ns - begin_ns) + ",\"args\":{\"task\":" + std::to_string(task) +
         "}}";
  }

  void spawn(std::uint64_t parent, std::uint64_t child, std::int64_t ns) noexcept override {
    flow(parent, child, ns, "spawn");
  }
  void wake(std::uint64_t from, std::uint64_t to, std::int64_t ns) noexcept override {
    flow(from, to, ns, "wake");
  }

  void blocking(std::uint64_t task, std::int64_t begin_ns, std::int64_t end_ns) noexcept override {
    const long tid = current_tid();
    std::lock_guard lock(mu_);
    event_prefix(body_, "blocking job", "blocking", "X", begin_ns, tid);
    body_ += ",\"dur\":" + micros(end_ns - begin_ns) +
             ",\"args\":{\"task\":" + std::to_string(task) + "}}";
  }

  void thread_name(const char* name) noexcept override {
    const long tid = current_tid();
    std::lock_guard lock(mu_);
    sep(body_);
    body_ += "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) +
             ",\"args\":{\"name\":\"";
    json_escape(body_, name);
    body_ += "\"}}";
  }

  void flush() noexcept override {
    std::lock_guard lock(mu_);
    if (flushed_) return;
    flushed_ = true;
    FILE* f = std::fopen(path_.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "edo: cannot write the trace to %s\n", path_.c_str());
      return;
    }
    std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
    std::fwrite(body_.data(), 1, body_.size(), f);
    std::fputs("\n]}\n", f);
    std::fclose(f);
  }

 private:
  static std::string micros(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
    return buf;
  }
  void sep(std::string& o) {
    if (!o.empty()) o += ",\n";
  }
  // `name` is already escaped.
  void event_prefix(std::string& o, const char* name, const char* cat, const char* ph,
                    std::int64_t ns, long tid) {
    sep(o);
    o += "{\"name\":\"";
    o += name;
    o += "\",\"cat\":\"";
    o += cat;
    o += "\",\"ph\":\"";
    o += ph;
    o += "\",\"ts\":" + micros(ns) + ",\"pid\":1,\"tid\":" + std::to_string(tid);
  }
  void flow(std::uint64_t from, std::uint64_t to, std::int64_t ns, const char* kind) {
    if (from == 0) return;  // not from inside a task
    const long tid = current_tid();
    std::lock_guard lock(mu_);
    const std::uint64_t id = ++next_flow_;
    event_prefix(body_, kind, kind, "s", ns, tid);
    body_ += ",\"id\":" + std::to_string(id) + "}";
    pending_[to].emplace_back(id, kind);
  }

  std::string path_;
  std::mutex mu_;
  std::string body_;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint64_t, const char*>>> pending_;
  std::uint64_t next_flow_ = 0;
  bool flushed_ = false;
};

}  // namespace

std::unique_ptr<trace_sink> make_trace_sink(const std::string& path) {
  return std::make_unique<chrome_trace>(path);
}

}  // namespace edo::detail
