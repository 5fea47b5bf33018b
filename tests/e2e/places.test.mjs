// "Dónde pagar cerca de ti" (issue #22) in Chromium on the hosted page, against the edge's
// synthetic sample (`edge/places/`, loaded with `cargo xtask places import` as `cargo
// xtask dev` loads it):
//
// - before any tap: the network's finder and a map search per chain that takes the
//   amount, and no position asked;
// - position granted (Playwright's `setGeolocation`): the 5 nearest points, in the order
//   and with the content this file works out from the sample by brute force with its own
//   geohash; the request carries a 5-character cell, nothing finer;
// - refused, blocked by the page's Permissions-Policy, offline: the links and one
//   sentence; offline after a search, the list kept on the device with its date;
// - axe clean and no sideways scroll at 360 px; on paper, the finder's address and a QR
//   (read by zbar) to the hosted voucher.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';
import { artifact, zbar } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { efectyOrder, peOrder } from '../support/vale.mjs';
import { geohash } from '../support/geohash.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
// Plaza de Bolívar, Bogotá, and Plaza de Armas, Lima.
const BOGOTA = { latitude: 4.5981, longitude: -74.0761 };
const LIMA = { latitude: -12.0464, longitude: -77.0300 };

/** The chains whose reported caps (docs/api.md, networks.md) are below S/ 1,500. */
const CAPPED = ['Tambo+', 'Kasnet', 'Agente BCP', 'Agente Interbank', 'Agente Scotiabank', 'Niubiz', 'Red Digital'];

const edge = useEdge({ reports: true });
const merchant = edge.api();
const shopper = useShopper();

before(async () => {
  await edge.ready();
  for (const network of ['efecty', 'pagoefectivo']) {
    const run = spawnSync('cargo', ['xtask', 'places', 'import', join(root, 'edge', 'places', `sample-${network}.csv`),
      '--network', network], {
      cwd: root, encoding: 'utf8', timeout: 300_000,
      env: { ...process.env, VALE_DEV_STATE: edge.persist, WRANGLER_SEND_METRICS: 'false' },
    });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  }
});

/** Metres between two points (haversine). */
function metres([lat1, lon1], [lat2, lon2]) {
  const r = (d) => (d * Math.PI) / 180;
  const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(a));
}

/** The sample's rows (a CSV without quoted commas but in `hours`). */
function sample(network) {
  const [, ...lines] = readFileSync(join(root, 'edge', 'places', `sample-${network}.csv`), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    const [id, chain, name, address, city, lat, lon, hours] = cells;
    return { id, chain, name, address, city, lat: Number(lat), lon: Number(lon), hours };
  });
}

/**
 * What the section should list at `at`: the sample's points in the 5-character cell and
 * its neighbours, the edge's 10 nearest the cell's centre, then the 5 nearest the shopper.
 */
function expected(network, { latitude, longitude }, takes = () => true) {
  const { cell, centre, size } = geohash(latitude, longitude, 5);
  const cells = new Set();
  for (const dy of [-1, 0, 1]) for (const dx of [-1, 0, 1]) {
    cells.add(geohash(centre[0] + dy * size[0], centre[1] + dx * size[1], 5).cell);
  }
  const flat = ([lat0, lon0], p) => Math.hypot(p.lat - lat0, (p.lon - lon0) * Math.cos((lat0 * Math.PI) / 180));
  const ten = sample(network)
    .filter((p) => cells.has(geohash(p.lat, p.lon, 5).cell) && takes(p))
    .sort((a, b) => flat(centre, a) - flat(centre, b) || a.id.localeCompare(b.id))
    .slice(0, 10);
  const rows = ten.map((p) => ({ ...p, m: metres([latitude, longitude], [p.lat, p.lon]) }))
    .sort((a, b) => a.m - b.m).slice(0, 5);
  return { cell, rows };
}

async function issue(order) {
  // After the import (minutes without a request under load) the local server may have
  // closed the kept-alive connection fetch reuses: a create with the same reference is
  // not sent twice, it failed before reaching the edge.
  const post = () => merchant.post('/v1/vouchers', order);
  const created = await post().catch((e) => {
    if (e?.cause?.code !== 'UND_ERR_SOCKET') throw e;
    return post();
  });
  assert.equal(created.status, 201, created.text);
  return created.json;
}

/**
 * A phone context on the hosted page of `voucher`, with the position granted at `at`
 * (or not), counting each `getCurrentPosition` call and keeping every URL the page asks.
 */
