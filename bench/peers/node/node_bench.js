#!/usr/bin/env node
// node_bench: the WORKLOADS.md workloads on Node.js (v20, libuv event loop + V8
// promise/microtask queue), no npm packages.
//
//   node node_bench.js <mt|ct> [workload,...]
//
// Node runs JavaScript on one thread, so only `ct` exists; asked for `mt` this prints
// nothing and exits 0 (worker_threads do not share a task queue or heap, so there is
// no multi-thread scheduler to compare against).
//
// How the workloads map onto Node:
//  - a task is an async function; spawn = calling it without awaiting and collecting
//    its promise (the "join handle"); waiting for tasks = awaiting their promises
//    (Promise.all). As with Asio's co_spawn, which dispatches inline, the body runs at
//    once up to its first await and the rest is resumed from the microtask queue.
//  - chained_spawn: there the inline start would turn the chain into a 10,000-deep
//    nested call (a recursion, and a stack overflow at larger SCALE), so each link
//    begins with `await null`: the child's body runs from the microtask queue after
//    its parent returned, and the last one resolves the promise the driver awaits.
//    (queueMicrotask per link does the same but costs 3x more here: ~300 ns vs 90.)
//  - yield = `await new Promise(r => setImmediate(r))`. A microtask hop (`await null`)
//    is not a yield to the scheduler: microtasks run before the event loop regains
//    control, so other ready callbacks, I/O and timers would never interleave. The
//    setImmediate callback queue (the loop's "check" phase) is Node's run queue: the
//    task goes to the back of it and I/O is polled before it resumes, which is what
//    tokio's yield_now / asio's post do.
//  - channels = the small bounded async queue `Channel` below (FIFO, capacity-limited,
//    senders wait when full, receivers when empty).
//  - sleep = a promise resolved by setTimeout; timeout(1 s, ready) = Promise.race of the
//    already-resolved promise and a setTimeout promise, the timer cleared afterwards.
//  - tcp_echo = the `net` module, setNoDelay(true) on both ends.
//  - idle_tasks_mem = 1,000,000 pending async tasks each awaiting a 10 s setTimeout,
//    measured in a fresh child process through VmHWM (reset via clear_refs); the task
//    promises and timer objects (the handles used to cancel) are kept; then cleared.
// One warm-up run and five timed runs per workload (process.hrtime.bigint(), a
// monotonic clock), the median is printed.
'use strict';

const fs = require('fs');
const net = require('net');
const { spawnSync } = require('child_process');

const RUNTIME = 'node';
const WORKLOADS = [
  'spawn_many', 'yield_many', 'ping_pong', 'chained_spawn', 'mpsc_contended',
  'timers', 'timeout_ready', 'tcp_echo', 'idle_tasks_mem',
];
const YIELD_TASKS = 200;
const PAIRS = 100;
const PRODUCERS = 8;
const MPSC_CAPACITY = 1024;
const TCP_CLIENTS = 50;
const TCP_MSG = 64;
const TIMERS_SEED = 2463534242;
const WARMUP_RUNS = 1;
const TIMED_RUNS = 5;

function scale() {
  const s = process.env.SCALE;
  if (s === undefined || s.trim() === '') return 1.0;
  const v = Number(s);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`invalid SCALE=${s} (want a positive float)\n`);
    process.exit(2);
  }
  return v;
}
const SCALE = scale();
// base * SCALE, rounded, at least 1.
const scaled = (base) => Math.max(1, Math.round(base * SCALE));

const now = () => process.hrtime.bigint();
const check = (ok, what) => {
  if (!ok) throw new Error(`check failed: ${what}`);
};

function resultLine(workload, n, ns, extra) {
  const totalMs = Number(ns) / 1e6;
  const nsPerOp = Number(ns) / n;
  let line = `workload=${workload} runtime=${RUNTIME} flavor=ct n=${n} ` +
    `total_ms=${totalMs.toFixed(3)} ns_per_op=${nsPerOp.toFixed(2)}`;
  if (extra) line += ` extra=${extra}`;
  return line;
}

