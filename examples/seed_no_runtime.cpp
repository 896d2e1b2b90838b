// seed_no_runtime — spawning with no runtime running, and the fix.
//
// A task does nothing on its own, and edo::spawn needs a runtime to run it on. Called from
// plain main() it throws edo::no_runtime — edo's twin of Tokio's panic — at run time, not at
// compile time. The fix is to start a runtime first.
//
// Rust original:
//   fn main() {
//       // Panics: there is no Tokio runtime running here.
//       tokio::spawn(async {
//           println!("never runs");
//       });
//   }
// which panics with
//   there is no reactor running, must be called from the context of a Tokio 1.x runtime
//
// Expected output:
//   edo::no_runtime: edo::spawn: there is no runtime running; call it from a task ...
//   runs inside a runtime
#include <iostream>

#include <edo/edo.hpp>

// The same spawn, from a task running on a runtime.
edo::task<> spawn_inside() {
  auto h = edo::spawn([]() -> edo::task<> {
    std::cout << "runs inside a runtime\n";
    co_return;
  });
  co_await h;
}

int main() {
  try {
    // Throws: there is no edo runtime running here.
    edo::spawn([]() -> edo::task<> {
      std::cout << "never runs\n";
      co_return;
    });
  } catch (const edo::no_runtime& e) {
    // Tokio panics (the process dies); edo throws, so the mistake can be caught and shown.
    std::cout << "edo::no_runtime: " << e.what() << '\n';
  }

  // The fix: start a runtime first (EDO_MAIN, edo::run, or a runtime's block_on).
  edo::runtime rt;
  rt.block_on(spawn_inside());
}
