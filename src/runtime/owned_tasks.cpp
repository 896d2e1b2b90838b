// The set of a runtime's live tasks (see owned_tasks.hpp).
#include "runtime/owned_tasks.hpp"

namespace edo::detail {

bool owned_tasks::insert(task_header* t) noexcept {
  shard& s = shard_of(t);
  std::lock_guard lock(s.mu);
  // Checked under the shard lock: close_and_cancel_all() takes every shard lock after
  // setting closed_, so a task is either refused here or seen and cancelled there.
  if (closed_.load(std::memory_order_seq_cst)) return false;
  t->owned_prev_ = nullptr;
  t->owned_next_ = s.head;
  if (s.head != nullptr) s.head->owned_prev_ = t;
  s.head = t;
  t->in_owned_list_ = true;
  ++s.count;
  return true;
}

void owned_tasks::remove(task_header* t) noexcept {
  {
    shard& s = shard_of(t);
    std::lock_guard lock(s.mu);
    if (t->owned_prev_ != nullptr) {
      t->owned_prev_->owned_next_ = t->owned_next_;
    } else {
      s.head = t->owned_next_;
    }
    if (t->owned_next_ != nullptr) t->owned_next_->owned_prev_ = t->owned_prev_;
    t->owned_prev_ = t->owned_next_ = nullptr;
    t->in_owned_list_ = false;
    --s.count;
  }
}

void owned_tasks::close_and_cancel_all() noexcept {
  closed_.store(true, std::memory_order_seq_cst);
  for (shard& s : shards_) {
    std::lock_guard lock(s.mu);
    // A member cannot be freed while listed (the list holds a reference), and task_cancel
    // never completes a task itself: it only marks and schedules.
    for (task_header* t = s.head; t != nullptr; t = t->owned_next_) task_cancel(t);
  }
}

std::size_t owned_tasks::size() const noexcept {
  std::size_t n = 0;
  for (const shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.count;
  }
  return n;
}

std::vector<task_header*> owned_tasks::snapshot_refs() const {
  std::vector<task_header*> out;
  for (const shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (task_header* t = s.head; t != nullptr; t = t->owned_next_) {
      task_ref(t);
      out.push_back(t);
    }
  }
  return out;
}

std::vector<task_header*> owned_tasks::snapshot() const {
  std::vector<task_header*> out;
  for (const shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (task_header* t = s.head; t != nullptr; t = t->owned_next_) out.push_back(t);
  }
  return out;
}

}  // namespace edo::detail
