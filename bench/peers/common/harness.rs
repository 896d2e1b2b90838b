// Shared by the Rust peers (tokio_bench, smol_bench, async_std_bench): argument
// parsing, SCALE handling, the warm-up + median-of-5 rule, the output format and the
// VmHWM helpers for idle_tasks_mem. Included with `#[path = ...] mod harness;`.
// See /work/shared/bench/WORKLOADS.md (the contract) and ../README.md.
#![allow(dead_code)]

use std::io::Write;
use std::time::Duration;

/// The workloads, in the order of WORKLOADS.md's table.
pub const WORKLOADS: [&str; 9] = [
    "spawn_many",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "mpsc_contended",
    "timers",
    "timeout_ready",
    "tcp_echo",
    "idle_tasks_mem",
];

/// Fixed (not scaled) sizes.
pub const YIELD_TASKS: u64 = 200;
pub const PING_PONG_PAIRS: u64 = 100;
pub const PRODUCERS: u64 = 8;
pub const MPSC_CAPACITY: usize = 1024;
pub const TCP_CLIENTS: u64 = 50;
pub const TCP_MSG: usize = 64;
pub const TIMERS_SEED: u32 = 2463534242;

/// Warm-up runs and timed runs per workload (the median timed run is printed).
pub const WARMUP_RUNS: usize = 1;
pub const TIMED_RUNS: usize = 5;

pub const IDLE_CHILD_ARG: &str = "--idle-child";

pub fn scale() -> f64 {
    match std::env::var("SCALE") {
        Ok(s) if !s.trim().is_empty() => match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => v,
            _ => {
                eprintln!("invalid SCALE={s:?} (want a positive float)");
                std::process::exit(2);
            }
        },
        _ => 1.0,
    }
}

/// `base * SCALE`, rounded, at least 1.
pub fn scaled(base: u64) -> u64 {
    ((base as f64) * scale()).round().max(1.0) as u64
}

/// Per-workload sizes, all derived from SCALE as WORKLOADS.md specifies.
pub struct Sizes {
    pub spawn_tasks: u64,
    pub yields_per_task: u64,
    pub round_trips_per_pair: u64,
    pub chain_depth: u64,
    pub msgs_per_producer: u64,
    pub timers: u64,
    pub timeout_iters: u64,
    pub tcp_round_trips_per_client: u64,
    pub idle_tasks: u64,
}

pub fn sizes() -> Sizes {
    Sizes {
        spawn_tasks: scaled(100_000),
        yields_per_task: scaled(1_000),
        round_trips_per_pair: scaled(1_000),
        chain_depth: scaled(10_000),
        msgs_per_producer: scaled(100_000),
        timers: scaled(100_000),
        timeout_iters: scaled(1_000_000),
        tcp_round_trips_per_client: scaled(2_000),
        idle_tasks: scaled(1_000_000),
    }
}

/// xorshift32 from WORKLOADS.md; returns the sleep in ms (1..=100).
#[inline]
pub fn xorshift_ms(x: &mut u32) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    1 + (*x % 100) as u64
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Mt,
    Ct,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Mt => "mt",
            Flavor::Ct => "ct",
        }
    }
    pub fn parse(s: &str) -> Option<Flavor> {
        match s {
            "mt" => Some(Flavor::Mt),
            "ct" => Some(Flavor::Ct),
            _ => None,
        }
    }
}

pub enum Mode {
    /// Normal run: flavor and the workloads to run, in order.
    Bench(Flavor, Vec<&'static str>),
    /// Hidden: measure idle_tasks_mem in this fresh process.
    IdleChild(Flavor),
}

pub fn parse_args(prog: &str) -> Mode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: {prog} <mt|ct> [workload,...]");
        eprintln!("workloads: {}", WORKLOADS.join(","));
        std::process::exit(2);
    };
    if args.is_empty() {
        usage();
    }
    if args[0] == IDLE_CHILD_ARG {
        let f = args.get(1).and_then(|s| Flavor::parse(s)).unwrap_or_else(|| usage());
        return Mode::IdleChild(f);
    }
    let flavor = Flavor::parse(&args[0]).unwrap_or_else(|| usage());
    if args.len() > 2 {
        usage();
    }
    let list: Vec<&'static str> = match args.get(1) {
        None => WORKLOADS.to_vec(),
        Some(l) => l
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|w| {
                *WORKLOADS.iter().find(|k| **k == w).unwrap_or_else(|| {
                    eprintln!("unknown workload {w:?}");
                    usage()
                })
            })
            .collect(),
    };
    Mode::Bench(flavor, list)
}

