// smol_bench: the WORKLOADS.md workloads on smol 1.3 (Debian's librust-smol-dev:
// async-executor 1.5, async-io 1.11, async-channel 1.8, async-net 1.7, futures-lite 1.12).
//
//   smol_bench <mt|ct> [workload,...]
//
// mt = one async_executor::Executor run by 2 threads (each `smol::block_on(ex.run(..))`,
//      so both also drive the async-io reactor when idle); the main thread only waits
//      for the driver task.
// ct = one LocalExecutor run by the main thread under `smol::block_on`.
// Channels are async-channel (bounded), yield is futures_lite::future::yield_now,
// timers are async_io::Timer, TCP is async-net. smol has no `timeout` function; the
// idiomatic equivalent (the same as async_std::future::timeout) is used:
// `future::or(fut, async { timer.await; Err })` with the Timer created up front.
// Every run starts its clock inside a spawned driver task; one warm-up run and five
// timed runs per workload, the median is printed (see common/harness.rs).

#[path = "../../common/harness.rs"]
mod harness;

use harness::*;
use smol::channel::{bounded, Sender};
use smol::future::{self, Future};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};
use smol::{Executor, LocalExecutor, Task, Timer};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const RUNTIME: &str = "smol";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The multi-thread executor (run by 2 threads started in `start_mt_workers`).
static EX: Executor<'static> = Executor::new();

thread_local! {
    /// The single-thread executor, run by the main thread.
    static LEX: LocalExecutor<'static> = LocalExecutor::new();
}

/// How a workload spawns a task: on the shared Executor (mt) or on the thread's
/// LocalExecutor (ct). Workloads are generic over this, so each flavor gets its own
/// monomorphized code with no run-time dispatch.
trait Spawner: 'static {
    fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> Task<T>;
}

struct Mt;
impl Spawner for Mt {
    #[inline]
    fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> Task<T> {
        EX.spawn(f)
    }
}

struct Ct;
impl Spawner for Ct {
    #[inline]
    fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> Task<T> {
        LEX.with(|ex| ex.spawn(f))
    }
}

fn start_mt_workers() {
    for i in 0..2 {
        std::thread::Builder::new()
            .name(format!("smol-worker-{i}"))
            .spawn(|| smol::block_on(EX.run(future::pending::<()>())))
            .expect("spawn worker thread");
    }
}

/// Runs the future in a spawned driver task on the chosen executor and returns its
/// output.
fn drive<T: Send + 'static>(flavor: Flavor, fut: impl Future<Output = T> + Send + 'static) -> T {
    match flavor {
        // The two worker threads run the executor; this thread just waits.
        Flavor::Mt => future::block_on(EX.spawn(fut)),
        Flavor::Ct => LEX.with(|ex| smol::block_on(ex.run(ex.spawn(fut)))),
    }
}

// ---- workloads --------------------------------------------------------------

