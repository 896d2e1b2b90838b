// exercise_greet — the seed's Exercise 1: run one task on two different executors.
//
// greet() touches no I/O and no timer — only co_await and std — so it runs unchanged on
// edo::block_on (the twin of futures::executor::block_on) and on an edo::runtime (the twin of
// tokio::runtime::Runtime).
//
// Rust original:
//   async fn greet(name: &str) -> String { format!("Hello, {name}!") }
//   let a = futures::executor::block_on(greet("futures"));
//   let rt = tokio::runtime::Runtime::new().unwrap();
//   let b = rt.block_on(greet("tokio"));
//
// Expected output (the seed printed "Hello, futures!" and "Hello, tokio!"):
//   Hello, block_on!
//   Hello, edo!
#include <iostream>
#include <string>

#include <edo/edo.hpp>

// Takes the name by value: a coroutine's reference parameters may dangle once its caller
// moves on, a value parameter lives in the coroutine frame.
edo::task<std::string> greet(std::string name) {
  co_return "Hello, " + name + "!";
}

int main() {
  auto a = edo::block_on(greet("block_on"));
  std::cout << a << '\n';

  edo::runtime rt;
  auto b = rt.block_on(greet("edo"));
  std::cout << b << '\n';
}
