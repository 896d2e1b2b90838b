// tokio_bench: the WORKLOADS.md workloads on Tokio 1.24 (Debian's librust-tokio-dev).
//
//   tokio_bench <mt|ct> [workload,...]
//
// mt = multi_thread runtime with worker_threads(2), ct = current_thread; both
// enable_all(). Every run starts its clock inside a spawned driver task; one warm-up
// run and five timed runs per workload, the median is printed (see common/harness.rs).
// Only Tokio's own primitives are used: tokio::spawn / JoinHandle, task::yield_now,
// sync::mpsc bounded channels, sync::oneshot, time::sleep / time::timeout, tokio::net.

#[path = "../../common/harness.rs"]
mod harness;

use harness::*;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

const RUNTIME: &str = "tokio";

/// The counter the spawn_many tasks increment (a static, so that no Arc reference
/// counting is added to the cost of a spawn).
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn build_runtime(flavor: Flavor) -> tokio::runtime::Runtime {
    match flavor {
        Flavor::Mt => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
        Flavor::Ct => tokio::runtime::Builder::new_current_thread().enable_all().build(),
    }
    .expect("build tokio runtime")
}

/// Runs `work` in a freshly spawned driver task; `work` measures its own timed region
/// (which therefore starts inside the runtime) and returns it.
fn drive<F, Fut>(rt: &tokio::runtime::Runtime, work: F) -> Run
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Run> + Send + 'static,
{
    let fut = work();
    rt.block_on(async move { tokio::spawn(fut).await.expect("driver task panicked") })
}

// ---- workloads --------------------------------------------------------------

