// config_reload — hot configuration reload, the way a server does it with edo::sync:
//
//  * the current config is published through a watch channel: workers read the latest
//    value whenever they need it and react when it changes (intermediate versions may be
//    skipped: only the latest matters);
//  * operational events (config applied, connection limits hit, ...) are fanned out to
//    every interested subscriber through a broadcast channel (an audit log and a metrics
//    sink here);
//  * a cancellation_token stops everything at shutdown.
//
// The "admin" task plays an operator who edits the config twice. To keep the output
// deterministic the admin waits for every worker to acknowledge a version (an mpsc of
// acks) before the next edit; a real server would just publish and move on.
//
// Output:
//   worker 1 serving with max_conns=100 log_level=info
//   worker 2 serving with max_conns=100 log_level=info
//   admin: publishing version 2
//   worker 1 reloaded: max_conns=250 log_level=info
//   worker 2 reloaded: max_conns=250 log_level=info
//   admin: publishing version 3
//   worker 1 reloaded: max_conns=250 log_level=debug
//   worker 2 reloaded: max_conns=250 log_level=debug
//   admin: shutting down
//   worker 1 stopped
//   worker 2 stopped
//   audit: 6 events: v1@1 v1@2 v2@1 v2@2 v3@1 v3@2
//   metrics: 6 events, last version 3
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <edo/edo.hpp>
#include <edo/sync.hpp>

struct config {
  std::uint64_t version = 1;
  int max_conns = 100;
  std::string log_level = "info";
};

// What workers announce on the event bus.
struct event {
  int worker;
  std::uint64_t version;
};

namespace watch = edo::sync::watch;
namespace broadcast = edo::sync::broadcast;
namespace mpsc = edo::sync::mpsc;

// A worker: serves with a snapshot of the config, reloads when it changes, stops when the
// token is cancelled. Every applied version is announced on the event bus and acknowledged
// to the admin.
edo::task<std::vector<std::string>> worker(int id, watch::receiver<config>& cfg,
                                           broadcast::sender<event>& events,
                                           mpsc::sender<int>& acks,
                                           edo::sync::cancellation_token& stop) {
  std::vector<std::string> log;
  // Copy out of the borrow at once: a borrow read-locks the value.
  config current = *cfg.borrow_and_update();
  log.push_back("worker " + std::to_string(id) + " serving with max_conns=" +
                std::to_string(current.max_conns) + " log_level=" + current.log_level);
  (void)events.send(event{id, current.version});
  (void)co_await acks.send(id);
  for (;;) {
    auto r = co_await edo::select(stop.cancelled(), cfg.changed());
    if (r.index() == 0 || !std::get<1>(r)) break;  // stopped, or the publisher is gone
    current = *cfg.borrow_and_update();
    log.push_back("worker " + std::to_string(id) + " reloaded: max_conns=" +
                  std::to_string(current.max_conns) + " log_level=" + current.log_level);
    (void)events.send(event{id, current.version});
    (void)co_await acks.send(id);
  }
  log.push_back("worker " + std::to_string(id) + " stopped");
  co_return log;
}

// A subscriber of the event bus: collects events until every sender is gone.
edo::task<std::vector<event>> collect(broadcast::receiver<event>& rx) {
  std::vector<event> got;
  for (;;) {
    auto r = co_await rx.recv();
    if (r.is_closed()) break;
    if (r.is_lagged()) continue;  // a slow subscriber skips what it missed
    got.push_back(*r);
  }
  co_return got;
}

edo::task<> async_main() {
  auto [cfg_tx, cfg_rx] = watch::channel<config>();
  auto [events_tx, audit_rx] = broadcast::channel<event>(64);
  auto metrics_rx = events_tx.subscribe();
  auto [ack_tx, ack_rx] = mpsc::channel<int>(8);
  edo::sync::cancellation_token stop;

  auto audit = edo::spawn(collect, std::move(audit_rx));
  auto metrics = edo::spawn(collect, std::move(metrics_rx));
  std::vector<edo::join_handle<std::vector<std::string>>> workers;
  for (int id = 1; id <= 2; ++id) {
    // Each worker gets its own receiver, sender clones and a child token.
    workers.push_back(edo::spawn(worker, id, cfg_rx, events_tx, ack_tx, stop.child_token()));
  }
  { auto gone = std::move(ack_tx); }
  { auto gone = std::move(events_tx); }  // the workers hold the bus's senders now

  std::vector<std::string> out;
  auto wait_acks = [](mpsc::receiver<int>& acks, int n) -> edo::task<> {
    for (int i = 0; i < n; ++i) (void)co_await acks.recv();
  };
  co_await wait_acks(ack_rx, 2);

  out.push_back("admin: publishing version 2");
  cfg_tx.send_modify([](config& c) {
    c.version = 2;
    c.max_conns = 250;
  });
  co_await wait_acks(ack_rx, 2);

  out.push_back("admin: publishing version 3");
  cfg_tx.send_modify([](config& c) {
    c.version = 3;
    c.log_level = "debug";
  });
  co_await wait_acks(ack_rx, 2);

  out.push_back("admin: shutting down");
  stop.cancel();

  // Output in a stable order: each worker's log in turn, the admin's lines where they
  // belong (after the versions they published were acknowledged).
  std::vector<std::vector<std::string>> logs;
  for (auto& w : workers) logs.push_back(co_await w);
  auto print_step = [&](std::size_t step) {
    for (auto& l : logs) std::cout << l[step] << '\n';
  };
  print_step(0);
  std::cout << out[0] << '\n';
  print_step(1);
  std::cout << out[1] << '\n';
  print_step(2);
  std::cout << out[2] << '\n';
  print_step(3);

  std::vector<event> a = co_await audit;
  std::vector<event> m = co_await metrics;
  std::sort(a.begin(), a.end(), [](const event& x, const event& y) {
    return std::pair(x.version, x.worker) < std::pair(y.version, y.worker);
  });
  std::cout << "audit: " << a.size() << " events:";
  for (const auto& e : a) std::cout << " v" << e.version << '@' << e.worker;
  std::cout << '\n';
  std::uint64_t last = 0;
  for (const auto& e : m) last = std::max(last, e.version);
  std::cout << "metrics: " << m.size() << " events, last version " << last << '\n';
}

EDO_MAIN(async_main)