// ---- a FIFO ring buffer and the bounded channel --------------------------------

class Ring {
  constructor(cap = 16) {
    this.buf = new Array(cap);
    this.head = 0;
    this.len = 0;
  }
  push(v) {
    if (this.len === this.buf.length) {
      const nb = new Array(this.buf.length * 2);
      for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) % this.buf.length];
      this.buf = nb;
      this.head = 0;
    }
    this.buf[(this.head + this.len) % this.buf.length] = v;
    this.len++;
  }
  shift() {
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.len--;
    return v;
  }
}

const RESOLVED = Promise.resolve();

// Bounded multi-producer channel: send() waits while `capacity` items are buffered,
// recv() waits while none are. Values are handed directly to a waiting receiver.
class Channel {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = new Ring(Math.min(capacity, 1024));
    this.receivers = new Ring(); // resolve functions of waiting recv()s
    this.senders = new Ring(); // [value, resolve] of waiting send()s
  }
  send(v) {
    if (this.receivers.len > 0) {
      this.receivers.shift()(v);
      return RESOLVED;
    }
    if (this.items.len < this.capacity) {
      this.items.push(v);
      return RESOLVED;
    }
    return new Promise((resolve) => this.senders.push([v, resolve]));
  }
  recv() {
    if (this.items.len > 0) {
      const v = this.items.shift();
      if (this.senders.len > 0) {
        const [w, resolve] = this.senders.shift();
        this.items.push(w);
        resolve();
      }
      return Promise.resolve(v);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

const yieldNow = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- workloads -----------------------------------------------------------------

let counter = 0;

async function counterTask() {
  counter++;
}

async function spawnMany(n) {
  counter = 0;
  const t0 = now();
  const handles = new Array(n);
  for (let i = 0; i < n; i++) handles[i] = counterTask();
  await Promise.all(handles);
  const ns = now() - t0;
  check(counter === n, 'spawn_many count');
  return [n, ns];
}

async function yieldTask(perTask) {
  for (let i = 0; i < perTask; i++) await yieldNow();
}

async function yieldMany(perTask) {
  const t0 = now();
  const handles = [];
  for (let i = 0; i < YIELD_TASKS; i++) handles.push(yieldTask(perTask));
  await Promise.all(handles);
  return [YIELD_TASKS * perTask, now() - t0];
}

async function pinger(ping, pong, roundTrips) {
  for (let i = 0; i < roundTrips; i++) {
    await ping.send(i);
    const v = await pong.recv();
    check(v === i + 1, 'ping_pong reply');
  }
}

async function ponger(ping, pong, roundTrips) {
  for (let i = 0; i < roundTrips; i++) {
    const v = await ping.recv();
    await pong.send(v + 1);
  }
}

async function pingPong(roundTrips) {
  const t0 = now();
  const handles = [];
  for (let p = 0; p < PAIRS; p++) {
    const ping = new Channel(1);
    const pong = new Channel(1);
    handles.push(ponger(ping, pong, roundTrips));
    handles.push(pinger(ping, pong, roundTrips));
  }
  await Promise.all(handles);
  return [PAIRS * roundTrips, now() - t0];
}

// `left` spawns in total; the task spawned last signals completion (a oneshot: the
// resolve function of the promise the driver awaits). Each link is an async function
// call whose promise is dropped (detached): it spawns the next link and returns.
function chain(left, done) {
  if (left === 0) done();
  else chainLink(left - 1, done);
}
async function chainLink(left, done) {
  await null; // continue from the microtask queue, not nested in the parent
  chain(left, done);
}

async function chainedSpawn(depth) {
  const t0 = now();
  await new Promise((done) => chain(depth, done));
  return [depth, now() - t0];
}

async function producer(ch, p, perProducer) {
  for (let i = 0; i < perProducer; i++) await ch.send(p * perProducer + i);
}

async function mpscContended(perProducer) {
  const t0 = now();
  const ch = new Channel(MPSC_CAPACITY);
  const producers = [];
  for (let p = 0; p < PRODUCERS; p++) producers.push(producer(ch, p, perProducer));
  // The driver is the one consumer.
  const total = PRODUCERS * perProducer;
  let sum = 0;
  for (let k = 0; k < total; k++) sum += await ch.recv();
  const ns = now() - t0;
  await Promise.all(producers);
  check(sum === (total * (total - 1)) / 2, 'mpsc_contended sum');
  return [total, ns];
}

async function sleeper(ms) {
  await sleep(ms);
}

async function timers(n) {
  const t0 = now();
  let x = TIMERS_SEED;
  const handles = new Array(n);
  for (let i = 0; i < n; i++) {
    // xorshift32 on uint32 (>>> 0 keeps it unsigned)
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    handles[i] = sleeper(1 + (x % 100));
  }
  await Promise.all(handles);
  return [n, now() - t0];
}

async function timeoutReady(n) {
  const t0 = now();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let timer;
    const v = await Promise.race([
      Promise.resolve(i),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), 1000);
      }),
    ]);
    clearTimeout(timer);
    acc += v;
  }
  const ns = now() - t0;
  check(acc === (n * (n - 1)) / 2, 'timeout_ready sum');
  return [n, ns];
}