async fn spawn_many(n: u64) -> Run {
    COUNTER.store(0, Ordering::Relaxed);
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(tokio::spawn(async {
            COUNTER.fetch_add(1, Ordering::Relaxed);
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = t0.elapsed();
    assert_eq!(COUNTER.load(Ordering::Relaxed), n);
    Run { n, elapsed }
}

async fn yield_many(per_task: u64) -> Run {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..per_task {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    Run { n: YIELD_TASKS * per_task, elapsed: t0.elapsed() }
}

async fn ping_pong(round_trips: u64) -> Run {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(2 * PING_PONG_PAIRS as usize);
    for _ in 0..PING_PONG_PAIRS {
        let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
        let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
        // B: replies to every ping; ends when A drops its sender.
        handles.push(tokio::spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        }));
        // A: sends and waits for the reply, `round_trips` times.
        handles.push(tokio::spawn(async move {
            for i in 0..round_trips {
                ping_tx.send(i).await.unwrap();
                let v = pong_rx.recv().await.unwrap();
                assert_eq!(v, i + 1);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    Run { n: PING_PONG_PAIRS * round_trips, elapsed: t0.elapsed() }
}

/// Spawns the next link, which spawns the next ... `left` spawns in total; the task
/// spawned last signals completion.
fn chain(left: u64, done: oneshot::Sender<()>) {
    if left == 0 {
        let _ = done.send(());
    } else {
        tokio::spawn(async move { chain(left - 1, done) });
    }
}

async fn chained_spawn(depth: u64) -> Run {
    let t0 = Instant::now();
    let (tx, rx) = oneshot::channel();
    chain(depth, tx);
    rx.await.unwrap();
    Run { n: depth, elapsed: t0.elapsed() }
}

async fn mpsc_contended(per_producer: u64) -> Run {
    let t0 = Instant::now();
    let (tx, mut rx) = mpsc::channel::<u64>(MPSC_CAPACITY);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..per_producer {
                    tx.send(p * per_producer + i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    // The driver is the one consumer.
    let total = PRODUCERS * per_producer;
    let mut got = 0u64;
    let mut sum = 0u64;
    while let Some(v) = rx.recv().await {
        got += 1;
        sum = sum.wrapping_add(v);
    }
    let elapsed = t0.elapsed();
    for p in producers {
        p.await.unwrap();
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
        handles.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    Run { n, elapsed: t0.elapsed() }
}

async fn timeout_ready(n: u64) -> Run {
    let t0 = Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        // Creates a 1 s timer around an already-ready future; it completes at once
        // and the timer is dropped (cancelled).
        match tokio::time::timeout(Duration::from_secs(1), std::future::ready(black_box(i))).await {
            Ok(v) => acc = acc.wrapping_add(v),
            Err(_) => panic!("ready future timed out"),
        }
    }
    let elapsed = t0.elapsed();
    assert_eq!(black_box(acc), n * (n - 1) / 2);
    Run { n, elapsed }
}

async fn tcp_echo(round_trips: u64) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    // Echo server: accepts the 50 clients, one echo task per connection.
    let server = tokio::spawn(async move {
        let mut sessions = Vec::with_capacity(TCP_CLIENTS as usize);
        for _ in 0..TCP_CLIENTS {
            let (mut s, _) = listener.accept().await.expect("accept");
            s.set_nodelay(true).unwrap();
            sessions.push(tokio::spawn(async move {
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
            s.await.unwrap();
        }
    });
    let t0 = Instant::now();
    let clients: Vec<_> = (0..TCP_CLIENTS)
        .map(|c| {
            tokio::spawn(async move {
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
        c.await.unwrap();
    }
    let elapsed = t0.elapsed();
    server.await.unwrap();
    Run { n: TCP_CLIENTS * round_trips, elapsed }
}

/// idle_tasks_mem, in the fresh child process: spawn n tasks that each sleep 10 s,
/// keeping their JoinHandles in a Vec allocated with capacity n; wait until every
/// task has run up to its sleep; peak-RSS growth / n; then abort them all.
fn idle_child(flavor: Flavor) {
    static STARTED: AtomicU64 = AtomicU64::new(0);
    let n = sizes().idle_tasks;
    let rt = build_runtime(flavor);
    let line = rt.block_on(async move {
        tokio::spawn(async move {
            reset_hwm();
            let before = vm_hwm_bytes();
            let t0 = Instant::now();
            let mut handles = Vec::with_capacity(n as usize);
            for _ in 0..n {
                handles.push(tokio::spawn(async {
                    STARTED.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }));
            }
            while STARTED.load(Ordering::Relaxed) < n {
                tokio::task::yield_now().await;
            }
            let elapsed = t0.elapsed();
            let after = vm_hwm_bytes();
            for h in &handles {
                h.abort();
            }
            for h in handles {
                assert!(h.await.unwrap_err().is_cancelled());
            }
            idle_line(RUNTIME, flavor, n, elapsed, before, after)
        })
        .await
        .unwrap()
    });
    emit(&line);
}

fn main() {
    match parse_args("tokio_bench") {
        Mode::IdleChild(flavor) => idle_child(flavor),
        Mode::Bench(flavor, list) => {
            let sz = sizes();
            let rt = build_runtime(flavor);
            for w in list {
                eprintln!("tokio {} {w}", flavor.as_str());
                let one = || -> Run {
                    match w {
                        "spawn_many" => drive(&rt, || spawn_many(sz.spawn_tasks)),
                        "yield_many" => drive(&rt, || yield_many(sz.yields_per_task)),
                        "ping_pong" => drive(&rt, || ping_pong(sz.round_trips_per_pair)),
                        "chained_spawn" => drive(&rt, || chained_spawn(sz.chain_depth)),
                        "mpsc_contended" => drive(&rt, || mpsc_contended(sz.msgs_per_producer)),
                        "timers" => drive(&rt, || timers(sz.timers)),
                        "timeout_ready" => drive(&rt, || timeout_ready(sz.timeout_iters)),
                        "tcp_echo" => drive(&rt, || tcp_echo(sz.tcp_round_trips_per_client)),
                        _ => unreachable!(),
                    }
                };
                if w == "idle_tasks_mem" {
                    run_idle_child(flavor);
                } else {
                    bench(w, RUNTIME, flavor, one);
                }
            }
        }
    }
}
