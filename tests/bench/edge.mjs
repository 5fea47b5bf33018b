// The edge's speed, from the outside, in one run against the edge as a user runs it:
// `cargo xtask dev` (tests/support/dev.mjs), on a free port with a fresh state folder.
//
//   node tests/bench/edge.mjs [--out figures.json]      (or VALE_BENCH_OUT=figures.json)
//
// Needs a built widget and edge (`cargo xtask bench` builds them; `cargo xtask dev` then
// serves that build, VALE_DEV_SKIP_BUILD=1, and builds again only if a source is newer).
// Whatever the environment sets for `cargo xtask dev` applies, e.g. VALE_DEV_TRACES=1 for
// wrangler's local trace store. It first prints the release edge wasm's size (raw and
// gzip -9), then warms the edge up, then measures, one request at a time and interleaved
// round by round (so a drift of the machine touches every route alike):
//   404     GET /v1/vouchers/vch_<unknown id>     secret key → 404, the cheapest route
//   create  POST /v1/vouchers                     efecty and pagoefectivo alternately,
//                                                 unique reference, an Idempotency-Key
//   notify  POST /v1/notifications/pagoefectivo   a signed cip.paid for a fresh pending
//                                                 voucher (made before the timed part)
// and prints median and p95 of each, create/404 and notify/404 (medians), then the
// throughput of creates with a fixed number in flight (creates/s over the wall time and
// every non-201 as an error), webhook deliveries/s, and last, on a second start with
// VALE_DEV_HOPS=1 (each request to a Durable Object logged as `vale-hop <binding>
// <command>`), the Durable Object requests of one voucher's lifecycle: created, paid by
// a signed notification, its `voucher.paid` delivered to an endpoint. A request's time runs from before `fetch` to the last byte
// of its body, so the client's own cost (Node's fetch over keep-alive HTTP/1.1) is in
// every route alike.
//
// It is a benchmark, not a test: the targets are printed, not enforced. The exit code is
// non-zero only when the run itself went wrong: 2 when it could not measure (the edge did
// not start, or the warm-up's answers were wrong), 1 when some measured answer was not
// what its route should answer (the figures would then partly describe something else;
// the table and the JSON are written first, with what the answers were).
//
// Knobs (environment): VALE_BENCH_N (sequential requests per route, 200),
// VALE_BENCH_TOTAL (creates in the throughput part, 400), VALE_BENCH_CONCURRENCY (40),
// VALE_BENCH_WARMUP (warm-up rounds, 30), VALE_BENCH_BUDGET_S (the whole run's limit,
// 600 s), VALE_BENCH_HOPS_ONLY=1 (only the wasm's size and the hops part). Everything goes to 127.0.0.1; every loop is bounded by a count and by the budget.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { root } from '../support/edge.mjs';
import { startDev } from '../support/dev.mjs';
import { SECRET_KEY, peBody, peSign } from '../support/vale.mjs';

const bounded = (name, fallback, max) => {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
};
const N = bounded('VALE_BENCH_N', 200, 5_000);
const TOTAL = bounded('VALE_BENCH_TOTAL', 400, 20_000);
const CONCURRENCY = bounded('VALE_BENCH_CONCURRENCY', 40, 200);
const WARMUP = bounded('VALE_BENCH_WARMUP', 30, 1_000);
const BUDGET_MS = bounded('VALE_BENCH_BUDGET_S', 600, 3_600) * 1_000;
/** Vouchers paid in the delivery part, each delivered to two endpoints. */
const DELIVERIES = bounded('VALE_BENCH_DELIVERIES', 200, 5_000);
/** One request's limit: a stuck request is an error, not a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Where issue #20 ("Fewer hops") puts the bar. */
const TARGETS = { create_over_404: 1.5, notify_over_404: 2.0, creates_per_s: 100, wasm_gzip_bytes: 500_000, hops_per_lifecycle: 5 };
/** Lifecycles counted in the hops part (each counted alone, one after another). */
const LIFECYCLES = 3;
const HOPS_ONLY = process.env.VALE_BENCH_HOPS_ONLY === '1';

