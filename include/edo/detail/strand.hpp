// Strands and the promise base every edo coroutine shares.
//
// A *strand* is one chain of coroutines with one resume point: the chain is linked through
// promise_base::parent_ from the innermost coroutine (strand::top_) up to the strand's root
// (parent_ == nullptr). Awaiting an edo::task is a symmetric transfer that extends the
// chain; a leaf suspends the whole strand. A task (what spawn creates) has one root strand;
// join, select and timeout run their branches as child strands of the same task.
//
// Who touches what:
//  * top_, leaf_, flags_, shield_ and the child links are touched only by the thread running
//    the strand's task (the "runner"), between and during its runs.
//  * woken_ of a child strand is written by the event source that completes its leaf,
//    before it publishes the strand on the task's ready stack. The root strand's wakes go
//    into the task's state word (ROOT_WOKEN); its woken_ is runner-only (a composite that
//    finished during the run).
//  * a child strand is published to other threads only through its composite's ready queue.
//
// The executor resumes strands; nothing else resumes an edo coroutine.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <source_location>
#include <string>
#include <type_traits>

#include <edo/detail/config.hpp>
#include <edo/detail/context.hpp>
#include <edo/detail/frame_alloc.hpp>

namespace edo {
class leaf;
}

namespace edo::detail {

class composite;
struct task_header;
struct executor_access;

// One edo::task_local scope: a key (the task_local object) and its value, linked to the
// enclosing scopes.
struct local_scope {
  const void* key;
  void* value;
  local_scope* prev;
};

// Marks a type as an awaitable that keeps edo's wake contract (edo::task, edo::leaf,
// combinators, join handles). Anything else must go through edo::adapt.
template <class A>
concept edo_awaitable = requires {
  typename std::remove_cvref_t<A>::edo_awaitable;
};

struct promise_base {
  // This coroutine's handle, computed from the promise's address as
  // coroutine_handle<P>::from_promise does (g++ and clang place the promise right after the
  // frame's two function pointers: 16 bytes in for a promise aligned to at most 16, which
  // promise<T> asserts). Not storing it keeps the promise at 24 bytes next to the await
  // location: 8 bytes less per coroutine frame, worth ~8% on yield_many ct (200 tasks'
  // cells and frames compete for the L1 cache; docs/performance.md).
  std::coroutine_handle<> self() const noexcept {
    return std::coroutine_handle<>::from_address(
        __builtin_coro_promise(const_cast<promise_base*>(this), 16, true));
  }
  promise_base* parent_ = nullptr;  // the coroutine awaiting this one; null at a strand's root
  // Where this coroutine last awaited (file, line, function): the async stack trace of task
  // dumps. One store per co_await (await_transform's default argument is evaluated at the
  // co_await expression).
  std::source_location where_{};

  static void* operator new(std::size_t n) { return frame_alloc(n); }
  static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      promise_base& p = h.promise();
      if (p.parent_ != nullptr) return p.parent_->self();
      // The root of a strand finished: its owner takes the result (and may destroy this
      // frame); control returns to the executor. (The strand's top_ names the coroutine
      // that last suspended on a leaf, which may be a child that has finished since: the
      // root is passed explicitly.)
      strand_root_done(&p);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
    EDO_API static void strand_root_done(promise_base* root) noexcept;
  };
  final_awaiter final_suspend() noexcept { return {}; }

  // Restricts co_await to edo awaitables, and hands the compiler a small forwarding awaiter:
  // returning the awaitable itself by reference makes g++ 12 move it and clang 16 copy an
  // lvalue; forwarding through a pointer (or holding operator co_await's result) avoids both.
  template <class A>
  auto await_transform(A&& a, std::source_location where = std::source_location::current()) {
    static_assert(edo_awaitable<A>,
                  "edo tasks can co_await only edo awaitables (edo::task, leaves, combinators, "
                  "join handles); wrap any other awaitable in edo::adapt(...)");
    where_ = where;
    return make_awaiter(static_cast<A&&>(a));
  }