/// One measured run: the number of operations and the time they took.
#[derive(Clone, Copy)]
pub struct Run {
    pub n: u64,
    pub elapsed: Duration,
}

pub fn result_line(
    workload: &str,
    runtime: &str,
    flavor: Flavor,
    n: u64,
    elapsed: Duration,
    extra: Option<String>,
) -> String {
    let total_ms = elapsed.as_secs_f64() * 1e3;
    let ns_per_op = elapsed.as_secs_f64() * 1e9 / n as f64;
    let mut line = format!(
        "workload={workload} runtime={runtime} flavor={} n={n} total_ms={total_ms:.3} ns_per_op={ns_per_op:.2}",
        flavor.as_str()
    );
    if let Some(e) = extra {
        line.push_str(" extra=");
        line.push_str(&e);
    }
    line
}

pub fn emit(line: &str) {
    let out = std::io::stdout();
    let mut out = out.lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs `one` once for warm-up and TIMED_RUNS times, then prints the median run.
/// `one` must run the workload with the timed region inside a spawned driver task.
pub fn bench(workload: &str, runtime: &str, flavor: Flavor, mut one: impl FnMut() -> Run) {
    for _ in 0..WARMUP_RUNS {
        let _ = one();
    }
    let mut runs: Vec<Run> = (0..TIMED_RUNS).map(|_| one()).collect();
    runs.sort_by_key(|r| r.elapsed);
    let m = runs[runs.len() / 2];
    let extra = if workload == "timers" {
        Some(format!("overshoot_ms:{:.3}", m.elapsed.as_secs_f64() * 1e3 - 100.0))
    } else {
        None
    };
    emit(&result_line(workload, runtime, flavor, m.n, m.elapsed, extra));
}

// ---- idle_tasks_mem helpers -------------------------------------------------

/// Resets the peak-RSS watermark (VmHWM) to the current RSS.
pub fn reset_hwm() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("cannot reset VmHWM through /proc/self/clear_refs: {e}");
        std::process::exit(1);
    }
}

/// VmHWM in bytes.
pub fn vm_hwm_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    for l in s.lines() {
        if let Some(rest) = l.strip_prefix("VmHWM:") {
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().expect("VmHWM value");
            return kb * 1024;
        }
    }
    panic!("no VmHWM in /proc/self/status");
}

pub fn idle_line(runtime: &str, flavor: Flavor, n: u64, elapsed: Duration, before: u64, after: u64) -> String {
    let per_task = after.saturating_sub(before) as f64 / n as f64;
    result_line(
        "idle_tasks_mem",
        runtime,
        flavor,
        n,
        elapsed,
        Some(format!("bytes_per_task:{per_task:.1}")),
    )
}

/// idle_tasks_mem is measured once, in a fresh child process (this executable
/// re-executed with `--idle-child <flavor>`), so that memory the earlier workloads
/// left in the allocator cannot hide the growth. Memory does not vary from run to
/// run the way time does, so the median-of-5 rule is replaced by this single
/// measurement. The child prints the result line; we forward it.
pub fn run_idle_child(flavor: Flavor) {
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .arg(IDLE_CHILD_ARG)
        .arg(flavor.as_str())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("spawn idle_tasks_mem child");
    if !out.status.success() {
        eprintln!("idle_tasks_mem child failed: {}", out.status);
        std::process::exit(1);
    }
    let s = String::from_utf8_lossy(&out.stdout);
    for l in s.lines() {
        emit(l);
    }
}
