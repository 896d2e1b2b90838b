// async_std_bench: the WORKLOADS.md workloads on async-std 1.12 (Debian's
// librust-async-std-dev; its executor is async-global-executor 2.3 on async-io 1.11).
//
//   async_std_bench <mt|ct> [workload,...]
//
// mt = async-std's global executor with exactly 2 threads (ASYNC_STD_THREAD_COUNT=2 is
//      set before the runtime starts; the main thread only waits for the driver task
//      with task::block_on).
// ct = not available: async-std has no current-thread runtime to select. task::spawn
//      always schedules onto the global multi-thread executor; the only thread-local
//      facility (task::spawn_local, run while task::block_on is running on that
//      thread) is an add-on to the global runtime, not a runtime flavor of its own.
//      Asked for `ct`, this program prints nothing and exits 0 (see ../README.md).
//
// Primitives: task::spawn / JoinHandle, task::yield_now, async_std::channel (bounded,
// = async-channel 1.8), task::sleep, async_std::future::timeout, async_std::net.
// Every run starts its clock inside a spawned driver task; one warm-up run and five
// timed runs per workload, the median is printed (see common/harness.rs).

#[path = "../../common/harness.rs"]
mod harness;

use async_std::channel::{bounded, Sender};
use async_std::future::Future;
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task;
use harness::*;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const RUNTIME: &str = "async-std";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs the future in a spawned driver task on the global executor.
fn drive<T: Send + 'static>(fut: impl Future<Output = T> + Send + 'static) -> T {
    task::block_on(task::spawn(fut))
}

// ---- workloads --------------------------------------------------------------

async fn spawn_many(n: u64) -> Run {
    COUNTER.store(0, Ordering::Relaxed);
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(task::spawn(async {
            COUNTER.fetch_add(1, Ordering::Relaxed);
        }));
    }
    for h in handles {
        h.await;
    }
    let elapsed = t0.elapsed();
    assert_eq!(COUNTER.load(Ordering::Relaxed), n);
    Run { n, elapsed }
}