async fn spawn_many<S: Spawner>(n: u64) -> Run {
    COUNTER.store(0, Ordering::Relaxed);
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(S::spawn(async {
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

async fn yield_many<S: Spawner>(per_task: u64) -> Run {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            S::spawn(async move {
                for _ in 0..per_task {
                    future::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
    Run { n: YIELD_TASKS * per_task, elapsed: t0.elapsed() }
}

async fn ping_pong<S: Spawner>(round_trips: u64) -> Run {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(2 * PING_PONG_PAIRS as usize);
    for _ in 0..PING_PONG_PAIRS {
        let (ping_tx, ping_rx) = bounded::<u64>(1);
        let (pong_tx, pong_rx) = bounded::<u64>(1);
        handles.push(S::spawn(async move {
            while let Ok(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        }));
        handles.push(S::spawn(async move {
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
/// capacity-1 channel (async-channel has no oneshot).
fn chain<S: Spawner>(left: u64, done: Sender<()>) {
    if left == 0 {
        done.try_send(()).unwrap();
    } else {
        S::spawn(async move { chain::<S>(left - 1, done) }).detach();
    }
}

async fn chained_spawn<S: Spawner>(depth: u64) -> Run {
    let t0 = Instant::now();
    let (tx, rx) = bounded(1);
    chain::<S>(depth, tx);
    rx.recv().await.unwrap();
    Run { n: depth, elapsed: t0.elapsed() }
}

async fn mpsc_contended<S: Spawner>(per_producer: u64) -> Run {
    let t0 = Instant::now();
    let (tx, rx) = bounded::<u64>(MPSC_CAPACITY);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            S::spawn(async move {
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

async fn timers<S: Spawner>(n: u64) -> Run {
    let t0 = Instant::now();
    let mut x = TIMERS_SEED;
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let ms = xorshift_ms(&mut x);
        handles.push(S::spawn(async move {
            Timer::after(Duration::from_millis(ms)).await;
        }));
    }
    for h in handles {
        h.await;
    }
    Run { n, elapsed: t0.elapsed() }
}

/// smol's spelling of `timeout(dur, fut)`: the timer is created now, `fut` is polled
/// first, and the timer is dropped (cancelled) once `fut` has completed.
async fn timeout<T>(dur: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let timer = Timer::after(dur);
    future::or(async { Some(fut.await) }, async move {
        timer.await;
        None
    })
    .await
}

async fn timeout_ready<S: Spawner>(n: u64) -> Run {
    let t0 = Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        match timeout(Duration::from_secs(1), future::ready(black_box(i))).await {
            Some(v) => acc = acc.wrapping_add(v),
            None => panic!("ready future timed out"),
        }
    }
    let elapsed = t0.elapsed();
    assert_eq!(black_box(acc), n * (n - 1) / 2);
    Run { n, elapsed }
}

async fn tcp_echo<S: Spawner>(round_trips: u64) -> Run {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let server = S::spawn(async move {
        let mut sessions = Vec::with_capacity(TCP_CLIENTS as usize);
        for _ in 0..TCP_CLIENTS {
            let (mut s, _) = listener.accept().await.expect("accept");
            s.set_nodelay(true).unwrap();
            sessions.push(S::spawn(async move {
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
            S::spawn(async move {
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

/// idle_tasks_mem, in the fresh child process: n tasks that each sleep 10 s on an
/// async-io Timer; their Task handles kept in a Vec allocated with capacity n; wait
/// until every task has run up to its sleep; peak-RSS growth / n; then cancel them.
async fn idle<S: Spawner>(flavor: Flavor, n: u64) -> String {
    reset_hwm();
    let before = vm_hwm_bytes();
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(S::spawn(async {
            STARTED.fetch_add(1, Ordering::Relaxed);
            Timer::after(Duration::from_secs(10)).await;
        }));
    }
    while STARTED.load(Ordering::Relaxed) < n {
        future::yield_now().await;
    }
    let elapsed = t0.elapsed();
    let after = vm_hwm_bytes();
    for h in handles {
        assert!(h.cancel().await.is_none());
    }
    idle_line(RUNTIME, flavor, n, elapsed, before, after)
}

fn run_workload<S: Spawner>(flavor: Flavor, w: &str, sz: &Sizes) -> Run {
    match w {
        "spawn_many" => drive(flavor, spawn_many::<S>(sz.spawn_tasks)),
        "yield_many" => drive(flavor, yield_many::<S>(sz.yields_per_task)),
        "ping_pong" => drive(flavor, ping_pong::<S>(sz.round_trips_per_pair)),
        "chained_spawn" => drive(flavor, chained_spawn::<S>(sz.chain_depth)),
        "mpsc_contended" => drive(flavor, mpsc_contended::<S>(sz.msgs_per_producer)),
        "timers" => drive(flavor, timers::<S>(sz.timers)),
        "timeout_ready" => drive(flavor, timeout_ready::<S>(sz.timeout_iters)),
        "tcp_echo" => drive(flavor, tcp_echo::<S>(sz.tcp_round_trips_per_client)),
        _ => unreachable!(),
    }
}

fn main() {
    match parse_args("smol_bench") {
        Mode::IdleChild(flavor) => {
            let n = sizes().idle_tasks;
            let line = match flavor {
                Flavor::Mt => {
                    start_mt_workers();
                    drive(flavor, idle::<Mt>(flavor, n))
                }
                Flavor::Ct => drive(flavor, idle::<Ct>(flavor, n)),
            };
            emit(&line);
        }
        Mode::Bench(flavor, list) => {
            let sz = sizes();
            if flavor == Flavor::Mt {
                start_mt_workers();
            }
            for w in list {
                eprintln!("smol {} {w}", flavor.as_str());
                if w == "idle_tasks_mem" {
                    run_idle_child(flavor);
                    continue;
                }
                bench(w, RUNTIME, flavor, || match flavor {
                    Flavor::Mt => run_workload::<Mt>(flavor, w, &sz),
                    Flavor::Ct => run_workload::<Ct>(flavor, w, &sz),
                });
            }
        }
    }
}
