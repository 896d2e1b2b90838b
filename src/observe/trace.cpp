// A Chrome/Perfetto trace (EDO_TRACE=file.json): open it in ui.perfetto.dev or
// chrome://tracing. Each task run is a slice on the thread that ran it; spawns and wakes are
// flow arrows from the run that caused them to the next run of the task; blocking-pool jobs
// are slices on their threads. Events are kept in memory, per thread and in binary, and
// written at runtime shutdown.
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "observe/json_text.hpp"
#include "observe/observer.hpp"

namespace edo::detail {
namespace {

long current_tid() noexcept {
  return ::syscall(SYS_gettid);
}

// One recorded event, binary: formatting waits for flush().
struct trace_event {
  enum kind_t : std::uint8_t { run, spawn, wake, blocking };
  std::int64_t ts;     // the run's or job's start, or the instant of a spawn or wake
  std::int64_t dur;    // run and blocking
  std::uint64_t task;  // run and blocking: the task; spawn and wake: the target
  std::uint64_t from;  // spawn and wake: the source task; run: 1 + index into names, or 0
  kind_t kind;
};

// The events of one thread. Only that thread appends; flush() reads. The mutex is
// uncontended except during flush (a few ns per event).
struct thread_buffer {
  std::mutex mu;
  long tid = 0;
  std::string thread_name;
  std::vector<trace_event> events;
  std::vector<std::string> names;  // named tasks' labels, copied (the task may be gone)
};

// Every sink gets a serial number never used again, so a thread's cached buffer pointer
// cannot be mistaken for one of a later sink at the same address.
std::atomic<std::uint64_t> next_sink_serial{1};

// The hot path takes a clock reading (the observer's), then appends 40 bytes to the calling
// thread's buffer: no system call, no shared lock, no formatting. The file is written at
// flush (runtime shutdown); flow arrows end at the first run of their target at or after
// the spawn or wake that started them.
class chrome_trace final : public trace_sink {
 public:
  explicit chrome_trace(std::string path)
      : path_(std::move(path)), serial_(next_sink_serial.fetch_add(1, std::memory_order_relaxed)) {}

  void run(std::uint32_t, std::uint64_t task, const char* name, std::int64_t begin_ns,
           std::int64_t end_ns) noexcept override {
    try {
      thread_buffer& b = local();
      std::lock_guard lock(b.mu);
      std::uint64_t label = 0;
      if (name != nullptr) {
        // A named task's label is stored again only when it differs from the last one.
        if (b.names.empty() || b.names.back() != name) b.names.emplace_back(name);
        label = b.names.size();
      }
      b.events.push_back({begin_ns, end_ns - begin_ns, task, label, trace_event::run});
    } catch (const std::bad_alloc&) {  // out of memory: the event is lost, not the program
    }
  }

  void spawn(std::uint64_t parent, std::uint64_t child, std::int64_t ns) noexcept override {
    flow(parent, child, ns, trace_event::spawn);
  }
  void wake(std::uint64_t from, std::uint64_t to, std::int64_t ns) noexcept override {
    flow(from, to, ns, trace_event::wake);
  }

  void blocking(std::uint64_t task, std::int64_t begin_ns, std::int64_t end_ns) noexcept override {
    try {
      thread_buffer& b = local();
      std::lock_guard lock(b.mu);
      b.events.push_back({begin_ns, end_ns - begin_ns, task, 0, trace_event::blocking});
    } catch (const std::bad_alloc&) {
    }
  }

  void thread_name(const char* name) noexcept override {
    try {
      thread_buffer& b = local();
      std::lock_guard lock(b.mu);
      b.thread_name = name;
    } catch (const std::bad_alloc&) {
    }
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
    try {
      write(f);
    } catch (const std::exception& e) {  // std::bad_alloc: keep what was written
      std::fprintf(stderr, "edo: the trace %s is incomplete: %s\n", path_.c_str(), e.what());
    }
    std::fclose(f);
  }

 private:
  struct run_ref {
    std::int64_t begin;
    long tid;
  };

  thread_buffer& local() {
    struct cache_entry {
      std::uint64_t serial = 0;
      thread_buffer* buf = nullptr;
    };
    thread_local cache_entry cache;
    if (cache.serial == serial_) return *cache.buf;
    const long tid = current_tid();
    std::lock_guard lock(mu_);
    thread_buffer* b = nullptr;
    for (auto& p : buffers_) {
      if (p->tid == tid) b = p.get();  // this thread was here before another sink's events
    }
    if (b == nullptr) {
      buffers_.push_back(std::make_unique<thread_buffer>());
      b = buffers_.back().get();
      b->tid = tid;
    }
    cache = {serial_, b};
    return *b;
  }

