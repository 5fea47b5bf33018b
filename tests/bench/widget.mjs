// What a shopper on a cheap phone over 3G downloads and waits for: the widget's sizes, and
// the time until the voucher is visible, the widget against the same voucher as a static
// HTML+SVG page, in one run.
//
//   node tests/bench/widget.mjs [--out figures.json]      (or VALE_BENCH_OUT=figures.json)
//
// Needs a built widget (www/widget) and edge (edge/build); `cargo xtask bench` builds both.
// It starts one local edge with fresh storage, issues one Efecty voucher, and renders it
// once with the widget to take its shadow root's HTML (the barcode's SVG included) and its
// adopted stylesheet as the static page (a declarative shadow root, styled as the widget),
// served by a plain local server. Then, alternately, each page is opened
// VALE_BENCH_PAGE_RUNS times (7) in headless Chromium under the profile the issue measured
// with: a fresh context with the cache off, 150 ms round trip, 1.6 Mbit/s
// down and 750 kbit/s up (Network.emulateNetworkConditions), the CPU 4× slower
// (Emulation.setCPUThrottlingRate), a 360 px phone viewport. "Visible" is the first
// animation frame (from navigation start) in which a barcode's <svg> is in the page: the
// hosted page's first paint (the voucher the edge drew into the HTML, `.vale-first`), or
// the widget's own in its shadow root. When the widget itself had drawn is printed too.
// The third page is a store's page on another origin (another local port) with the README's
// snippet exactly: there `vale.js` puts the edge's drawing (`?include=first_paint`,
// `.vale-early`) in the shadow root before the wasm has loaded; its ratio to the static
// page is printed against its own budget (1.3×).
//
// A benchmark, not a test: the budgets are printed, not enforced. The exit code is
// non-zero only when it could not measure.
import { writeFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { gzipSync, constants } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { startEdge, root } from '../support/edge.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { api, efectyOrder } from '../support/vale.mjs';

const RUNS = Number(process.env.VALE_BENCH_PAGE_RUNS ?? 7);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 50) {
  throw new Error('VALE_BENCH_PAGE_RUNS must be a whole number from 1 to 50');
}
const PROFILE = { latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const CPU_SLOWDOWN = 4;
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/**
 * Issue #21 (replacing issue #9's 80 KB, set before the edge drew the voucher): the
 * voucher module's JS + wasm ≤ 110 KB gzip; visible ≤ 1.2× the static page on the hosted
 * page.
 */
const TARGETS = { gzip_total_bytes: 110_000, widget_over_static: 1.2, store_over_static: 1.3 };

const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? process.argv[outArg + 1] : process.env.VALE_BENCH_OUT;

/**
 * Gzipped bytes as the issue measured them: `gzip -9` (the 6,133 + 128,456 B it quotes).
 * Compressors differ by about 1 %: Node's zlib at level 9 gives about 800 B more here.
 */
const gzipped = (bytes) => execFileSync('gzip', ['-9', '-n', '-c'], { input: bytes, maxBuffer: 1 << 26 }).length;

/** What the shopper downloads of the widget: raw and gzip -9 bytes of each file. */
function sizes() {
  const dir = join(root, 'www', 'widget');
  // What a voucher page downloads: the refund page's module loads only where a <vale-refund> is.
  const files = readdirSync(dir).filter((f) => f === 'vale.js' || (f.endsWith('.wasm') && !f.startsWith('vale-refund.')))
    .sort().reverse();
  return files.map((name) => {
    const bytes = readFileSync(join(dir, name));
    return {
      name, raw: bytes.length, gzip: gzipped(bytes),
      zlib9: gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length,
    };
  });
}

/** Marks the first frame in which a barcode is on the page (document or shadow root). */
function markVisible() {
  const widget = () => document.querySelector('vale-voucher')?.shadowRoot?.querySelector('.barcode-scroll svg');
  // The edge's drawing: in the hosted page's HTML, or put in the shadow root by vale.js on a
  // store's page (another origin).
  const early = () => document.querySelector('vale-voucher')?.shadowRoot?.querySelector('.vale-early svg');
  const seen = () => document.querySelector('.barcode-scroll svg, .vale-first svg') ?? early() ?? widget();
  const check = () => {
    window.valeVisibleAt ??= seen() ? performance.now() : undefined;
    window.valeWidgetAt ??= widget() ? performance.now() : undefined;
    if (window.valeVisibleAt === undefined || window.valeWidgetAt === undefined) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** When a barcode showed, and (`widgetToo`) when the widget had drawn its own. */
async function timeOnce(browser, url, widgetToo = false) {
  const context = await browser.newContext(PHONE);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PROFILE });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    await page.addInitScript(markVisible);
    await page.goto(url, { waitUntil: 'commit' });
    const visible = await (await page.waitForFunction(() => window.valeVisibleAt, null, { timeout: 60_000 })).jsonValue();
    if (!widgetToo) return { visible };
    const widget = await (await page.waitForFunction(() => window.valeWidgetAt, null, { timeout: 60_000 })).jsonValue();
    return { visible, widget };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function serve(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({
    base: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((closed) => { server.closeAllConnections(); server.close(() => closed()); }),
  })));
}