async function open(voucher, { at, headers, dpr = 2 } = {}) {
  const context = await shopper.newContext({ ...PHONE, deviceScaleFactor: dpr, ...(at ? { geolocation: at } : {}) });
  if (at) await context.grantPermissions(['geolocation'], { origin: new URL(voucher.hosted_url).origin });
  await context.addInitScript(() => {
    window.__asked = 0;
    const geo = navigator.geolocation;
    const real = geo.getCurrentPosition.bind(geo);
    geo.getCurrentPosition = (...args) => { window.__asked += 1; return real(...args); };
  });
  if (headers) {
    // (The hosted page's service worker fetches its shell through here too, maybe after
    // the test: a request the closed context dropped is no failure.)
    await context.route((url) => url.pathname.startsWith('/v/'), async (route) => {
      try {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), ...headers } });
      } catch {
        // the context is closing
      }
    });
  }
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(r.url()));
  await page.goto(voucher.hosted_url);
  await page.locator('vale-voucher .barcode-scroll svg').waitFor({ timeout: 30_000 });
  return { context, page, asked, near: page.locator('vale-voucher .near') };
}

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

const sentence = (near) => near.locator('.near-why').textContent();

test('before any tap: the finder and a map search for each chain that takes the amount, no position asked', { timeout: 90_000 }, async () => {
  // S/ 1,500: above Tambo+'s, Kasnet's and most agents' caps (500 to 1,000 soles).
  const voucher = await issue(peOrder({ amount: 150_000 }));
  const { page, near } = await open(voucher);
  assert.equal(await near.locator('h3').textContent(), 'Dónde pagar cerca de ti');
  assert.equal(await near.locator('.near-finder a').getAttribute('href'), 'https://ubicanos.pagoefectivo.pe');
  const maps = await near.locator('.near-maps a').evaluateAll((as) => as.map((a) => [a.textContent, a.href]));
  const names = maps.map(([name]) => name);
  // Agente BBVA takes up to S/ 1,900, Western Union has no reported cap.
  assert.ok(names.includes('Western Union') && names.includes('Agente BBVA'), JSON.stringify(names));
  for (const capped of CAPPED) assert.ok(!names.includes(capped), capped);
  for (const [name, href] of maps) {
    assert.equal(href, `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(name)}`);
  }
  assert.match(await near.locator('.near-privacy').textContent(), /nunca sale de este teléfono con más detalle que el barrio/);
  assert.equal(await page.evaluate(() => window.__asked), 0, 'no position before the tap');
});

test('granted: the 5 nearest points of the sample, nearest first, from a 5-character cell', { timeout: 90_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const { page, near, asked } = await open(voucher, { at: BOGOTA });
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.points li').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__asked), 1);
  const { cell, rows } = expected('efecty', BOGOTA);
  assert.equal(rows.length, 5);
  // What left the page about the position: the cell, 5 characters, nothing finer.
  const sent = asked.filter((u) => u.includes('/places'));
  assert.deepEqual(sent.map((u) => new URL(u).search), [`?near=${cell}`]);
  assert.ok(!asked.some((u) => u.includes('4.598') || u.includes('74.076')), 'no coordinate in any URL');
  const shown = await near.locator('.points li:not([hidden])').evaluateAll((lis) => lis.map((li) => ({
    chain: li.querySelector('.point-chain').textContent,
    name: li.querySelector('strong').textContent,
    where: li.querySelector('.point-where').textContent,
    hours: li.querySelector('.point-hours:not([hidden])')?.textContent ?? null,
    go: li.querySelector('.point-go').href,
  })));
  assert.deepEqual(shown.map((s) => s.name), rows.map((r) => r.name));
  for (const [i, row] of rows.entries()) {
    const s = shown[i];
    assert.equal(s.chain, 'Efecty');
    assert.match(s.where, new RegExp(`^a \\d[\\d,]* k?m · ${row.address.replace(/[#]/g, '\\$&')}, Bogotá$`));
    const [, n, unit] = s.where.match(/^a ([\d,]+) (k?m)/);
    const m = unit === 'km' ? Number(n.replace(',', '.')) * 1000 : Number(n);
    assert.ok(Math.abs(m - row.m) <= (unit === 'km' ? 60 : 6) + row.m * 0.003, `${s.where} vs ${row.m} m`);
    assert.equal(s.hours === null, row.hours === '', `${row.id} hours`);
    if (row.hours === '24/7') assert.equal(s.hours, 'abierto las 24 horas');
    assert.equal(s.go, `https://www.google.com/maps/dir/?api=1&destination=${row.lat.toFixed(5)},${row.lon.toFixed(5)}`);
  }
  assert.equal(await near.locator('.near-why').isVisible(), false);
  assert.deepEqual(await axe(page), [], 'the list: axe');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'no sideways scroll at 360 px');
  // docs/near-360.png is a copy of this (the README shows it).
  await near.screenshot({ path: artifact('near-360.png') });
});

