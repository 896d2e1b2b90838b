// chat_server — a line-based chat room (Tokio's examples/chat.rs, with a broadcast channel
// where Tokio's uses a shared map of senders): every line a client sends is fanned out to
// every other client as "name: line".
//
//   chat_server [ADDR]        serve on ADDR (default 127.0.0.1:6142); try it with nc
//   chat_server --self-test   the server and three scripted clients in this process
//
// Protocol: a client's first line is its name; the server answers "welcome NAME" once the
// client is subscribed, then relays. Each session is one task that waits on two things at
// once with edo::select: its next line from the socket, or the next message from the room.
// Both are cancel safe (a partial line stays in the lines reader; an unreceived message
// stays in the channel), so losing a select costs nothing.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/io/util.hpp>
#include <edo/net/tcp.hpp>
#include <edo/sync/broadcast.hpp>

namespace broadcast = edo::sync::broadcast;
using edo::net::tcp_listener;
using edo::net::tcp_stream;

struct message {
  int from;          // the session that sent it
  std::string text;  // "name: line"
};

edo::task<> session(tcp_stream socket, broadcast::sender<message> room, int id) {
  auto [rd, wr] = socket.split();
  edo::io::buf_reader in(rd);
  auto lines = in.lines();
  auto name = co_await lines.next_line();
  if (!name) co_return;
  auto inbox = room.subscribe();
  co_await wr.write_all("welcome " + *name + "\n");
  for (;;) {
    auto next = co_await edo::select(lines.next_line(), inbox.recv());
    if (next.index() == 0) {
      auto& line = std::get<0>(next);
      if (!line) break;  // the client left
      (void)room.send(message{id, *name + ": " + *line});
    } else {
      auto& r = std::get<1>(next);
      if (r.is_closed()) break;
      if (r && r->from != id) co_await wr.write_all(r->text + "\n");
    }
  }
}

// Accepts `limit` clients (forever if negative); returns when their sessions are over.
edo::task<> serve(tcp_listener listener, int limit) {
  auto [room, keep] = broadcast::channel<message>(64);  // `keep`: sending never fails
  std::vector<edo::join_handle<void>> sessions;
  for (int id = 0; limit < 0 || id < limit; ++id) {
    auto [socket, peer] = co_await listener.accept();
    if (limit < 0) std::cout << "client " << id << " from " << peer << std::endl;
    sessions.push_back(edo::spawn(session, std::move(socket), room, id));
  }
  for (auto& s : sessions) co_await s;
}

// A scripted client. The buf_reader owns the connection (and forwards writes to it).
struct client {
  edo::io::buf_reader<tcp_stream> conn;

  edo::task<std::string> line() {
    std::string l;
    co_await conn.read_line(l);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    co_return l;
  }
  edo::task<> say(std::string text) { co_await edo::io::write_all(conn, text + "\n"); }
};

edo::task<client> join_chat(edo::net::socket_address addr, std::string name) {
  // (Await first, then build: g++ 12 mishandles a co_await inside a braced initializer.)
  auto stream = co_await tcp_stream::connect(addr);
  client c{edo::io::buf_reader(std::move(stream))};
  co_await c.say(std::move(name));
  co_return c;
}

edo::task<int> self_test() {
  auto listener = co_await tcp_listener::bind("127.0.0.1:0");
  const auto addr = listener.local_addr();
  std::cout << "chat server on " << addr.ip() << " (port chosen by the system)" << std::endl;
  auto server = edo::spawn(serve, std::move(listener), 3);

  std::vector<client> cs;
  for (const char* name : {"alice", "bob", "carol"}) {
    cs.push_back(co_await join_chat(addr, name));
    std::cout << name << " <- " << co_await cs.back().line() << '\n';  // welcome NAME
  }
  co_await cs[0].say("hello everyone");
  std::cout << "bob heard: " << co_await cs[1].line() << '\n';
  std::cout << "carol heard: " << co_await cs[2].line() << '\n';
  co_await cs[1].say("hi alice");
  std::cout << "alice heard: " << co_await cs[0].line() << '\n';
  std::cout << "carol heard: " << co_await cs[2].line() << '\n';
  for (auto& c : cs) co_await c.conn.shutdown();  // leave: the sessions end
  co_await server;
  std::cout << "chat over: 3 sessions ended" << std::endl;
  co_return 0;
}

edo::task<int> async_main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--self-test") == 0) co_return co_await self_test();
  auto listener = co_await tcp_listener::bind(argc > 1 ? argv[1] : "127.0.0.1:6142");
  std::cout << "chat server listening on " << listener.local_addr() << std::endl;
  co_await serve(std::move(listener), -1);
  co_return 0;
}

EDO_MAIN(async_main)
