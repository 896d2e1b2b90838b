// The set of a runtime's live tasks, so shutdown can cancel every one of them.
//
// Sharded intrusive lists (by task id), each under its own spin lock: inserting and
// removing a task costs one uncontended lock each (one exchange + one store). Each member holds a
// reference to its task (the "owned list" reference of task_header.hpp). close() refuses later
// inserts.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include <vector>
#include "runtime/spin_lock.hpp"

#include <edo/detail/config.hpp>
#include <edo/detail/task_header.hpp>

namespace edo::detail {

class owned_tasks {
 public:
  static constexpr std::size_t shards = 16;

  // False if closed: the task was not added.
  bool insert(task_header* t) noexcept;
  // Removes a member (runner thread, at completion); the caller drops the list's reference.
  void remove(task_header* t) noexcept;
  // Refuses later inserts and requests cancellation of every member.
  void close_and_cancel_all() noexcept;
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  // The members (for reports of leaked tasks; valid while their tasks are alive).
  std::vector<task_header*> snapshot() const;
  // The members, each with a reference taken (the caller releases them).
  std::vector<task_header*> snapshot_refs() const;

 private:
  struct alignas(cache_line) shard {
    mutable spin_lock mu;
    task_header* head = nullptr;
    std::size_t count = 0;
  };
  shard& shard_of(const task_header* t) noexcept { return shards_[t->id_ % shards]; }

  shard shards_[shards];
  std::atomic<bool> closed_{false};
};

}  // namespace edo::detail