 private:
  template <class W>
  struct held_awaiter {
    W w;
    template <class F>
    explicit held_awaiter(F&& f) : w(f()) {}
    bool await_ready() noexcept(noexcept(w.await_ready())) { return w.await_ready(); }
    template <class P>
    decltype(auto) await_suspend(std::coroutine_handle<P> h) noexcept(
        noexcept(w.await_suspend(h))) {
      return w.await_suspend(h);
    }
    decltype(auto) await_resume() noexcept(noexcept(w.await_resume())) { return w.await_resume(); }
  };
  template <class A>
  struct ref_awaiter {
    A* a;
    bool await_ready() noexcept(noexcept(a->await_ready())) { return a->await_ready(); }
    template <class P>
    decltype(auto) await_suspend(std::coroutine_handle<P> h) noexcept(
        noexcept(a->await_suspend(h))) {
      return a->await_suspend(h);
    }
    decltype(auto) await_resume() noexcept(noexcept(a->await_resume())) {
      return a->await_resume();
    }
  };
  template <class A>
  static auto make_awaiter(A&& a) {
    if constexpr (requires { static_cast<A&&>(a).operator co_await(); }) {
      using W = decltype(static_cast<A&&>(a).operator co_await());
      return held_awaiter<W>([&]() -> W { return static_cast<A&&>(a).operator co_await(); });
    } else {
      return ref_awaiter<std::remove_reference_t<A>>{&a};
    }
  }
};

// flags_ bits (runner-only).
namespace strand_flag {
inline constexpr std::uint8_t cancel_requested = 1 << 0;  // tear down at the next leaf
inline constexpr std::uint8_t cancel_sent = 1 << 1;       // leaf_->cancel() was called
inline constexpr std::uint8_t done = 1 << 2;              // root coroutine finished normally
inline constexpr std::uint8_t torn_down = 1 << 3;         // frames destroyed after cancellation
inline constexpr std::uint8_t started = 1 << 4;           // resumed at least once
inline constexpr std::uint8_t special = 1 << 5;           // a composite's event node, not a chain
}  // namespace strand_flag

struct strand {
  promise_base* top_ = nullptr;  // innermost coroutine: where the strand resumes
  leaf* leaf_ = nullptr;         // the leaf it is suspended on; null while runnable
  // The leaf completed and the strand waits to be processed (see the file comment).
  std::atomic<bool> woken_{false};
  std::uint8_t flags_ = 0;
  std::uint8_t shield_ = 0;         // > 0 inside edo::shield: cancellation is deferred
  std::uint8_t unconstrained_ = 0;  // > 0 inside edo::unconstrained: no co-operative budget
  // Branch index within the owning composite; root_index for a task's root strand. Set
  // before the strand is published and never changed, so wakers may read it.
  std::uint32_t index_ = 0;

  // The task-local scopes in effect where the strand is suspended (edo::task_local);
  // saved from and restored to tls.locals around each resumption.
  struct local_scope* locals_ = nullptr;

  static constexpr std::uint32_t root_index = 0xffffffffu;
  bool is_root() const noexcept { return index_ == root_index; }
  bool has(std::uint8_t f) const noexcept { return (flags_ & f) != 0; }
};

// A branch of join/select/timeout: a strand with an owner and a ready-queue link.
struct child_strand : strand {
  child_strand* next_ = nullptr;  // link in the task's ready queues
  composite* owner_ = nullptr;
};

// Called by leaf::wake(): the event source completed `s`'s leaf. Any thread.
EDO_API void wake_strand(strand* s) noexcept;
// Called by a leaf whose operation completed inside await_suspend but must yield because the
// co-operative budget is spent: the strand is ready at the task's next run. Runner only.
EDO_API void ready_next_run(strand* s) noexcept;

}  // namespace edo::detail