/** The deployed edge's wasm (worker-build's output), raw and gzip -9 bytes. */
function wasmSize() {
  const bytes = readFileSync(join(root, 'edge', 'build', 'index_bg.wasm'));
  return { raw_bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
}

const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? process.argv[outArg + 1] : process.env.VALE_BENCH_OUT;

const started = Date.now();
const overBudget = () => Date.now() - started > BUDGET_MS;

// ---- requests -------------------------------------------------------------------------

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** A voucher id in the right format (shared/src/id.rs) that no voucher has. */
const unknownId = () =>
  `vch_${Array.from({ length: 24 }, () => CROCKFORD[randomInt(32)]).join('')}`;

const run = `${process.pid}${Date.now().toString(36)}`;
let serial = 0;
const next = () => `${run}-${++serial}`;

function order(network) {
  const reference = `bench-${next()}`;
  return network === 'efecty'
    ? { network, amount: 5_000_000, currency: 'COP', reference }
    : { network, amount: 2_500, currency: 'PEN', reference };
}

/** One request, timed from before `fetch` to the end of the body. */
async function timed(base, method, path, { headers = {}, body } = {}) {
  const t0 = performance.now();
  try {
    const resp = await fetch(`${base}${path}`, {
      method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await resp.text();
    const ms = performance.now() - t0;
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the checks say so
    }
    return { ms, status: resp.status, json, text };
  } catch (error) {
    return { ms: performance.now() - t0, status: 0, json: null, text: String(error?.cause ?? error) };
  }
}

const auth = { authorization: `Bearer ${SECRET_KEY}` };

const get404 = (base) => timed(base, 'GET', `/v1/vouchers/${unknownId()}`, { headers: auth });
/** Context only: an id that does not parse is refused before any storage is asked. */
const getMalformed = (base) => timed(base, 'GET', `/v1/vouchers/vch_${next()}`, { headers: auth });

function create(base, network) {
  const body = order(network);
  const r = timed(base, 'POST', '/v1/vouchers', {
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `idem-${next()}` },
    body: JSON.stringify(body),
  });
  return r.then((res) => ({ ...res, sent: body }));
}

function notify(base, voucher) {
  const body = peBody({ cip: voucher.payment_code, operation: `op-${next()}`, transactionCode: voucher.id });
  const r = timed(base, 'POST', '/v1/notifications/pagoefectivo', {
    headers: { 'content-type': 'application/json', 'pe-signature': peSign(body) },
    body,
  });
  return r.then((res) => ({ ...res, voucher }));
}

// ---- checks: what each answer must be for its time to count as that route ---------------

/** Tallies of what the answers were, and the first few that were wrong. */
class Checks {
  constructor(name) {
    this.name = name;
    this.seen = {};
    this.failed = 0;
    this.examples = [];
  }

  record(r, problem) {
    const label = `${r.status} ${r.json?.error?.code ?? r.json?.status ?? (r.status ? '' : r.text)}`.trim();
    this.seen[label] = (this.seen[label] ?? 0) + 1;
    if (problem) {
      this.failed += 1;
      if (this.examples.length < 3) this.examples.push(`${problem}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    return !problem;
  }

  get summary() {
    return Object.entries(this.seen).map(([label, count]) => `${count}× ${label}`).join(', ');
  }
}

const check404 = (checks, r) => checks.record(r,
  r.status !== 404 ? 'not a 404'
    : r.json?.error?.type !== 'invalid_request_error' ? 'not the contract error'
      : null);

const ID = /^vch_[0-9a-hjkmnp-tv-z]{24}$/;
const checkCreate = (checks, r) => checks.record(r,
  r.status !== 201 ? 'not a 201'
    : !ID.test(r.json?.id ?? '') ? 'no voucher id'
      : r.json.status !== 'pending' ? 'not pending'
        : r.json.reference !== r.sent.reference || r.json.network !== r.sent.network ? 'another voucher'
          : !r.json.payment_code ? 'no payment code'
            : null);

const checkNotify = (checks, r) => checks.record(r,
  r.status !== 200 ? 'not a 200'
    : r.json?.received !== true || r.json.duplicate !== false ? 'not applied once'
      : r.json.voucher !== r.voucher.id || r.json.status !== 'paid' ? 'did not pay its voucher'
        : null);

// ---- figures ------------------------------------------------------------------------

/** Nearest-rank percentile of sorted numbers. */
const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (x, places = 2) => (x === undefined ? null : Number(x.toFixed(places)));

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    median_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    mean_ms: round(mean),
    min_ms: round(sorted[0]),
    max_ms: round(sorted.at(-1)),
  };
}

// ---- the run --------------------------------------------------------------------------

const log = (line) => process.stderr.write(`bench: ${line}\n`);

async function pendingPeVouchers(base, count, checks) {
  // Made a few at a time, outside any timing: each is paid by one notification later.
  const vouchers = [];
  for (let i = 0; i < count && !overBudget(); i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, () => create(base, 'pagoefectivo')),
    );
    for (const r of batch) if (checkCreate(checks, r)) vouchers.push(r.json);
  }
  return vouchers;
}

async function throughput(base, total, concurrency, checks) {
  let issued = 0;
  const times = [];
  const t0 = performance.now();
  const lane = async () => {
    while (issued < total && !overBudget()) {
      const network = issued % 2 ? 'pagoefectivo' : 'efecty';
      issued += 1;
      const r = await create(base, network);
      times.push(r.ms);
      checkCreate(checks, r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - t0) / 1_000;
  return {
    total: times.length,
    concurrency,
    seconds: round(seconds, 3),
    // Only 201s count as creates; every other answer is an error, counted below.
    creates_per_s: round((times.length - checks.failed) / seconds, 1),
    answers_per_s: round(times.length / seconds, 1),
    errors: checks.failed,
    latency: stats(times),
  };
}

/**
 * Webhook deliveries: a local receiver behind two endpoints; `count` pending vouchers
 * (made untimed) are paid by signed notifications, 40 in flight, and the clock runs from
 * the first notification to the last delivery the receiver gets (2 per voucher).
 */
async function deliveries(base, count, checks) {
  const got = [];
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push(`${req.url} ${req.headers['webhook-id']}`);
      res.writeHead(204).end();
      if (got.length >= 2 * count) done();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoints = [];
  try {
    for (const path of ['/a', '/b']) {
      const r = await timed(base, 'POST', '/v1/webhook_endpoints', {
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}${path}`, events: ['voucher.paid'] }),
      });
      checks.record(r, r.status === 201 ? null : 'endpoint not created');
      if (r.json?.id) endpoints.push(r.json.id);
    }
    const vouchers = await pendingPeVouchers(base, count, checks);
    const t0 = performance.now();
    let i = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (i < vouchers.length && !overBudget()) {
        const r = await notify(base, vouchers[i++]);
        checkNotify(checks, r);
      }
    }));
    const limit = new Promise((resolve) => setTimeout(resolve, Math.max(1, BUDGET_MS - (Date.now() - started))));
    await Promise.race([all, limit]);
    const seconds = (performance.now() - t0) / 1_000;
    return {
      vouchers: vouchers.length,
      endpoints: endpoints.length,
      delivered: got.length,
      distinct: new Set(got).size,
      seconds: round(seconds, 3),
      deliveries_per_s: round(got.length / seconds, 1),
    };
  } finally {
    for (const id of endpoints) {
      await timed(base, 'DELETE', `/v1/webhook_endpoints/${id}`, { headers: auth });
    }
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

/**
 * The Durable Object requests of one voucher's lifecycle, counted from the `vale-hop`
 * lines of an edge started with VALE_DEV_HOPS=1: a PagoEfectivo voucher created, paid by
 * a signed notification, and its `voucher.paid` delivered to a local endpoint. Each
 * lifecycle is counted alone: from before its create until its delivery came and no
 * request to an object followed for a while (the index and outbox drain runs after the
 * answers). A minute's cron call landing inside one shows in its breakdown.
 */
async function hops(checks) {
  let pending = '';
  let recording = null;
  let lastHop = performance.now();
  const onOutput = (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const at = line.indexOf('vale-hop ');
      if (at < 0) continue;
      lastHop = performance.now();
      recording?.push(line.slice(at + 'vale-hop '.length).trim());
    }
  };
  const edge = await startDev({ env: { VALE_DEV_SKIP_BUILD: '1', VALE_DEV_HOPS: '1' }, onOutput });
  const { base } = edge;
  let delivered = 0;
  let onDelivery = () => {};
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered += 1;
      res.writeHead(204).end();
      onDelivery();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const runs = [];
  let endpoint = null;
  try {
    const r = await timed(base, 'POST', '/v1/webhook_endpoints', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}/hops`, events: ['voucher.paid'] }),
    });
    checks.record(r, r.status === 201 ? null : 'endpoint not created');
    endpoint = r.json?.id;
    // Quiet until then: wait until no object was asked for 1.5 s (its log line can come
    // after the answer), at most 20 s.
    const settle = async () => {
      const since = performance.now();
      const until = since + 20_000;
      while (performance.now() - Math.max(lastHop, since) < 1_500 && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await settle();
    for (let i = 0; i < LIFECYCLES && !overBudget(); i += 1) {
      const got = new Promise((resolve) => { onDelivery = () => delivered > i && resolve(); });
      recording = [];
      const c = await create(base, 'pagoefectivo');
      if (!checkCreate(checks, c)) break;
      const n = await notify(base, c.json);
      if (!checkNotify(checks, n)) break;
      await Promise.race([got, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      await settle();
      const lines = recording;
      recording = null;
      const by = {};
      for (const line of lines) by[line] = (by[line] ?? 0) + 1;
      runs.push({ requests: lines.length, delivered: delivered > i, by_command: by });
    }
  } finally {
    if (endpoint) await timed(base, 'DELETE', `/v1/webhook_endpoints/${endpoint}`, { headers: auth });
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await edge.stop();
  }
  const counts = runs.map((x) => x.requests).sort((a, b) => a - b);
  return {
    lifecycles: runs.length,
    per_lifecycle_median: counts.length ? counts[Math.floor(counts.length / 2)] : null,
    per_lifecycle_max: counts.at(-1) ?? null,
    runs,
  };
}

async function bench() {
  const wasm = wasmSize();
  const checks = {
    not_found: new Checks('404'),
    create: new Checks('create'),
    notify: new Checks('notify'),
    floor: new Checks('floor'),
    read_back: new Checks('read back'),
    setup: new Checks('setup'),
    throughput: new Checks('throughput'),
    deliveries: new Checks('deliveries'),
    hops: new Checks('hops'),
  };
  const figures = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, loadavg_before: loadavg().map((x) => round(x)) },
    settings: { n: N, warmup_rounds: WARMUP, throughput_total: TOTAL, concurrency: CONCURRENCY },
    targets: TARGETS,
    wasm,
    traces: process.env.VALE_DEV_TRACES === '1',
  };
  if (!HOPS_ONLY) await timedParts(figures, checks);
  if (!overBudget()) {
    log(`hops: Durable Object requests of ${LIFECYCLES} lifecycles (a second start, VALE_DEV_HOPS=1)`);
    figures.hops = await hops(checks.hops);
  }
  figures.checks = Object.fromEntries(Object.entries(checks).map(([key, c]) =>
    [key, { seen: c.seen, failed: c.failed, examples: c.examples }]));
  figures.machine.loadavg_after = loadavg().map((x) => round(x));
  figures.over_budget = overBudget();
  figures.seconds = round((Date.now() - started) / 1_000, 1);
  return { figures, checks };
}

/** Latency, throughput and deliveries, on one start of `cargo xtask dev`. */
async function timedParts(figures, checks) {
  log(`starting cargo xtask dev (N=${N}, throughput ${TOTAL} creates at ${CONCURRENCY} in flight)`);
  const edge = await startDev({ env: { VALE_DEV_SKIP_BUILD: '1' } });
  const { base } = edge;
  figures.base = base;
  try {
    // Warm-up: every route's code paths, the connections, workerd's first compiles. Its
    // answers are checked (a misconfigured run stops here) but not timed.
    log(`warming up (${WARMUP} rounds)`);
    const warm = await pendingPeVouchers(base, WARMUP, checks.setup);
    for (let i = 0; i < WARMUP && !overBudget(); i += 1) {
      check404(checks.setup, await get404(base));
      checkCreate(checks.setup, await create(base, i % 2 ? 'pagoefectivo' : 'efecty'));
      if (warm[i]) checkNotify(checks.setup, await notify(base, warm[i]));
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) =>
      checkCreate(checks.setup, await create(base, i % 2 ? 'pagoefectivo' : 'efecty'))));
    if (checks.setup.failed) throw new Error(`warm-up answers were wrong: ${checks.setup.examples.join('; ')}`);

    log(`creating ${N} pending PagoEfectivo vouchers to notify`);
    const toPay = await pendingPeVouchers(base, N, checks.setup);

    log(`measuring ${N} rounds of 404, create, notify, one request at a time`);
    const times = { not_found: [], create: [], notify: [], floor: [] };
    for (let i = 0; i < N && !overBudget(); i += 1) {
      const f = await getMalformed(base);
      times.floor.push(f.ms);
      check404(checks.floor, f);
      const a = await get404(base);
      times.not_found.push(a.ms);
      check404(checks.not_found, a);
      const b = await create(base, i % 2 ? 'pagoefectivo' : 'efecty');
      times.create.push(b.ms);
      checkCreate(checks.create, b);
      if (toPay[i]) {
        const c = await notify(base, toPay[i]);
        times.notify.push(c.ms);
        checkNotify(checks.notify, c);
      }
    }
    figures.sequential = {
      not_found: stats(times.not_found),
      create: stats(times.create),
      notify: stats(times.notify),
      malformed_id_404: stats(times.floor),
    };
    const { not_found: nf, create: cr, notify: nt } = figures.sequential;
    figures.ratios = {
      create_over_404: round(cr.median_ms / nf.median_ms),
      notify_over_404: round(nt.median_ms / nf.median_ms),
    };

    // The notifications really paid their vouchers: a sample read back, untimed.
    for (const v of toPay.slice(0, 10)) {
      const r = await timed(base, 'GET', `/v1/vouchers/${v.id}`, { headers: auth });
      checks.read_back.record(r, r.status === 200 && r.json?.status === 'paid' ? null : 'not paid');
    }

    log(`throughput: ${TOTAL} creates, ${CONCURRENCY} in flight`);
    figures.throughput = await throughput(base, TOTAL, CONCURRENCY, checks.throughput);

    log(`deliveries: ${DELIVERIES} payments, two endpoints`);
    figures.deliveries = await deliveries(base, DELIVERIES, checks.deliveries);
  } finally {
    figures.stop_log_tail = edge.output().split('\n').slice(-5);
    await edge.stop();
  }
}

const fixed = (x, places = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(places) : '-');

function table({ figures, checks }) {
  const s = figures.sequential;
  const t = figures.throughput;
  const ratio = (st) => fixed(st.median_ms / s.not_found.median_ms);
  const w = 46;
  const out = [];
  const m = figures.machine;
  out.push(`machine: ${m.cpus} CPUs (${m.cpu}), Node ${m.node}; load average ${m.loadavg_before[0]} before, ${m.loadavg_after[0]} after`);
  out.push(`served by cargo xtask dev, wrangler's local trace store ${figures.traces ? 'ON (VALE_DEV_TRACES=1)' : 'off'}`);
  out.push('');
  const kb = (b) => `${fixed(b / 1_000, 1)} KB`;
  out.push(`${'edge wasm (edge/build/index_bg.wasm), raw / gzip -9'.padEnd(w)} ${kb(figures.wasm.raw_bytes)} / ${kb(figures.wasm.gzip_bytes)}   target gzip ≤ ${kb(TARGETS.wasm_gzip_bytes)}`);
  if (s) {
    out.push('');
    out.push(`edge, one request at a time (${s.not_found.n} rounds, interleaved; ms)`);
    out.push(`${'route'.padEnd(w)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'× 404'.padStart(7)} ${'target'.padStart(7)}`);
    const row = (name, st, target = '') => out.push(
      `${name.padEnd(w)} ${fixed(st.median_ms).padStart(8)} ${fixed(st.p95_ms).padStart(8)} ${ratio(st).padStart(7)} ${target.padStart(7)}`);
    row('404    GET /v1/vouchers/{unknown id}', s.not_found);
    row('create POST /v1/vouchers', s.create, `≤ ${fixed(TARGETS.create_over_404, 1)}`);
    row('notify POST /v1/notifications/pagoefectivo', s.notify, `≤ ${fixed(TARGETS.notify_over_404, 1)}`);
    row('(context: 404 for an id that does not parse)', s.malformed_id_404);
  }
  if (t) {
    out.push('');
    out.push(`edge, creates with ${t.concurrency} in flight (${t.total} answers in ${fixed(t.seconds)} s)`);
    out.push(`${'creates/s (201s only)'.padEnd(w)} ${fixed(t.creates_per_s, 1).padStart(8)}   target ≥ ${TARGETS.creates_per_s}`);
    out.push(`${'errors (any answer but a right 201)'.padEnd(w)} ${String(t.errors).padStart(8)}`);
    out.push(`${'latency under load, median / p95 ms'.padEnd(w)} ${fixed(t.latency.median_ms, 1).padStart(8)} / ${fixed(t.latency.p95_ms, 1)}`);
  }
  const d = figures.deliveries;
  if (d) {
    out.push('');
    out.push(`webhook deliveries to a local receiver (${d.vouchers} payments × ${d.endpoints} endpoints)`);
    out.push(`${'deliveries/s (first notification to last delivery)'.padEnd(w)} ${fixed(d.deliveries_per_s, 1).padStart(8)}`);
    out.push(`${'delivered / expected / distinct'.padEnd(w)} ${`${d.delivered} / ${d.vouchers * d.endpoints} / ${d.distinct}`.padStart(8)}`);
  }
  const h = figures.hops;
  if (h) {
    out.push('');
    out.push(`Durable Object requests per lifecycle (create → paid → voucher.paid delivered; ${h.lifecycles} counted, VALE_DEV_HOPS=1)`);
    out.push(`${'requests, median / max'.padEnd(w)} ${`${h.per_lifecycle_median} / ${h.per_lifecycle_max}`.padStart(8)}   target ≤ ${TARGETS.hops_per_lifecycle}`);
    const last = h.runs.at(-1);
    if (last) {
      out.push(`${'the last one, by object and command'.padEnd(w)} ${Object.entries(last.by_command).map(([k, n]) => `${n}× ${k}`).join(', ')}${last.delivered ? '' : '   <- not delivered'}`);
    }
  }
  out.push('');
  out.push('what the answers were (status, then error code or voucher status):');
  for (const [name, c] of Object.entries(checks)) {
    out.push(`  ${name.padEnd(11)} ${c.summary || '(none)'}${c.failed ? `   <- ${c.failed} wrong: ${c.examples.join(' | ')}` : ''}`);
  }
  return out.join('\n');
}

const guard = setTimeout(() => {
  // The budget's backstop: the loops stop themselves at the budget, this catches a hang
  // in start-up or shut-down. Exiting runs startDev's guard, which stops the edge.
  log(`over the ${BUDGET_MS / 1_000} s budget; stopping`);
  process.exit(3);
}, BUDGET_MS + 30_000);
guard.unref();

try {
  const result = await bench();
  const failed = Object.values(result.checks).reduce((n, c) => n + c.failed, 0);
  console.log(table(result));
  if (OUT) {
    const path = resolve(OUT);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(result.figures, null, 2)}\n`);
    console.log(`\nfigures: ${path}`);
  }
  if (result.figures.over_budget) {
    console.log(`\nstopped at the ${BUDGET_MS / 1_000} s budget: the counts above are what was done`);
  }
  if (failed) {
    console.log(`\n${failed} answers were not what the route should answer (see above)`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`bench: ${error?.stack ?? error}`);
  process.exitCode = 2;
}
// Everything was measured, printed and stopped; leave now rather than wait on a handle the
// stopped `cargo xtask dev` left behind (seen: the process stayed after its table).
process.exit();
