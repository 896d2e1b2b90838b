// echo_server — Tokio's echo server: accept connections and, for each one, spawn a task
// that writes back everything it reads.
//
//   echo_server [ADDR] [--once]   serve on ADDR (default 127.0.0.1:8080); --once: exit after
//                                 the first connection closes
//   echo_server --self-test       the server and three clients in this one process
//
// Rust original (tokio/examples/echo.rs):
//   let listener = TcpListener::bind(&addr).await?;
//   loop {
//       let (mut socket, _) = listener.accept().await?;
//       tokio::spawn(async move {
//           let mut buf = vec![0; 1024];
//           loop {
//               let n = socket.read(&mut buf).await.expect("failed to read data from socket");
//               if n == 0 { return; }
//               socket.write_all(&buf[0..n]).await.expect("failed to write data to socket");
//           }
//       });
//   }
#include <array>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>

using edo::net::tcp_listener;
using edo::net::tcp_stream;

// One connection: echo until the client closes (a 0-byte read).
edo::task<> handle(tcp_stream socket) {
  std::array<std::byte, 1024> buf;
  for (;;) {
    const std::size_t n = co_await socket.read(buf);
    if (n == 0) co_return;
    co_await socket.write_all(std::span<const std::byte>(buf.data(), n));
  }
}

// Accepts forever (or `limit` connections), one task per connection.
edo::task<> serve(tcp_listener listener, int limit) {
  std::vector<edo::join_handle<void>> sessions;
  for (int i = 0; limit < 0 || i < limit; ++i) {
    auto [socket, peer] = co_await listener.accept();
    if (limit < 0) std::cout << "connection from " << peer << std::endl;
    sessions.push_back(edo::spawn(handle, std::move(socket)));
  }
  for (auto& s : sessions) co_await s;
}

edo::task<std::string> client(edo::net::socket_address addr, int id) {
  auto stream = co_await tcp_stream::connect(addr);
  const std::string msg = "hello from client " + std::to_string(id);
  co_await stream.write_all(msg);
  std::string reply(msg.size(), '\0');
  co_await stream.read_exact(std::span<char>(reply));
  co_return reply;
}

edo::task<int> self_test() {
  auto listener = co_await tcp_listener::bind("127.0.0.1:0");
  const auto addr = listener.local_addr();
  std::cout << "listening on " << addr.ip() << " (port chosen by the system)" << std::endl;
  auto server = edo::spawn(serve, std::move(listener), 3);
  std::vector<edo::join_handle<std::string>> clients;
  for (int id = 0; id < 3; ++id) clients.push_back(edo::spawn(client, addr, id));
  for (int id = 0; id < 3; ++id)
    std::cout << "client " << id << " got: " << co_await clients[id] << '\n';
  co_await server;  // the clients closed their connections: the sessions ended
  std::cout << "server echoed 3 connections" << std::endl;
  co_return 0;
}

edo::task<int> async_main(int argc, char** argv) {
  std::string addr = "127.0.0.1:8080";
  bool once = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--self-test") == 0) co_return co_await self_test();
    if (std::strcmp(argv[i], "--once") == 0) {
      once = true;
    } else {
      addr = argv[i];
    }
  }
  auto listener = co_await tcp_listener::bind(addr);
  std::cout << "listening on " << listener.local_addr() << std::endl;
  co_await serve(std::move(listener), once ? 1 : -1);
  co_return 0;
}

EDO_MAIN(async_main)
