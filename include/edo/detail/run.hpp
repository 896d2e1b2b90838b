// edo::run and the body of EDO_MAIN.
#pragma once

#include <cstdio>
#include <exception>
#include <type_traits>
#include <utility>

namespace edo {

template <class F, class... Args>
int run(F&& f, Args&&... args) {
  try {
    runtime rt;
    using R = typename std::invoke_result_t<F, Args...>::value_type;
    if constexpr (std::is_void_v<R>) {
      rt.block_on(std::invoke(std::forward<F>(f), std::forward<Args>(args)...));
      return 0;
    } else {
      return static_cast<int>(
          rt.block_on(std::invoke(std::forward<F>(f), std::forward<Args>(args)...)));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edo: the main task failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr,
                 "edo: the main task failed with an exception that is not a "
                 "std::exception\n");
  }
  return 1;
}

namespace detail {
template <class F>
int run_main(F&& f, int argc, char** argv) {
  if constexpr (std::is_invocable_v<F, int, char**>) {
    return ::edo::run(std::forward<F>(f), argc, argv);
  } else {
    (void)argc;
    (void)argv;
    return ::edo::run(std::forward<F>(f));
  }
}
}  // namespace detail

}  // namespace edo
