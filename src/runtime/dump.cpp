// Task dumps (include/edo/dump.hpp): every owned task, inspected under its run token.
#include <edo/dump.hpp>

#include <chrono>
#include <cstdio>
#include <string_view>

#include <edo/detail/composite.hpp>
#include <edo/detail/context.hpp>
#include <edo/detail/task_header.hpp>

#include "runtime/context.hpp"

namespace edo {

namespace {

using detail::child_strand;
using detail::promise_base;
using detail::strand;
using detail::task_header;

// g++ names a coroutine body after its frame ("void f(f()::_Z1fv.Frame*)"): show "f()".
std::string clean_function(std::string_view fn) {
  if (fn.ends_with(".Frame*)")) {
    int depth = 0;
    for (std::size_t i = fn.size(); i-- > 0;) {
      if (fn[i] == ')') ++depth;
      if (fn[i] == '(' && --depth == 0) {
        fn = fn.substr(0, i);
        break;
      }
    }
    if (fn.starts_with("void ")) fn.remove_prefix(5);
    return std::string(fn) + "()";
  }
  return std::string(fn);
}

await_frame frame_of(const std::source_location& loc) {
  return await_frame{clean_function(loc.function_name()), loc.file_name(), loc.line()};
}

// Frames inside edo's own headers (the wrappers of join/select branches) say nothing.
bool is_internal(const std::source_location& loc) {
  return std::string_view(loc.file_name()).find("edo/detail/") != std::string_view::npos;
}

void snapshot_strand(const strand& s, strand_snapshot& out);

void add_branch(void* ctx, const child_strand& c) {
  auto* out = static_cast<strand_snapshot*>(ctx);
  out->branches.emplace_back();
  snapshot_strand(c, out->branches.back());
}

void snapshot_strand(const strand& s, strand_snapshot& out) {
  if (!s.has(detail::strand_flag::started)) {
    out.started = false;
    return;
  }
  for (const promise_base* p = s.top_; p != nullptr; p = p->parent_) {
    if (p->where_.line() != 0 && !is_internal(p->where_)) out.frames.push_back(frame_of(p->where_));
  }
  if (s.leaf_ == nullptr) return;
  s.leaf_->describe(out.leaf);
  if (const auto* c = dynamic_cast<const detail::composite*>(s.leaf_)) {
    c->for_each_branch(&add_branch, &out);
  }
}

void print_strand(std::string& out, const strand_snapshot& s, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (!s.started) {
    out += pad + "not started yet\n";
    return;
  }
  out += pad + "waiting on " + (s.leaf.empty() ? std::string("(running)") : s.leaf) + "\n";
  for (const auto& f : s.frames) {
    out += pad + "  at " + f.file + ":" + std::to_string(f.line) + " in " + f.function + "\n";
  }
  int i = 0;
  for (const auto& b : s.branches) {
    out += pad + "  branch " + std::to_string(i++) + ":\n";
    print_strand(out, b, indent + 4);
  }
}

}  // namespace

const char* to_string(task_state s) noexcept {
  switch (s) {
    case task_state::idle:
      return "idle";
    case task_state::scheduled:
      return "scheduled";
    case task_state::running:
      return "running";
  }
  return "?";
}

std::string runtime_dump::to_string() const {
  std::string out;
  out += std::to_string(tasks.size()) + " live task(s)\n";
  for (const auto& t : tasks) {
    out += "task " + std::to_string(t.id);
    if (!t.name.empty()) out += " [" + t.name + "]";
    if (t.spawned_at.line != 0) {
      out += " spawned at " + t.spawned_at.file + ":" + std::to_string(t.spawned_at.line) + " in " +
             t.spawned_at.function;
    }
    out += " - ";
    out += edo::to_string(t.state);
    if (t.tracked) {
      char buf[160];
      std::snprintf(buf, sizeof buf, ", %llu runs, busy %.3f ms, last ran %.3f s ago",
                    static_cast<unsigned long long>(t.run_count),
                    static_cast<double>(t.busy.count()) / 1e6,
                    static_cast<double>(t.since_last_run.count()) / 1e9);
      out += buf;
    }
    out += "\n";
    if (t.state == edo::task_state::idle) print_strand(out, t.root, 2);
  }
  return out;
}

namespace detail {

runtime_dump runtime_context::dump() {
  runtime_dump d;
  runtime_enter enter(this, tls.worker);  // describe() may read this runtime's clock
  const std::vector<task_header*> tasks = owned_.snapshot_refs();
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  d.tasks.reserve(tasks.size());
  for (task_header* t : tasks) {
    task_snapshot s;
    s.id = t->id_;
    if (const char* n = t->name()) s.name = n;
    if (t->loc_.line() != 0) s.spawned_at = frame_of(t->loc_);
    if (const task_extra* e = t->extra_; e != nullptr && config_.track_tasks) {
      s.tracked = true;
      s.run_count = e->run_count.load(std::memory_order_relaxed);
      s.busy = std::chrono::nanoseconds(e->busy_ns.load(std::memory_order_relaxed));
      const std::int64_t last = e->last_run_ns.load(std::memory_order_relaxed);
      s.since_last_run = std::chrono::nanoseconds(last != 0 ? now - last : 0);
    }
    std::uint64_t seen = 0;
    if (task_try_claim(t, seen)) {
      s.state = edo::task_state::idle;
      snapshot_strand(*t, s.root);
      task_release_claim(t);
    } else if ((seen & task_state::complete) != 0) {
      task_release(t);
      continue;  // finished meanwhile
    } else {
      s.state =
          (seen & task_state::running) != 0 ? edo::task_state::running : edo::task_state::scheduled;
    }
    task_release(t);
    d.tasks.push_back(std::move(s));
  }
  return d;
}

}  // namespace detail
}  // namespace edo
