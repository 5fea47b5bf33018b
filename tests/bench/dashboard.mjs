// The merchant's dashboard (issue #24): what it downloads (raw and gzip -9 of every file
// under www/dashboard/, against the 300 KB budget) and how long its first view takes on
// the widget bench's throttled phone (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up,
// CPU 4× slower, 360 px, a fresh context with the cache off): from navigation start to
// the first animation frame with the vouchers table (a signed-in secret session, one
// voucher) in the page. VALE_BENCH_PAGE_RUNS loads (7); prints each and the median.
//
//   node tests/bench/dashboard.mjs [--out figures.json]
//
// A benchmark, not a test: budgets are printed, not enforced; it fails only when it could
// not measure. Needs `cargo xtask build` (the dashboard and the edge).
import { writeFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { startEdge, root } from '../support/edge.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { api, efectyOrder } from '../support/vale.mjs';

const RUNS = Number(process.env.VALE_BENCH_PAGE_RUNS ?? 7);
const PROFILE = { latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const CPU_SLOWDOWN = 4;
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const TARGETS = { gzip_total_bytes: 300_000, first_view_ms: 2_000 };
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? process.argv[outArg + 1] : process.env.VALE_BENCH_OUT;

const gzipped = (bytes) => execFileSync('gzip', ['-9', '-n', '-c'], { input: bytes, maxBuffer: 1 << 26 }).length;

function sizes() {
  const dir = join(root, 'www', 'dashboard');
  return readdirSync(dir).sort().map((name) => {
    const bytes = readFileSync(join(dir, name));
    return { name, raw: bytes.length, gzip: gzipped(bytes) };
  });
}

function markVisible() {
  const check = () => {
    if (document.querySelector('main table')) window.valeVisibleAt ??= performance.now();
    if (window.valeVisibleAt === undefined) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let edge;
let browser;
let failed = false;
try {
  const files = sizes();
  if (!files.some((f) => f.name.endsWith('.wasm'))) throw new Error('www/dashboard has no wasm: run cargo xtask build');
  const total = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip }), { raw: 0, gzip: 0 });
  console.log(`${'dashboard file'.padEnd(36)} ${'raw B'.padStart(10)} ${'gzip B'.padStart(10)}`);
  for (const f of files) console.log(`${`dashboard/${f.name}`.padEnd(36)} ${String(f.raw).padStart(10)} ${String(f.gzip).padStart(10)}`);
  console.log(`${'dashboard total (budget 300 KB gzip)'.padEnd(36)} ${String(total.raw).padStart(10)} ${String(total.gzip).padStart(10)}`);
  edge = await startEdge({ reports: true });
  browser = await launchBrowser();
  const made = await api(edge.base).post('/v1/vouchers', efectyOrder());
  if (made.status !== 201) throw new Error(`creating a voucher answered ${made.status}`);
  const signed = await fetch(`${edge.base}/dashboard/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: edge.base, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ key: 'sk_test_local' }),
  });
  if (signed.status !== 201) throw new Error(`signing in answered ${signed.status}`);
  const token = signed.headers.get('set-cookie').split(';')[0].split('=')[1];
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext(PHONE);
    try {
      await context.addCookies([{ name: 'vale_dash_test', value: token, url: `${edge.base}/dashboard`, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PROFILE });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
      await page.addInitScript(markVisible);
      await page.goto(`${edge.base}/dashboard/#/test/vouchers`, { waitUntil: 'commit' });
      const at = await (await page.waitForFunction(() => window.valeVisibleAt, null, { timeout: 60_000 })).jsonValue();
      times.push(Math.round(at));
      console.log(`first view, run ${i + 1}: ${Math.round(at)} ms`);
    } finally {
      await context.close();
    }
  }
  const figures = { files, total, first_view_ms: times, first_view_median_ms: median(times), targets: TARGETS };
  console.log(`first view median: ${median(times)} ms (target < ${TARGETS.first_view_ms} ms); gzip ${total.gzip} B (budget ${TARGETS.gzip_total_bytes} B)`);
  if (OUT) {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(figures, null, 2));
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser?.close();
  await edge?.stop();
}
process.exit(failed ? 1 : 0);