test('PagoEfectivo above most agents\' caps: the list leaves their points out', { timeout: 90_000 }, async () => {
  const voucher = await issue(peOrder({ amount: 150_000 }));
  const { near } = await open(voucher, { at: LIMA });
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.points li').first().waitFor({ timeout: 30_000 });
  const { rows } = expected('pagoefectivo', LIMA, (p) => !CAPPED.includes(p.chain));
  const names = await near.locator('.points li:not([hidden]) strong').allTextContents();
  assert.deepEqual(names, rows.map((r) => r.name));
  assert.ok(rows.length > 0 && !names.some((n) => n.startsWith('Tambo+') || n.startsWith('Kasnet')));
});

test('refused: the links and one sentence saying why', { timeout: 90_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const { near } = await open(voucher); // no permission granted: Chromium refuses
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.near-why').waitFor({ timeout: 30_000 });
  assert.match(await sentence(near), /^No diste permiso para usar tu ubicación\./);
  assert.equal(await near.locator('.points').isVisible(), false);
  assert.ok(await near.locator('.near-finder a').isVisible());
});

test('blocked by the page\'s Permissions-Policy: says so, asks nothing', { timeout: 90_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const { context, page, near, asked } = await open(voucher, { at: BOGOTA, headers: { 'permissions-policy': 'geolocation=()' } });
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.near-why').waitFor({ timeout: 30_000 });
  assert.match(await sentence(near), /^Esta página no permite pedir tu ubicación\./);
  assert.equal(await page.evaluate(() => window.__asked), 0);
  assert.ok(!asked.some((u) => u.includes('/places')));
  await context.unrouteAll({ behavior: 'ignoreErrors' });
});

test('offline: the sentence, and after a search the list kept on the phone with its date', { timeout: 90_000 }, async () => {
  const voucher = await issue(efectyOrder());
  const { context, page, near } = await open(voucher, { at: BOGOTA });
  // Never searched: offline, only the sentence.
  await context.setOffline(true);
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.near-why').waitFor({ timeout: 30_000 });
  assert.match(await sentence(near), /^Sin conexión no podemos buscar puntos\./);
  assert.equal(await near.locator('.points').isVisible(), false);
  // Online, a search; offline again, the same list with the day it was made.
  await context.setOffline(false);
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.points li').first().waitFor({ timeout: 30_000 });
  const names = await near.locator('.points li:not([hidden]) strong').allTextContents();
  await context.setOffline(true);
  await near.getByRole('button', { name: 'Buscar puntos cerca' }).click();
  await near.locator('.near-date').waitFor({ timeout: 30_000 });
  assert.match(await sentence(near), /^Sin conexión/);
  assert.match(await near.locator('.near-date').textContent(),
    /^Lista guardada el \S+ \d+ de \S+ a las? \d+:\d\d [ap]\. m\.; puede haber cambiado\.$/);
  assert.deepEqual(await near.locator('.points li:not([hidden]) strong').allTextContents(), names);
  assert.deepEqual(await axe(page), [], 'offline: axe');
  await context.setOffline(false);
});

test('on paper: the finder\'s address as text and a QR to the hosted voucher', { timeout: 90_000 }, async () => {
  const voucher = await issue(peOrder());
  // 16 mm on paper is about 60 CSS px: at 4 device pixels a CSS pixel, as many dots as a
  // 300 dpi printer gives it.
  const { page, near } = await open(voucher, { dpr: 4 });
  assert.equal(await near.locator('.near-paper').isVisible(), false, 'not on screen');
  await page.emulateMedia({ media: 'print' });
  const paper = near.locator('.near-paper');
  assert.ok(await paper.isVisible());
  assert.match(await paper.textContent(), /Dónde pagar: ubicanos\.pagoefectivo\.pe\./);
  assert.equal(await near.locator('.near-search').isVisible(), false, 'no button on paper');
  const shot = artifact('near-paper-qr.png');
  await paper.locator('svg').screenshot({ path: shot });
  const read = zbar(shot);
  assert.ok(read.some((line) => line.includes(voucher.hosted_url.split('?')[0])), `zbar read ${JSON.stringify(read)}`);
});