// Reads exactly n bytes from a socket (buffers what arrives in 'data' events).
class Reader {
  constructor(sock) {
    this.chunks = [];
    this.avail = 0;
    this.need = 0;
    this.waiter = null;
    this.error = null;
    sock.on('data', (c) => {
      this.chunks.push(c);
      this.avail += c.length;
      this.poke();
    });
    const fail = (e) => {
      this.error = e || new Error('connection closed');
      this.poke();
    };
    sock.on('error', fail);
    sock.on('end', () => fail(null));
  }
  poke() {
    if (!this.waiter) return;
    if (this.avail >= this.need) {
      const buf = this.take(this.need);
      const [resolve] = this.waiter;
      this.waiter = null;
      resolve(buf);
    } else if (this.error) {
      const [, reject] = this.waiter;
      this.waiter = null;
      reject(this.error);
    }
  }
  take(n) {
    let buf;
    if (this.chunks[0].length === n) {
      buf = this.chunks.shift();
    } else {
      const all = Buffer.concat(this.chunks);
      buf = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.avail -= n;
    return buf;
  }
  readExact(n) {
    return new Promise((resolve, reject) => {
      this.need = n;
      this.waiter = [resolve, reject];
      this.poke();
    });
  }
}

// write_all: write, and if the socket buffer is full wait for 'drain'.
function writeAll(sock, buf) {
  if (sock.write(buf)) return RESOLVED;
  return new Promise((resolve) => sock.once('drain', resolve));
}

async function echoClient(port, c, roundTrips) {
  const sock = net.createConnection({ port, host: '127.0.0.1' });
  sock.setNoDelay(true);
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const reader = new Reader(sock);
  const msg = Buffer.alloc(TCP_MSG, c);
  for (let i = 0; i < roundTrips; i++) {
    await writeAll(sock, msg);
    const got = await reader.readExact(TCP_MSG);
    check(got.equals(msg), 'tcp_echo payload');
  }
  sock.end();
}

async function tcpEcho(roundTrips) {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => {
      if (!s.write(d)) {
        s.pause();
        s.once('drain', () => s.resume());
      }
    });
    s.on('error', (e) => {
      throw e;
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const t0 = now();
  const clients = [];
  for (let c = 0; c < TCP_CLIENTS; c++) clients.push(echoClient(port, c, roundTrips));
  await Promise.all(clients);
  const ns = now() - t0;
  await new Promise((resolve) => server.close(resolve)); // after all sessions closed
  return [TCP_CLIENTS * roundTrips, ns];
}

// ---- idle_tasks_mem (in a fresh child process) --------------------------------

function resetHwm() {
  fs.writeFileSync('/proc/self/clear_refs', '5');
}
function vmHwmBytes() {
  const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status');
  return Number(m[1]) * 1024;
}

let started = 0;
async function idleTask(timers, i) {
  started++;
  await new Promise((resolve) => {
    timers[i] = setTimeout(resolve, 10000);
  });
}

// A single measurement in a fresh process (not median of 5): memory does not vary
// from run to run the way time does.
async function idleChild() {
  const n = scaled(1000000);
  resetHwm();
  const before = vmHwmBytes();
  const t0 = now();
  const handles = new Array(n); // the task promises
  const timerHandles = new Array(n); // the Timeout objects, to cancel them
  for (let i = 0; i < n; i++) handles[i] = idleTask(timerHandles, i);
  while (started < n) await yieldNow();
  const ns = now() - t0;
  const after = vmHwmBytes();
  for (let i = 0; i < n; i++) clearTimeout(timerHandles[i]);
  const extra = `bytes_per_task:${((after - before) / n).toFixed(1)}`;
  process.stdout.write(resultLine('idle_tasks_mem', n, ns, extra) + '\n');
  check(handles.length === n, 'handles kept');
}

function runIdleInChild() {
  const r = spawnSync(process.execPath, [__filename, '--idle-child', 'ct'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    process.stderr.write(`idle_tasks_mem child failed: status ${r.status} signal ${r.signal}\n`);
    process.exit(1);
  }
  process.stdout.write(r.stdout);
}

// ---- main ------------------------------------------------------------------------

const RUNNERS = {
  spawn_many: () => spawnMany(scaled(100000)),
  yield_many: () => yieldMany(scaled(1000)),
  ping_pong: () => pingPong(scaled(1000)),
  chained_spawn: () => chainedSpawn(scaled(10000)),
  mpsc_contended: () => mpscContended(scaled(100000)),
  timers: () => timers(scaled(100000)),
  timeout_ready: () => timeoutReady(scaled(1000000)),
  tcp_echo: () => tcpEcho(scaled(2000)),
};

function usage() {
  process.stderr.write(`usage: node node_bench.js <mt|ct> [workload,...]\nworkloads: ${WORKLOADS.join(',')}\n`);
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) usage();
  if (args[0] === '--idle-child') {
    await idleChild();
    return;
  }
  if ((args[0] !== 'mt' && args[0] !== 'ct') || args.length > 2) usage();
  let list = WORKLOADS;
  if (args.length === 2) {
    list = args[1].split(',').filter((w) => w !== '');
    for (const w of list) {
      if (!WORKLOADS.includes(w)) {
        process.stderr.write(`unknown workload ${w}\n`);
        usage();
      }
    }
  }
  if (args[0] === 'mt') {
    process.stderr.write('node: no mt flavor (JavaScript runs on one thread)\n');
    return;
  }
  for (const w of list) {
    process.stderr.write(`node ct ${w}\n`);
    if (w === 'idle_tasks_mem') {
      runIdleInChild();
      continue;
    }
    // Each run is started from a fresh macrotask, i.e. "inside the runtime".
    const runOnce = () => new Promise((resolve, reject) => setImmediate(() => RUNNERS[w]().then(resolve, reject)));
    for (let i = 0; i < WARMUP_RUNS; i++) await runOnce();
    const runs = [];
    for (let i = 0; i < TIMED_RUNS; i++) runs.push(await runOnce());
    runs.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const [n, ns] = runs[Math.floor(runs.length / 2)];
    const extra = w === 'timers' ? `overshoot_ms:${(Number(ns) / 1e6 - 100).toFixed(3)}` : '';
    process.stdout.write(resultLine(w, n, ns, extra) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`node_bench: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
