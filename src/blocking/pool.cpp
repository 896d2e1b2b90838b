// The blocking pool (see pool.hpp).
#include "blocking/pool.hpp"

#include <cstdio>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>

#include "observe/observer.hpp"
#include "runtime/context.hpp"

namespace edo::detail {

blocking_pool::blocking_pool(runtime_context& rt, std::size_t max_threads,
                             std::chrono::nanoseconds keep_alive)
    : rt_(rt), max_threads_(max_threads), keep_alive_(keep_alive) {}

blocking_pool::~blocking_pool() {
  shutdown(std::chrono::steady_clock::time_point::max());
}

void blocking_pool::reap_locked() {
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->done) {
      it->th.join();  // it has left thread_main: the join returns at once
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

bool blocking_pool::spawn(task_header* t) {
  std::unique_lock lock(mu_);
  if (shutdown_) return false;
  queue_.push_back(t);
  in_flight_.fetch_add(1, std::memory_order_seq_cst);
  if (num_idle_ > num_notified_) {
    ++num_notified_;
    cv_.notify_one();
    return true;
  }
  if (num_threads_ < max_threads_) {
    reap_locked();
    ++num_threads_;
    threads_.emplace_back();
    auto it = std::prev(threads_.end());
    try {
      it->th = std::thread([this, it] { thread_main(it); });
    } catch (...) {
      // No thread: the job waits for a running one (or runs at shutdown's drain).
      --num_threads_;
      threads_.erase(it);
      if (num_threads_ == 0) {
        lock.unlock();
        std::fputs("edo: spawn_blocking: cannot start a blocking thread\n", stderr);
      }
    }
  }
  return true;
}

void blocking_pool::thread_main(std::list<thread_entry>::iterator self) {
  runtime_enter enter(&rt_, nullptr);
  if (observer_ != nullptr) observer_->on_thread_start("edo-blocking");
  std::unique_lock lock(mu_);
  for (;;) {
    while (!queue_.empty()) {
      task_header* t = queue_.front();
      queue_.pop_front();
      ++running_;
      lock.unlock();
      if (observer_ != nullptr) {
        const std::uint64_t id = t->id_;
        const std::int64_t begin = observer::now_ns();
        run_blocking_task(t);  // t may be gone after this
        observer_->on_blocking(id, begin, observer::now_ns());
      } else {
        run_blocking_task(t);
      }
      in_flight_.fetch_sub(1, std::memory_order_seq_cst);
      lock.lock();
      --running_;
    }
    if (shutdown_) break;
    ++num_idle_;
    const bool woken =
        cv_.wait_for(lock, keep_alive_, [&] { return !queue_.empty() || shutdown_; });
    --num_idle_;
    if (num_notified_ > 0 && woken) --num_notified_;
    if (!woken) {
      if (num_notified_ > num_idle_) num_notified_ = num_idle_;
      break;  // kept alive long enough without work
    }
  }
  --num_threads_;
  self->done = true;
  done_cv_.notify_all();
}

bool blocking_pool::shutdown(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
  const bool ok = done_cv_.wait_until(lock, deadline, [&] { return num_threads_ == 0; });
  if (!ok) {
    std::fprintf(stderr,
                 "edo: shutdown timed out with %zu blocking thread(s) still running; "
                 "they are detached\n",
                 num_threads_);
    for (auto& e : threads_) {
      if (!e.done) e.th.detach();
    }
  }
  reap_locked();
  for (auto& e : threads_) e.th.detach();
  threads_.clear();
  return ok;
}

std::size_t blocking_pool::num_threads() {
  std::lock_guard lock(mu_);
  return num_threads_;
}
std::size_t blocking_pool::num_idle_threads() {
  std::lock_guard lock(mu_);
  return num_idle_;
}
std::size_t blocking_pool::queue_depth() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void blocking_pool::schedule(task_header* t) noexcept {
  // Never reached in normal operation (see pool.hpp); drop the reference if it is.
  task_release(t);
}
void blocking_pool::release(task_header*) noexcept {}
void blocking_pool::unhandled_exception(task_header* t, std::exception_ptr e) noexcept {
  report_unhandled(t, e);
}

}  // namespace edo::detail
