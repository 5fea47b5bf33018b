// What a shopper does with the voucher after checkout, on the hosted page as they meet
// it: shows it to the cashier (scanned by zbar from screenshots at 1 and 3 device pixels
// per CSS pixel), opens it again with no network, sends it by WhatsApp, adds a reminder
// to a calendar (parsed by ical.js), on a 320 px phone; and every state passes axe with
// no serious or critical finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { root } from '../support/edge.mjs';
import { artifact, eventDetail, recordEvents, zbar } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { efectyOrder, peOrder } from '../support/vale.mjs';

const require = createRequire(import.meta.url);
const ICAL = require('ical.js');
const AXE = require.resolve('axe-core/axe.min.js');

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

const phone = (width, dpr) => ({
  viewport: { width, height: 740 }, deviceScaleFactor: dpr, isMobile: true, hasTouch: true,
});

async function issue(order) {
  const created = await merchant.post('/v1/vouchers', order);
  assert.equal(created.status, 201, created.text);
  return created.json;
}

/** Opens the voucher's hosted page and waits for the barcode. */
async function open(context, voucher) {
  const page = await context.newPage();
  await recordEvents(page);
  await page.goto(voucher.hosted_url);
  await page.locator('vale-voucher .barcode-scroll svg').waitFor({ timeout: 30_000 });
  return page;
}

const bare = (s) => s.replace(/[^0-9A-Za-z]/g, '');

// At 1× a screen is a laptop's: an Efecty GS1-128 is about 374 modules with its quiet
// zones, which a 1× 360 px phone cannot show at 2 device pixels a module either way.
const SCREENS = [
  [efectyOrder, 1, 1280, 800],
  [peOrder, 1, 1280, 800],
  [efectyOrder, 3, 360, 740],
  [peOrder, 3, 360, 740],
];
for (const [order, dpr, width, height] of SCREENS) {
  const network = order().network;
  test(`${network}: the cashier view scans from a screenshot at DPR ${dpr}, ${width}×${height}`, { timeout: 60_000 }, async () => {
    const voucher = await issue(order());
    const context = await shopper.newContext({ ...phone(width, dpr), viewport: { width, height } });
    try {
      const page = await open(context, voucher);
      const widget = page.locator('vale-voucher');
      await widget.getByRole('button', { name: 'Mostrar al cajero' }).click();
      const dialog = widget.getByRole('dialog', { name: 'Código para el cajero' });
      await dialog.waitFor();
      const box = await dialog.boundingBox();
      assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, width, height], 'the whole screen');
      assert.match(await dialog.textContent(), /Sube el brillo/);
      // The cashier's first question, "¿a qué empresa, a qué convenio?", answered (#14).
      assert.equal(await dialog.locator('.cashier-payee').textContent(),
        network === 'efecty' ? 'Tienda Local · Convenio 112233' : 'Tienda Local');
      const shot = artifact(`cashier-${network}-${width}x${height}-dpr${dpr}.png`);
      await page.screenshot({ path: shot });
      const decoded = zbar(shot);
      assert.ok(decoded.some((line) => bare(line).includes(bare(voucher.barcode.data))),
        `zbar read ${JSON.stringify(decoded)} from ${shot}, expected ${voucher.barcode.data}`);
      // Whole device pixels: the SVG's user units are device pixels, its CSS size is
      // units / DPR, and no coordinate has a fraction.
      const svg = await dialog.locator('svg').evaluate((s) => ({
        viewBox: s.getAttribute('viewBox'), width: s.getBoundingClientRect().width,
        d: s.querySelector('path').getAttribute('d'),
      }));
      const units = Number(svg.viewBox.split(' ')[2]);
      // (Layout keeps lengths in 1/64 CSS px: within that of units / DPR.)
      assert.ok(Math.abs(svg.width * dpr - units) <= dpr / 64, `${svg.width} CSS px × ${dpr} vs ${units}`);
      assert.doesNotMatch(svg.d, /\./);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
  });
}