  void flow(std::uint64_t from, std::uint64_t to, std::int64_t ns, trace_event::kind_t k) noexcept {
    if (from == 0) return;  // not from inside a task
    try {
      thread_buffer& b = local();
      std::lock_guard lock(b.mu);
      b.events.push_back({ns, 0, to, from, k});
    } catch (const std::bad_alloc&) {
    }
  }

  static void micros(std::string& o, std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
    o += buf;
  }
  // `name` is already escaped.
  void event(std::string& o, const char* name, const char* cat, const char* ph, std::int64_t ns,
             long tid) {
    if (!first_) o += ",\n";
    first_ = false;
    o += "{\"name\":\"";
    o += name;
    o += "\",\"cat\":\"";
    o += cat;
    o += "\",\"ph\":\"";
    o += ph;
    o += "\",\"ts\":";
    micros(o, ns);
    o += ",\"pid\":1,\"tid\":";
    o += std::to_string(tid);
  }

  // Called with mu_ held, once. Events appended meanwhile (threads still running) are
  // written if their buffer was not read yet, else only kept in memory.
  void write(FILE* f) {
    std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
    // Every run of every task, to end the flow arrows.
    std::unordered_map<std::uint64_t, std::vector<run_ref>> runs;
    for (auto& b : buffers_) {
      std::lock_guard lock(b->mu);
      for (const trace_event& e : b->events) {
        if (e.kind == trace_event::run) runs[e.task].push_back({e.ts, b->tid});
      }
    }
    for (auto& [task, v] : runs) {
      std::sort(v.begin(), v.end(),
                [](const run_ref& a, const run_ref& b) { return a.begin < b.begin; });
    }
    std::string o;
    std::uint64_t flow_id = 0;
    for (auto& b : buffers_) {
      std::lock_guard lock(b->mu);
      if (!b->thread_name.empty()) {
        if (!first_) o += ",\n";
        first_ = false;
        o += "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(b->tid) +
             ",\"args\":{\"name\":\"";
        json::escape_into(o, b->thread_name);
        o += "\"}}";
      }
      for (const trace_event& e : b->events) {
        switch (e.kind) {
          case trace_event::run: {
            // The slice is named after the task.
            std::string label;
            if (e.from != 0) {
              json::escape_into(label, b->names[e.from - 1]);
            } else {
              label = "task " + std::to_string(e.task);
            }
            event(o, label.c_str(), "task", "X", e.ts, b->tid);
            o += ",\"dur\":";
            micros(o, e.dur);
            o += ",\"args\":{\"task\":" + std::to_string(e.task) + "}}";
            break;
          }
          case trace_event::blocking:
            event(o, "blocking job", "blocking", "X", e.ts, b->tid);
            o += ",\"dur\":";
            micros(o, e.dur);
            o += ",\"args\":{\"task\":" + std::to_string(e.task) + "}}";
            break;
          case trace_event::spawn:
          case trace_event::wake: {
            const char* kind = e.kind == trace_event::spawn ? "spawn" : "wake";
            const std::uint64_t id = ++flow_id;
            event(o, kind, kind, "s", e.ts, b->tid);
            o += ",\"id\":" + std::to_string(id) + "}";
            // The arrow ends at the target's first run at or after this instant.
            if (auto it = runs.find(e.task); it != runs.end()) {
              const auto& v = it->second;
              auto r =
                  std::lower_bound(v.begin(), v.end(), e.ts,
                                   [](const run_ref& a, std::int64_t t) { return a.begin < t; });
              if (r != v.end()) {
                event(o, kind, kind, "f", r->begin, r->tid);
                o += ",\"bp\":\"e\",\"id\":" + std::to_string(id) + "}";
              }
            }
            break;
          }
        }
        if (o.size() > (1u << 20)) {
          std::fwrite(o.data(), 1, o.size(), f);
          o.clear();
        }
      }
    }
    std::fwrite(o.data(), 1, o.size(), f);
    std::fputs("\n]}\n", f);
  }

  std::string path_;
  const std::uint64_t serial_;
  std::mutex mu_;  // buffers_ and flushed_
  std::vector<std::unique_ptr<thread_buffer>> buffers_;
  bool flushed_ = false;
  bool first_ = true;  // no event written yet (write() only)
};

}  // namespace

std::unique_ptr<trace_sink> make_trace_sink(const std::string& path) {
  return std::make_unique<chrome_trace>(path);
}

}  // namespace edo::detail