let edge;
let browser;
let staticServer;
let storeServer;
let failed = false;
try {
  const files = sizes();
  if (!files.some((f) => f.name.endsWith('.wasm'))) throw new Error('www/widget has no wasm: build the widget first');
  edge = await startEdge();
  browser = await launchBrowser();
  const created = await api(edge.base).post('/v1/vouchers', efectyOrder());
  if (created.status !== 201) throw new Error(`creating the voucher answered ${created.status}: ${created.text}`);
  const voucher = created.json;
  const hosted = `${edge.base}/v/${voucher.id}?cs=${encodeURIComponent(voucher.client_secret)}`;

  // The static page: what the widget drew for this voucher, as plain HTML.
  const probe = await browser.newPage(PHONE);
  await probe.goto(hosted);
  await probe.locator('vale-voucher .barcode-scroll svg').waitFor({ timeout: 30_000 });
  // The shadow root's HTML and the stylesheet it adopted (`innerHTML` leaves adopted sheets
  // out: without them the "static" page would be an unstyled copy, lighter than any voucher
  // a shopper sees), as a declarative shadow root, so the copy is styled as the widget is.
  const drawn = await probe.evaluate(() => {
    const shadow = document.querySelector('vale-voucher').shadowRoot;
    const css = [...shadow.adoptedStyleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join('');
    return `<vale-voucher><template shadowrootmode="open"><style>${css}</style>${shadow.innerHTML}</template></vale-voucher>`;
  });
  await probe.close();
  const hostedHtml = readFileSync(join(root, 'www', 'hosted.html'), 'utf8');
  const head = hostedHtml.slice(0, hostedHtml.indexOf('<script'))
    .replace('<link rel="icon" href="/favicon.svg" type="image/svg+xml">', '');
  const staticHtml = `${head}</head>\n<body><main>${drawn}</main></body></html>\n`;
  staticServer = await serve(staticHtml);

  // A store's page on another origin (another port) with the README's snippet exactly.
  const attr = (v) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const storeHtml = `<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tienda · pago</title></head>
<body><h1>Gracias por tu pedido</h1>
<script type="module" src="${attr(edge.base)}/widget/vale.js"></script>
<vale-voucher voucher="${attr(voucher.id)}" client-secret="${attr(voucher.client_secret)}"></vale-voucher>
</body></html>\n`;
  storeServer = await serve(storeHtml);

  const times = { static: [], widget: [], widget_drawn: [], store: [], store_drawn: [] };
  for (let i = 0; i < RUNS; i += 1) {
    times.static.push((await timeOnce(browser, staticServer.base)).visible);
    const hostedRun = await timeOnce(browser, hosted, true);
    times.widget.push(hostedRun.visible);
    times.widget_drawn.push(hostedRun.widget);
    const storeRun = await timeOnce(browser, storeServer.base, true);
    times.store.push(storeRun.visible);
    times.store_drawn.push(storeRun.widget);
  }
  const staticMs = median(times.static);
  const widgetMs = median(times.widget);
  const drawnMs = median(times.widget_drawn);
  const storeMs = median(times.store);
  const storeDrawnMs = median(times.store_drawn);
  const gzipTotal = files.reduce((n, f) => n + f.gzip, 0);
  const rawTotal = files.reduce((n, f) => n + f.raw, 0);
  const staticGzip = gzipped(Buffer.from(staticHtml));
  const zlibTotal = files.reduce((n, f) => n + f.zlib9, 0);

  const row = (a, b, c) => console.log(`${a.padEnd(44)} ${String(b).padStart(10)} ${String(c).padStart(10)}`);
  console.log('widget download                                   raw B  gzip -9 B');
  for (const f of files) row(`widget/${f.name}`, f.raw, f.gzip);
  row(`total (budget ${TARGETS.gzip_total_bytes} B gzip)`, rawTotal, gzipTotal);
  row('the static page (HTML+SVG), for comparison', staticHtml.length, staticGzip);
  // The views' other cost: the edge's wasm (its cold start), which draws the first paint.
  // Budget: at most 60 KB gzip over the same edge without the views (docs/development.md).
  const edgeWasm = readFileSync(join(root, 'edge', 'build', 'index_bg.wasm'));
  row('the edge\'s wasm (views: ≤ +60 KB gzip)', edgeWasm.length, gzipped(edgeWasm));
  console.log(`(the same files through Node's zlib at level 9: ${zlibTotal} B)`);
  console.log();
  console.log(`voucher visible, median of ${RUNS} (150 ms RTT, 1.6 Mbit/s, CPU 4x slower, cache off, 360 px)`);
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`  static HTML+SVG   ${staticMs.toFixed(0).padStart(6)} ms   (${list(times.static)})`);
  console.log(`  hosted page       ${widgetMs.toFixed(0).padStart(6)} ms   (${list(times.widget)})`);
  console.log(`  hosted / static   ${(widgetMs / staticMs).toFixed(2).padStart(6)}      (target ≤ ${TARGETS.widget_over_static})`);
  console.log(`  (the widget's own view drawn over it: ${drawnMs.toFixed(0)} ms, ${(drawnMs / staticMs).toFixed(2)}× static; ${list(times.widget_drawn)})`);
  console.log(`  store page        ${storeMs.toFixed(0).padStart(6)} ms   (${list(times.store)}; another origin, the README's snippet)`);
  console.log(`  store / static    ${(storeMs / staticMs).toFixed(2).padStart(6)}      (target ≤ ${TARGETS.store_over_static})`);
  console.log(`  (the widget's own view drawn over it: ${storeDrawnMs.toFixed(0)} ms, ${(storeDrawnMs / staticMs).toFixed(2)}× static; ${list(times.store_drawn)})`);

  if (OUT) {
    mkdirSync(dirname(resolve(OUT)), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify({
      files, gzip_total: gzipTotal, zlib9_total: zlibTotal, raw_total: rawTotal, static_page_gzip: staticGzip,
      runs: RUNS, profile: { ...PROFILE, cpu_slowdown: CPU_SLOWDOWN },
      visible_ms: times,
      median_ms: { static: staticMs, widget: widgetMs, widget_drawn: drawnMs, store: storeMs, store_drawn: storeDrawnMs },
      ratio: widgetMs / staticMs, store_ratio: storeMs / staticMs,
      targets: TARGETS,
    }, null, 2)}\n`);
  }
} catch (error) {
  console.error(`bench widget: could not measure: ${error.stack ?? error}`);
  failed = true;
} finally {
  await browser?.close();
  await staticServer?.stop();
  await storeServer?.stop();
  await edge?.stop();
}
process.exit(failed ? 2 : 0);