test('the hosted page announces its wasm, which its loader then uses, with the HTML', { timeout: 60_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const context = await shopper.newContext(phone(360, 2));
  try {
    const page = await context.newPage();
    const wasmRequests = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmRequests.push(r.url()); });
    const preloadWarnings = [];
    page.on('console', (m) => { if (/preload/i.test(m.text())) preloadWarnings.push(m.text()); });
    await page.goto(voucher.hosted_url);
    await page.locator('vale-voucher .barcode-scroll svg').waitFor({ timeout: 30_000 });
    const wasm = readdirSync(join(root, 'www', 'widget'))
      .find((f) => /^vale\.[0-9a-f]{16}\.wasm$/.test(f));
    const preload = await page.locator('link[rel=preload][as=fetch]').getAttribute('href');
    assert.equal(preload, `/widget/${wasm}`);
    // Regression for the preload's CORS mode: a preload that the loader's fetch() does not
    // match is downloaded a second time, 75 KB more over 3G instead of a round trip less,
    // and Chromium says so ("A preload for … is found, but is not used because the request
    // credentials mode does not match"). The page's own copy for offline use (hosted.js,
    // after vale:ready) may fetch it again later, so only the first request is pinned.
    assert.equal(wasmRequests[0], `${edge.base}/widget/${wasm}`);
    assert.deepEqual(preloadWarnings, []);
  } finally {
    await context.close();
  }
});