async fn yield_many(per_task: u64) -> Run {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            task::spawn(async move {
                for _ in 0..per_task {
                    task::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
    Run { n: YIELD_TASKS * per_task, elapsed: t0.elapsed() }
}

async fn ping_pong(round_trips: u64) -> Run {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(2 * PING_PONG_PAIRS as usize);
    for _ in 0..PING_PONG_PAIRS {
        let (ping_tx, ping_rx) = bounded::<u64>(1);
        let (pong_tx, pong_rx) = bounded::<u64>(1);
        handles.push(task::spawn(async move {
            while let Ok(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        }));
        handles.push(task::spawn(async move {
            for i in 0..round_trips {
                ping_tx.send(i).await.unwrap();
                let v = pong_rx.recv().await.unwrap();
                assert_eq!(v, i + 1);
            }
        }));
    }
    for h in handles {
        h.await;
    }
    Run { n: PING_PONG_PAIRS * round_trips, elapsed: t0.elapsed() }
}

/// `left` spawns in total; the task spawned last signals completion on a
/// capacity-1 channel (async-std has no oneshot). Dropping an async-std JoinHandle
/// detaches the task.
fn chain(left: u64, done: Sender<()>) {
    if left == 0 {
        done.try_send(()).unwrap();
    } else {
        drop(task::spawn(async move { chain(left - 1, done) }));
    }
}

async fn chained_spawn(depth: u64) -> Run {
    let t0 = Instant::now();
    let (tx, rx) = bounded(1);
    chain(depth, tx);
    rx.recv().await.unwrap();
    Run { n: depth, elapsed: t0.elapsed() }
}

async fn mpsc_contended(per_producer: u64) -> Run {
    let t0 = Instant::now();
    let (tx, rx) = bounded::<u64>(MPSC_CAPACITY);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            task::spawn(async move {
                for i in 0..per_producer {
                    tx.send(p * per_producer + i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let total = PRODUCERS * per_producer;
    let mut got = 0u64;
    let mut sum = 0u64;
    while let Ok(v) = rx.recv().await {
        got += 1;
        sum = sum.wrapping_add(v);
    }
    let elapsed = t0.elapsed();
    for p in producers {
        p.await;
    }
    assert_eq!(got, total);
    assert_eq!(sum, total * (total - 1) / 2);
    Run { n: total, elapsed }
}

async fn timers(n: u64) -> Run {
    let t0 = Instant::now();
    let mut x = TIMERS_SEED;
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let ms = xorshift_ms(&mut x);
        handles.push(task::spawn(async move {
            task::sleep(Duration::from_millis(ms)).await;
        }));
    }
    for h in handles {
        h.await;
    }
    Run { n, elapsed: t0.elapsed() }
}

async fn timeout_ready(n: u64) -> Run {
    let t0 = Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        match async_std::future::timeout(Duration::from_secs(1), std::future::ready(black_box(i))).await {
            Ok(v) => acc = acc.wrapping_add(v),
            Err(_) => panic!("ready future timed out"),
        }
    }
    let elapsed = t0.elapsed();
    assert_eq!(black_box(acc), n * (n - 1) / 2);
    Run { n, elapsed }
}

async fn tcp_echo(round_trips: u64) -> Run {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let server = task::spawn(async move {
        let mut sessions = Vec::with_capacity(TCP_CLIENTS as usize);
        for _ in 0..TCP_CLIENTS {
            let (mut s, _) = listener.accept().await.expect("accept");
            s.set_nodelay(true).unwrap();
            sessions.push(task::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    let k = s.read(&mut buf).await.expect("server read");
                    if k == 0 {
                        break;
                    }
                    s.write_all(&buf[..k]).await.expect("server write");
                }
            }));
        }
        for s in sessions {
            s.await;
        }
    });
    let t0 = Instant::now();
    let clients: Vec<_> = (0..TCP_CLIENTS)
        .map(|c| {
            task::spawn(async move {
                let mut s = TcpStream::connect(addr).await.expect("connect");
                s.set_nodelay(true).unwrap();
                let msg = [c as u8; TCP_MSG];
                let mut buf = [0u8; TCP_MSG];
                for _ in 0..round_trips {
                    s.write_all(&msg).await.expect("client write");
                    s.read_exact(&mut buf).await.expect("client read");
                    assert_eq!(buf, msg);
                }
            })
        })
        .collect();
    for c in clients {
        c.await;
    }
    let elapsed = t0.elapsed();
    server.await;
    Run { n: TCP_CLIENTS * round_trips, elapsed }
}

static STARTED: AtomicU64 = AtomicU64::new(0);

/// idle_tasks_mem, in the fresh child process: n tasks that each task::sleep(10 s);
/// their JoinHandles kept in a Vec allocated with capacity n; wait until every task
/// has run up to its sleep; peak-RSS growth / n; then cancel them.
async fn idle(n: u64) -> String {
    reset_hwm();
    let before = vm_hwm_bytes();
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(task::spawn(async {
            STARTED.fetch_add(1, Ordering::Relaxed);
            task::sleep(Duration::from_secs(10)).await;
        }));
    }
    while STARTED.load(Ordering::Relaxed) < n {
        task::yield_now().await;
    }
    let elapsed = t0.elapsed();
    let after = vm_hwm_bytes();
    for h in handles {
        assert!(h.cancel().await.is_none());
    }
    idle_line(RUNTIME, Flavor::Mt, n, elapsed, before, after)
}

fn run_workload(w: &str, sz: &Sizes) -> Run {
    match w {
        "spawn_many" => drive(spawn_many(sz.spawn_tasks)),
        "yield_many" => drive(yield_many(sz.yields_per_task)),
        "ping_pong" => drive(ping_pong(sz.round_trips_per_pair)),
        "chained_spawn" => drive(chained_spawn(sz.chain_depth)),
        "mpsc_contended" => drive(mpsc_contended(sz.msgs_per_producer)),
        "timers" => drive(timers(sz.timers)),
        "timeout_ready" => drive(timeout_ready(sz.timeout_iters)),
        "tcp_echo" => drive(tcp_echo(sz.tcp_round_trips_per_client)),
        _ => unreachable!(),
    }
}

fn main() {
    // Exactly 2 executor threads (the default would be the CPU count). Set before
    // the global executor is first used; single-threaded at this point.
    std::env::set_var("ASYNC_STD_THREAD_COUNT", "2");
    match parse_args("async_std_bench") {
        Mode::IdleChild(Flavor::Ct) | Mode::Bench(Flavor::Ct, _) => {
            // No current-thread flavor in async-std: print nothing.
            eprintln!("async-std: no ct flavor (async-std has only its global multi-thread executor)");
        }
        Mode::IdleChild(Flavor::Mt) => emit(&drive(idle(sizes().idle_tasks))),
        Mode::Bench(Flavor::Mt, list) => {
            let sz = sizes();
            for w in list {
                eprintln!("async-std mt {w}");
                if w == "idle_tasks_mem" {
                    run_idle_child(Flavor::Mt);
                } else {
                    bench(w, RUNTIME, Flavor::Mt, || run_workload(w, &sz));
                }
            }
        }
    }
}
