// process_pipe — pipe data through a child process and stream its output line by line
// (Tokio's process::Command with Stdio::piped() and BufReader::lines()).
//
// The child is `tr a-z A-Z`: one task feeds its stdin while this one reads its stdout as
// it comes, through buf_reader::lines(); then the child's exit status is awaited.
//
// Rust original (in the spirit of the tokio::process docs):
//   let mut child = Command::new("tr").args(["a-z", "A-Z"])
//       .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
//   let mut stdin = child.stdin.take().unwrap();
//   tokio::spawn(async move { stdin.write_all(b"...").await });
//   let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
//   while let Some(line) = lines.next_line().await? { println!("{line}"); }
//   let status = child.wait().await?;
#include <iostream>
#include <string>
#include <vector>

#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/process.hpp>

using edo::process::command;
using edo::process::stdio;

edo::task<> feed(edo::process::child_stdin in, std::vector<std::string> words) {
  for (const std::string& w : words) co_await in.write_all(w + "\n");
  co_await in.shutdown();  // EOF: tr finishes
}

edo::task<int> async_main() {
  auto child = command("tr")
                   .arg("a-z")
                   .arg("A-Z")
                   .set_stdin(stdio::piped())
                   .set_stdout(stdio::piped())
                   .spawn();
  std::cout << "spawned tr (pid known: " << (child.id().has_value() ? "yes" : "no") << ")\n";

  auto writer =
      edo::spawn(feed, *child.take_stdin(), std::vector<std::string>{"alpha", "beta", "gamma"});

  edo::io::buf_reader out(*child.take_stdout());
  auto lines = out.lines();
  int n = 0;
  while (auto line = co_await lines.next_line()) std::cout << ++n << ": " << *line << '\n';

  co_await writer;
  const auto status = co_await child.wait();
  std::cout << "child exited with status " << status.code().value_or(-1) << std::endl;
  co_return status.success() ? 0 : 1;
}

EDO_MAIN(async_main)