test('after one visit the voucher opens with no network, marked offline with its time', { timeout: 200_000 }, async () => {
  const voucher = await issue(efectyOrder());
  /** One visit, then the network cut and the page reloaded: the page, or the reload's error. */
  const visitThenReloadOffline = async (context, seen, onRequest) => {
    const page = await open(context, voucher);
    // The service worker took the page, and the page filled its cache, the wasm included
    // (regression: the page once looked for the wasm in the resource timing buffer, whose
    // entry could come after vale:ready on a loaded machine, and kept no wasm at all).
    // Each found by match(), not only listed: Chrome lists an entry in keys() while its
    // put is still writing it (seen here: listed, yet not matched until a moment later).
    await page.waitForFunction(async () => {
      const cache = await caches.open('vale-hosted-1');
      const kept = (await cache.keys()).map((r) => new URL(r.url).pathname);
      const wasm = kept.find((p) => /^\/widget\/vale\.[0-9a-f]{16}\.wasm$/.test(p));
      if (navigator.serviceWorker.controller === null || !wasm) return false;
      const found = await Promise.all(['/v/', '/hosted.js', '/widget/vale.js', '/favicon.svg', wasm]
        .map((p) => cache.match(p, { ignoreVary: true })));
      return found.every(Boolean);
    }, null, { timeout: 20_000 });
    // And the widget kept its copy of the voucher on the device.
    await page.waitForFunction((id) => Object.keys(localStorage)
      .some((k) => k.startsWith('vale:voucher:') && k.endsWith(`/v1/vouchers/${id}`)), voucher.id, { timeout: 20_000 });
    await context.setOffline(true);
    page.on('request', onRequest);
    page.on('console', (m) => seen.push(`${m.type()}: ${m.text()}`));
    page.on('requestfailed', (r) => seen.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    const reloaded = await page.reload().then(() => ({ page }), (error) => ({ error }));
    if (reloaded.error) return reloaded;
    // The same Chromium miss, later: the page came from the worker but the wasm did not
    // (CI run 5: ERR_ABORTED then ERR_FAILED on a wasm the cache had just matched).
    const widget = page.locator('vale-voucher');
    const drawn = await Promise.race([
      widget.locator('.barcode-scroll svg').waitFor({ timeout: 30_000 }).then(() => true, () => false),
      widget.getByText('No pudimos cargar', { exact: false }).waitFor({ timeout: 30_000 }).then(() => false, () => false),
    ]);
    const wasmMissed = seen.some((line) => /^failed: .*\/widget\/vale\.[0-9a-f]{16}\.wasm /.test(line));
    if (!drawn && wasmMissed) return { error: new Error('the offline reload did not get the wasm from the worker') };
    return reloaded;
  };
  // Here the offline reload failed in a quarter of visits, and in most first visits of
  // a browser: Chromium's service worker found its cache empty although the page had just
  // matched every kept file in it (seen by logging from the worker), or was not asked at
  // all. A persistent profile did no better. The next visit, in a new context, goes
  // through. Up to four visits, each one whole; all four failing fails the test.
  let context;
  let page;
  let apiCalls = 0;
  const seen = [];
  const failures = [];
  for (let visit = 1; !page; visit += 1) {
    context = await shopper.newContext(phone(360, 2));
    const outcome = await visitThenReloadOffline(context, seen, (r) => {
      if (r.url().includes('/v1/')) apiCalls += 1;
    });
    if (outcome.page) {
      page = outcome.page;
    } else {
      failures.push(outcome.error.message.split('\n')[0]);
      await context.close();
      if (visit === 4) assert.fail(`the offline reload failed in four visits: ${failures.join('; ')}`);
      seen.length = 0;
      apiCalls = 0;
    }
  }
  if (failures.length > 0) console.log(`offline reload: retried after ${failures.join('; ')}`);
  try {
    const widget = page.locator('vale-voucher');
    await widget.locator('.barcode-scroll svg').waitFor({ timeout: 30_000 }).catch(async (error) => {
      // What the shopper saw and what the page tried, for a failure that only a loaded
      // machine shows.
      const shown = await widget.evaluate((w) => w.shadowRoot?.textContent ?? '(no shadow root)').catch(String);
      throw new Error(`${error.message}\nthe widget showed: ${shown}\nthe page: ${seen.join('\n')}`);
    });
    const line = await widget.locator('.stale.offline').textContent();
    assert.match(line, /^Sin conexión, actualizado a las \d\d:\d\d\. Es la copia guardada/);
    assert.equal(bare(await widget.locator('.code .sr').textContent()), voucher.payment_code);
    assert.ok(apiCalls >= 1, 'the widget still asked the network');
    await widget.screenshot({ path: artifact('offline.png') });
    assert.deepEqual(await axe(page), [], 'offline: axe');

    // Back online, a payment made meanwhile replaces the copy at once.
    const paid = await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/pay`);
    assert.equal(paid.status, 200, paid.text);
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('visibilitychange')));
    await widget.locator('.outcome.paid').waitFor({ timeout: 30_000 });
    assert.equal(await widget.locator('.stale').isVisible(), false);
  } finally {
    await context.close();
  }
});

test('WhatsApp carries the code, amount, deadline and link; the reminder is the deadline in -05:00 with a 2 h alarm',
  { timeout: 60_000 }, async () => {
    const voucher = await issue(peOrder());
    const context = await shopper.newContext({ ...phone(360, 2), acceptDownloads: true });
    try {
      const page = await open(context, voucher);
      const widget = page.locator('vale-voucher');
      const href = await widget.getByRole('link', { name: 'Enviar por WhatsApp' }).getAttribute('href');
      const url = new URL(href);
      assert.equal(url.origin + url.pathname, 'https://wa.me/');
      const text = url.searchParams.get('text');
      assert.ok(bare(text).includes(voucher.payment_code), text);
      assert.match(text, /S\/\s25\.00/);
      assert.match(text, /Paga antes del .* \(hora de Perú\)/);
      const link = new URL(text.match(/https?:\/\/\S+$/)[0]);
      assert.equal(link.searchParams.get('cs'), voucher.client_secret);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        widget.getByRole('link', { name: 'Recordatorio' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'recordatorio-pagoefectivo.ics');
      const path = artifact('reminder.ics');
      await download.saveAs(path);
      const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, 'utf8')));
      const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent'));
      assert.equal(event.startDate.toJSDate().getTime(), Date.parse(voucher.expires_at));
      assert.equal(event.startDate.utcOffset(), -5 * 3600);
      const vevent = calendar.getFirstSubcomponent('vevent');
      assert.equal(vevent.getFirstProperty('dtstart').getParameter('tzid'), 'America/Lima');
      assert.equal(calendar.getFirstSubcomponent('vtimezone').getFirstPropertyValue('tzid'), 'America/Lima');
      const alarm = vevent.getFirstSubcomponent('valarm');
      assert.equal(alarm.getFirstPropertyValue('trigger').toSeconds(), -2 * 3600);
      assert.ok(bare(event.description).includes(voucher.payment_code));
    } finally {
      await context.close();
    }
  });

/** Pages of a PDF, by poppler's pdfinfo. */
const pages = (pdf) => Number(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }).match(/^Pages:\s+(\d+)/m)[1]);

/** The first page of a PDF as a PNG at `dpi` (poppler's pdftoppm), as a printer would. */
function rasterize(pdf, dpi) {
  const prefix = pdf.replace(/\.pdf$/, `-${dpi}dpi`);
  execFileSync('pdftoppm', ['-r', String(dpi), '-png', '-f', '1', '-l', '1', pdf, prefix]);
  const png = readdirSync(dirname(pdf)).find((f) => f.startsWith(`${basename(prefix)}-`) && f.endsWith('.png'));
  return join(dirname(pdf), png);
}

const PAPERS = [
  ['A4', { format: 'A4' }],
  // A receipt roll: 58 mm wide, as long as the slip needs.
  ['58mm', { width: '58mm', height: '400mm' }],
];
for (const [order, network] of [[efectyOrder, 'efecty'], [peOrder, 'pagoefectivo']]) {
  for (const [paper, format] of PAPERS) {
    test(`${network}: printed on ${paper}, one page, and the barcode scans from it at 300 dpi`, { timeout: 60_000 }, async () => {
      const voucher = await issue(order());
      const context = await shopper.newContext(phone(360, 2));
      try {
        const page = await open(context, voucher);
        const pdf = artifact(`print-${network}-${paper}.pdf`);
        await page.pdf({ path: pdf, printBackground: true, ...format });
        assert.equal(pages(pdf), 1, `${pdf} has more than one page`);
        const png = rasterize(pdf, 300);
        const decoded = zbar(png);
        assert.ok(decoded.some((line) => bare(line).includes(bare(voucher.barcode.data))),
          `zbar read ${JSON.stringify(decoded)} from ${png}, expected ${voucher.barcode.data}`);
        // The code and the amount are on the paper too, for a cashier who types.
        const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
        assert.ok(bare(text).includes(voucher.payment_code), text);
      } finally {
        await context.close();
      }
    });
  }
}

/** Serious and critical axe findings on the page, shadow roots included. */
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Rewrites the edge's answers on their way to the page. */
const rewrite = (page, voucher, change) => page.route(`${edge.base}/v1/vouchers/${voucher.id}`, async (route) => {
  const response = await route.fetch();
  const body = await response.json();
  change(body);
  await route.fulfill({ response, json: body });
});

const lima = (ms) => `${new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;

test('every state reads on a 320 px phone with no sideways scroll and no serious axe finding',
  { timeout: 180_000 }, async () => {
    const states = [
      ['pending', async (p) => p.locator('vale-voucher .barcode-scroll svg').waitFor()],
      ['cashier', async (p) => {
        await p.locator('vale-voucher').getByRole('button', { name: 'Mostrar al cajero' }).click();
        await p.locator('vale-voucher .cashier').waitFor();
      }],
      ['under two hours', async (p) => p.locator('vale-voucher .soon:not([hidden])').waitFor(),
        (b) => { b.server_time = lima(Date.parse(b.expires_at) - 60 * 60_000); }],
      ['confirming', async (p) => p.locator('vale-voucher .outcome.waiting').waitFor(),
        (b) => { b.server_time = lima(Date.parse(b.expires_at) + 10 * 60_000); }],
      ['paid', async (p) => p.locator('vale-voucher .outcome.paid').waitFor(), (b) => { b.status = 'paid'; }],
      ['expired', async (p) => p.locator('vale-voucher .outcome.closed').waitFor(),
        (b) => { b.status = 'expired'; b.return_url = 'https://tienda.example/pedido'; }],
      ['error', async (p) => p.locator('vale-voucher .outcome.problem').waitFor(), null, true],
    ];
    const found = {};
    for (const [name, ready, change, wrongSecret] of states) {
      const voucher = await issue(efectyOrder());
      const context = await shopper.newContext(phone(320, 2));
      try {
        const page = await context.newPage();
        if (change) await rewrite(page, voucher, change);
        const url = new URL(voucher.hosted_url);
        if (wrongSecret) url.searchParams.set('cs', `${voucher.id}_secret_wrong`);
        await page.goto(url.href);
        await ready(page);
        // The status line is a polite live region and says what is shown.
        const live = page.locator('vale-voucher [role=status][aria-live=polite]').first();
        assert.ok((await live.textContent()).length > 0, `${name}: the live region is empty`);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scroll <= 320, `${name}: ${scroll} px wide at 320`);
        await page.screenshot({ path: artifact(`state-320-${name.replace(/ /g, '-')}.png`) });
        found[name] = await axe(page);
      } finally {
        await context.close();
      }
    }
    for (const [name, list] of Object.entries(found)) assert.deepEqual(list, [], name);
  });

test('at 200 % zoom the voucher reflows, and reduced motion stills the loading skeleton', { timeout: 60_000 }, async () => {
  const voucher = await issue(efectyOrder());
  // A 1280 px laptop at 200 %: 640 CSS px at 2 device pixels each.
  const context = await shopper.newContext({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
  try {
    const page = await open(context, voucher);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 640, `${scroll} px wide at 640`);
    const clipped = await page.locator('vale-voucher').evaluate((host) =>
      [...host.shadowRoot.querySelectorAll('p, h2, h3, button, a, summary')]
        .filter((e) => !e.classList.contains('sr'))
        .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'hidden')
        .map((e) => e.className));
    assert.deepEqual(clipped, [], 'no text cut off');
    await page.close();

    // The first answer held back on the hosted page: the voucher the edge drew into it
    // shows through the widget's slot, and no skeleton.
    const held = await context.newPage();
    await held.route(`${edge.base}/v1/vouchers/${voucher.id}`, () => {});
    await held.goto(voucher.hosted_url);
    await held.locator('vale-voucher .sk').first().waitFor({ state: 'attached' });
    // The barcode's drawing (the first paint also holds the places section's paper QR).
    assert.ok(await held.locator('vale-voucher > .vale-first .barcode-page svg').isVisible(), 'the first paint shows while loading');
    assert.equal(await held.locator('vale-voucher .sk').first().isVisible(), false);
    await held.close();

    // With nothing drawn in the page (the shell): the skeleton shows, still when motion
    // is reduced. Service workers off: a navigation the page's worker answers passes by
    // Playwright's routes, and the shell is asked for by a header a route adds.
    const shells = await shopper.newContext({ viewport: { width: 640, height: 400 }, serviceWorkers: 'block' });
    for (const motion of ['reduce', 'no-preference']) {
      const slow = await shells.newPage();
      await slow.emulateMedia({ reducedMotion: motion });
      await slow.route(`${edge.base}/v1/vouchers/${voucher.id}`, () => {});
      await slow.route(voucher.hosted_url, (route) =>
        route.continue({ headers: { ...route.request().headers(), 'x-vale-shell': '1' } }));
      await slow.goto(voucher.hosted_url);
      const sk = slow.locator('vale-voucher .sk').first();
      await sk.waitFor();
      const animation = await sk.evaluate((e) => getComputedStyle(e).animationName);
      if (motion === 'reduce') assert.equal(animation, 'none');
      else assert.notEqual(animation, 'none');
      await slow.close();
    }
    await shells.close();
  } finally {
    await context.close();
  }
});

test('every control is reached with the keyboard, in order, and works from it', { timeout: 60_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const context = await shopper.newContext(phone(360, 2));
  try {
    const page = await open(context, voucher);
    const names = [];
    // (18: "Dónde pagar cerca de ti" put its finder and map links before its button.)
    for (let i = 0; i < 18; i += 1) {
      await page.keyboard.press('Tab');
      names.push(await page.evaluate(() => {
        const el = document.querySelector('vale-voucher').shadowRoot.activeElement;
        return el ? `${el.tagName.toLowerCase()}:${el.textContent.trim().slice(0, 24)}` : null;
      }));
    }
    for (const label of ['Copiar referencia', 'Mostrar al cajero', 'Imprimir', 'Enviar por WhatsApp',
      'Recordatorio', 'En un punto Efecty', 'Buscador de puntos', 'Buscar puntos cerca']) {
      assert.ok(names.some((n) => n?.includes(label)), `${label} not reached: ${JSON.stringify(names)}`);
    }
    // Enter on "Mostrar al cajero" opens it, Escape closes it and gives the focus back.
    const widget = page.locator('vale-voucher');
    await widget.getByRole('button', { name: 'Mostrar al cajero' }).focus();
    await page.keyboard.press('Enter');
    await widget.locator('.cashier').waitFor();
    // The view gives its close button the focus on the next tick; a person presses Escape
    // after that. (CI run 3: Escape sent before the move, under load, left the view open.)
    await page.waitForFunction(() =>
      document.querySelector('vale-voucher').shadowRoot.activeElement?.textContent === 'Cerrar', null, { timeout: 5_000 });
    await page.keyboard.press('Escape');
    await widget.locator('.cashier').waitFor({ state: 'detached' });
    const back = await page.evaluate(() => document.querySelector('vale-voucher').shadowRoot.activeElement?.textContent);
    assert.equal(back, 'Mostrar al cajero');
    assert.ok((await eventDetail(page, 'vale:ready')).status === 'pending');
  } finally {
    await context.close();
  }
});
