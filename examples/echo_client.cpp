// echo_client — connects to an echo server, sends each line of input and prints the echo.
//
//   echo_client ADDR [MESSAGE...]     send the messages (or stdin's lines) to ADDR
//   echo_client --with-server PATH    start PATH (an echo_server) as a child process on a
//                                     free port, talk to it, then let it exit
//
// Rust original (in the spirit of tokio/examples/connect.rs):
//   let mut stream = TcpStream::connect(addr).await?;
//   stream.write_all(line.as_bytes()).await?;
//   let n = stream.read(&mut buf).await?;
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/net/tcp.hpp>
#include <edo/process.hpp>

using edo::net::tcp_stream;

// Sends each message as a line and reads the same line back.
edo::task<> talk(std::string addr, std::vector<std::string> messages) {
  auto stream = co_await tcp_stream::connect(addr);
  stream.set_nodelay(true);
  edo::io::buf_reader replies(stream);  // borrows the stream for reading
  for (const std::string& m : messages) {
    co_await stream.write_all(m + "\n");
    std::string line;
    if (co_await replies.read_line(line) == 0) break;  // the server went away
    std::cout << "echo: " << line;
  }
  co_await stream.shutdown();
}

edo::task<int> with_server(std::string path) {
  // The server prints "listening on 127.0.0.1:PORT" once it is ready.
  auto server = edo::process::command(path)
                    .arg("127.0.0.1:0")
                    .arg("--once")
                    .set_stdout(edo::process::stdio::piped())
                    .kill_on_drop(true)
                    .spawn();
  edo::io::buf_reader out(*server.take_stdout());
  auto lines = out.lines();
  std::string addr;
  while (auto line = co_await lines.next_line()) {
    if (line->rfind("listening on ", 0) == 0) {
      addr = line->substr(13);
      break;
    }
  }
  if (addr.empty()) {
    std::cerr << "the server did not start\n";
    co_return 1;
  }
  std::cout << "server started" << std::endl;
  std::vector<std::string> messages = {"one", "two", "three"};
  co_await talk(addr, std::move(messages));
  const auto status = co_await server.wait();
  std::cout << "server exited with " << status.code().value_or(-1) << std::endl;
  co_return status.success() ? 0 : 1;
}

edo::task<int> async_main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--with-server") == 0)
    co_return co_await with_server(argv[2]);
  if (argc < 2) {
    std::cerr << "usage: echo_client ADDR [MESSAGE...] | echo_client --with-server PATH\n";
    co_return 2;
  }
  std::vector<std::string> messages(argv + 2, argv + argc);
  if (messages.empty()) {
    for (std::string line; std::getline(std::cin, line);) messages.push_back(line);
  }
  co_await talk(argv[1], std::move(messages));
  co_return 0;
}

EDO_MAIN(async_main)
