// The merchant's dashboard in Chromium against the edge (issue #24): signing in with each
// key kind (the key never kept in the page), finding a voucher paid through the sandbox
// by its payment code and reading the raw notification, approving a refund with a
// restricted session (and not with the secret key's), uploading a settlement file and
// reading its mismatch, seeing a disabled endpoint and re-enabling it, a cross-origin
// form post and fetch with the cookie both failing, axe on every view at 360 px, a
// screenshot of each view in tests/artifacts/ (dashboard-*.png), each fitting its width
// (lists are cards on a phone); a platform's sellers, balances, payouts and statements;
// and a live key's own session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';
import { artifact } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { api, efectyOrder, peOrder, ref } from '../support/vale.mjs';
import { peCsv } from '../support/settlement.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };

const LIVE_KEY = 'sk_live_dashboard_e2e';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
/** edge/.dev.vars' merchants, mer_local with a live secret key as well. */
const merchants = () => {
  const line = readFileSync(join(root, 'edge', '.dev.vars'), 'utf8').split('\n').find((l) => l.startsWith('MERCHANTS='));
  const list = JSON.parse(line.slice('MERCHANTS='.length).replace(/^'|'$/g, ''));
  const local = list.find((m) => m.id === 'mer_local');
  local.keys = [...local.keys, { sha256: sha256(LIVE_KEY), mode: 'live', role: 'secret' }];
  return JSON.stringify(list);
};
// Sessions live in the reporting database: an edge with its schema.
const edge = useEdge({ reports: true, vars: { MERCHANTS: merchants() } });
const merchant = edge.api();
const shopper = useShopper();

const AXE_SOURCE = readFileSync(AXE, 'utf8');

/**
 * Serious and critical axe findings on the page. axe goes in through the DevTools
 * protocol: the dashboard's Content-Security-Policy refuses an injected <script>.
 */
async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** A page signed in with `key` (through the sign-in form), on `view`. */
async function signedIn(key, view = 'vouchers', options = PHONE) {
  const context = await shopper.newContext(options);
  const page = await context.newPage();
  await page.goto(`${edge.base}/dashboard/#/test/${view}`);
  await page.getByLabel('Clave de API').fill(key);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('navigation', { name: 'Secciones' }).waitFor();
  return { context, page };
}

/** Regression (issue #24, 360 px): nothing on the page scrolls sideways. */
async function fits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what}: scrollWidth ${scroll} > innerWidth ${inner}`);
}

/** A screenshot of the page, which first must fit its width (every view, phone or desktop). */
async function shot(page, name) {
  await fits(page, name);
  await page.screenshot({ path: artifact(`dashboard-${name}.png`), fullPage: true });
}

/** A paid voucher above mer_local's COP 1.000.000 approval threshold and its refund, waiting. */
async function refundWaiting() {
  const v = (await merchant.post('/v1/vouchers', efectyOrder({ amount: 150_000_000 }))).json;
  assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);
  const r = (await merchant.post('/v1/refunds', { voucher: v.id, reason: 'requested_by_customer' })).json;
  const chosen = await api(edge.base, r.client_secret).post(`/v1/refunds/${r.id}/destination`, {
    destination: { type: 'cash_pickup', name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050', phone: '300 123 4567' },
  });
  assert.equal(chosen.json.status, 'pending_approval', chosen.text);
  return r;
}

describe('signing in', () => {
  test('with a secret key: the key leaves the page, only an HttpOnly cookie stays', async () => {
    const context = await shopper.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${edge.base}/dashboard/`);
    await page.getByRole('heading', { name: 'Entrar al panel' }).waitFor();
    assert.deepEqual(await axe(page), [], 'sign-in: axe');
    await shot(page, 'signin-360');
    await page.getByLabel('Clave de API').fill('sk_test_local');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { name: 'Vouchers' }).waitFor();
    const kept = await page.evaluate(() => ({
      html: document.documentElement.outerHTML,
      local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage),
      cookie: document.cookie, field: document.querySelector('#key')?.value ?? null,
    }));
    assert.ok(!kept.html.includes('sk_test_local'), 'the key is not in the page');
    assert.equal(kept.local, '{}');
    assert.equal(kept.session, '{}');
    assert.equal(kept.cookie, '', 'the session cookie is HttpOnly');
    const [cookie] = await context.cookies(`${edge.base}/dashboard/`);
    assert.equal(cookie.name, 'vale_dash_test');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/dashboard');
    assert.match(await page.locator('header').innerText(), /Tienda Local · clave secreta/);
    // The mode switch is visible, and live has its own session (none here).
    await page.getByRole('button', { name: 'Producción' }).click();
    await page.getByText('Modo producción: usa una clave sk_live_ o rk_live_.').waitFor();
    await page.getByRole('button', { name: 'Prueba' }).click();
    await page.getByRole('heading', { name: 'Vouchers' }).waitFor();
    await page.getByRole('button', { name: 'Salir' }).click();
    await page.getByRole('heading', { name: 'Entrar al panel' }).waitFor();
  });

  test('with a restricted key; a wrong key says so and keeps nothing', async () => {
    const context = await shopper.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${edge.base}/dashboard/`);
    await page.getByLabel('Clave de API').fill('rk_test_nobody');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('alert').filter({ hasText: 'no es de ningún comercio' }).waitFor();
    assert.equal(await page.locator('#key').inputValue(), '', 'the field is emptied');
    await page.getByLabel('Clave de API').fill('rk_test_local');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByText('Tienda Local · clave restringida').waitFor();
  });
});

describe('the views', () => {
  test('a voucher paid through the sandbox, found by its payment code, with its raw notification, its event and the delivery\'s response code', async (t) => {
    const receiver = createServer((req, res) => { req.resume(); res.writeHead(204).end(); });
    await new Promise((done) => receiver.listen(0, '127.0.0.1', done));
    t.after(() => receiver.close());
    const ep = (await merchant.post('/v1/webhook_endpoints', { url: `http://127.0.0.1:${receiver.address().port}/ok-${ref()}`, events: ['voucher.paid'] })).json;
    t.after(() => merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`));
    const v = (await merchant.post('/v1/vouchers', peOrder())).json;
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);
    const trail = (await merchant.get(`/v1/vouchers/${v.id}/notifications`)).json.data;
    assert.equal(trail.length, 1);
    let delivered;
    for (const stop = Date.now() + 20_000; Date.now() < stop && !delivered;) {
      const [evt] = (await merchant.get(`/v1/events?voucher=${v.id}`)).json.data;
      const rows = evt ? (await merchant.get(`/v1/events/${evt.id}/deliveries`)).json.data : [];
      delivered = rows.find((d) => d.endpoint === ep.id && d.status === 'succeeded');
      if (!delivered) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(delivered, 'the event reached the endpoint');
    const { page } = await signedIn('rk_test_local');
    await page.getByLabel('Código de pago').fill(v.payment_code);
    await page.getByRole('button', { name: 'Buscar' }).click();
    const link = page.getByRole('link', { name: v.reference });
    await link.waitFor();
    assert.equal(await page.locator('main tbody tr').count(), 1);
    assert.match(await page.locator('main tbody tr').innerText(), /S\/\u00a025\.00/);
    assert.deepEqual(await axe(page), [], 'vouchers: axe');
    await shot(page, 'vouchers-360');
    await link.click();
    await page.getByRole('heading', { name: `Voucher ${v.reference}` }).waitFor();
    const raw = await page.locator('pre').first().textContent();
    assert.equal(raw, trail[0].body, 'the body byte for byte as received');
    assert.match(await page.locator('ol.timeline').first().innerText(), /Creado[\s\S]*Notificación de pagoefectivo: applied[\s\S]*Pagado/);
    const event = page.locator('ol.events li').filter({ hasText: 'voucher.paid' });
    await event.locator(`li[data-endpoint="${ep.id}"]`).filter({ hasText: 'HTTP 204' }).waitFor();
    assert.match(await event.innerText(), /HTTP 204 · 1 intento · Entregado/);
    assert.deepEqual(await axe(page), [], 'voucher page: axe');
    await shot(page, 'voucher-360');
  });

  test('vouchers by day, newest first, a page beyond the first and back', async () => {
    const made = [];
    for (let i = 0; i < 21; i += 1) made.push((await merchant.post('/v1/vouchers', efectyOrder())).json);
    const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 19 * 3600_000).toISOString().slice(0, 10);
    const { page } = await signedIn('rk_test_local');
    const refs = () => page.locator('main tbody tr td:first-child a').allInnerTexts();
    await page.getByLabel('Desde').fill(tomorrow);
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.getByText('No hay vouchers con esos datos.').waitFor();
    await page.getByLabel('Desde').fill(today);
    await page.getByLabel('Hasta').fill(today);
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.getByRole('link', { name: made.at(-1).reference }).waitFor();
    const first = await refs();
    assert.equal(first.length, 20);
    assert.deepEqual(first.slice(0, 20), made.slice(1).reverse().map((v) => v.reference), 'newest first');
    await page.getByRole('button', { name: 'Siguiente' }).click();
    await page.getByRole('link', { name: made[0].reference }).waitFor();
    const second = await refs();
    assert.equal(second[0], made[0].reference, 'the page after the first');
    assert.ok(second.every((r) => !first.includes(r)), 'no voucher twice');
    await page.getByRole('button', { name: 'Anterior' }).click();
    await page.getByRole('link', { name: made.at(-1).reference }).waitFor();
    assert.deepEqual(await refs(), first);
    assert.deepEqual(await axe(page), [], 'vouchers by day: axe');
    await shot(page, 'vouchers-by-day-360');
  });

  test('a restricted session approves a refund; the secret key\'s session cannot', async () => {
    const r = await refundWaiting();
    const secret = await signedIn('sk_test_local', 'refunds');
    const row = (page) => page.locator(`tr[data-refund="${r.id}"]`);
    await row(secret.page).waitFor();
    assert.equal(await row(secret.page).getByRole('button', { name: 'Aprobar' }).count(), 0, 'no button for the secret key');
    const refused = await secret.page.evaluate((id) => fetch(`/dashboard/api/test/v1/refunds/${id}/approve`, { method: 'POST' })
      .then((resp) => resp.status), r.id);
    assert.equal(refused, 403, 'and the edge refuses it');
    const { page } = await signedIn('rk_test_local', 'refunds', DESKTOP);
    await row(page).getByRole('button', { name: 'Aprobar' }).waitFor();
    assert.match(await row(page).innerText(), /document_number: ••••4050/, 'the destination, masked');
    assert.deepEqual(await axe(page), [], 'refunds: axe');
    await shot(page, 'refunds-desktop');
    await row(page).getByRole('button', { name: 'Aprobar' }).click();
    await page.getByRole('status').filter({ hasText: `Reembolso aprobado: ${r.id}` }).waitFor();
    await row(page).getByText('En proceso').waitFor();
    assert.equal((await merchant.get(`/v1/refunds/${r.id}`)).json.status, 'processing');
  });

  test('a settlement file uploaded, its mismatch counted and listed', async () => {
    const v = (await merchant.post('/v1/vouchers', peOrder())).json;
    const file = peCsv([{ cip: v.payment_code, amount: '30.00', operation: `op${Date.now()}` }]);
    const { page } = await signedIn('sk_test_local', 'settlements');
    await page.locator('select[name=network]').selectOption('pagoefectivo');
    await page.getByLabel('Archivo de la red').setInputFiles({ name: 'pagoefectivo.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Subir y conciliar' }).click();
    await page.getByRole('button', { name: /Monto distinto: 1/ }).waitFor();
    const line = page.locator('section.card tbody tr').filter({ hasText: v.payment_code });
    await line.waitFor();
    assert.match(await line.innerText(), /S\/\u00a030\.00[\s\S]*S\/\u00a025\.00/);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Descargar CSV' }).click();
    const csv = await (await downloading).path().then((p) => readFileSync(p, 'utf8'));
    assert.match(csv, /^line,category,payment_code,voucher,amount,voucher_amount,operation,paid_at/);
    assert.ok(csv.includes(`amount_mismatch,${v.payment_code},${v.id},3000,2500`), csv);
    await page.getByText(/1 archivos con diferencias en 30 días/).waitFor();
    assert.deepEqual(await axe(page), [], 'settlements: axe');
    await shot(page, 'settlements-360');
  });

  test('a disabled endpoint says why and is re-enabled; a rotated secret is shown once', { timeout: 90_000 }, async () => {
    const receiver = createServer((req, res) => { req.resume(); res.writeHead(500).end(); });
    await new Promise((done) => receiver.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${receiver.address().port}/down-${ref()}`;
    const ep = (await merchant.post('/v1/webhook_endpoints', { url, events: ['voucher.paid'] })).json;
    try {
      const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
      await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
      const advance = (seconds) => merchant.post(`/v1/sandbox/webhook_endpoints/${ep.id}/advance`, { seconds });
      let got;
      for (const stop = Date.now() + 60_000; Date.now() < stop;) {
        await advance(2 * 86_400);
        got = (await merchant.get(`/v1/webhook_endpoints/${ep.id}`)).json;
        if (got.status === 'disabled') break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.equal(got.status, 'disabled');
      const { page } = await signedIn('sk_test_local', 'webhooks');
      const card = page.locator(`li[data-endpoint="${ep.id}"]`);
      await card.getByText('Desactivado').waitFor();
      // Its failed deliveries, with the code the endpoint answered.
      await page.locator(`ul.deliveries li[data-endpoint="${ep.id}"]`).filter({ hasText: 'HTTP 500' }).first().waitFor();
      assert.equal(await card.locator('.why').innerText(), got.disabled_reason);
      assert.deepEqual(await axe(page), [], 'webhooks: axe');
      await shot(page, 'webhooks-360');
      await card.getByRole('button', { name: 'Reactivar' }).click();
      await card.getByText('Activo').waitFor();
      assert.equal((await merchant.get(`/v1/webhook_endpoints/${ep.id}`)).json.status, 'enabled');
      await card.getByRole('button', { name: 'Rotar secreto' }).click();
      const secret = await page.getByRole('region', { name: 'Secreto nuevo' }).locator('pre').innerText();
      assert.match(secret, /^whsec_/);
      await page.getByRole('button', { name: 'Ya lo guardé' }).click();
      assert.ok(!(await page.content()).includes(secret), 'shown once, then gone');
    } finally {
      await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
      receiver.close();
    }
  });

  test('reviews: a restricted session sees them (axe, screenshot)', async () => {
    const { page } = await signedIn('rk_test_local', 'reviews');
    await page.getByRole('heading', { name: 'Revisiones' }).waitFor();
    await page.locator('main table, main .empty').first().waitFor();
    assert.deepEqual(await axe(page), [], 'reviews: axe');
    await shot(page, 'reviews-360');
  });
});

describe('a marketplace platform', () => {
  const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };

  test('its sellers with status and requirements; a seller\'s balance, movements, payouts, vouchers and statement', { timeout: 180_000 }, async () => {
    const platform = api(edge.base, 'sk_test_platform');
    const account = async (body) => {
      const r = await platform.post('/v1/accounts', { country: 'PE', document_type: 'DNI', ...body });
      assert.equal(r.status, 201, r.text);
      return r.json;
    };
    const waiting = await account({ display_name: `Sin destino ${process.pid}`, document_number: '11112222' });
    const seller = await account({ display_name: `Bodega ${process.pid}`, document_number: '12345678',
      payout_destination: YAPE, payout_schedule: { interval: 'manual' } });
    const sold = (await platform.post('/v1/vouchers', peOrder({ amount: 3_000, splits: [{ account: seller.id, amount: 2_500 }] }))).json;
    assert.equal((await platform.post(`/v1/sandbox/vouchers/${sold.id}/pay`)).status, 200);
    // The day's file settles it: the seller's money becomes available, and is paid out by hand.
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const applied = await platform.post(`/v1/sandbox/settlements/${day}/apply?network=pagoefectivo`);
    assert.ok([200, 201, 202].includes(applied.status), applied.text);
    let payout;
    for (const stop = Date.now() + 120_000; Date.now() < stop;) {
      payout = await platform.post('/v1/payouts', { account: seller.id });
      if (payout.status === 201) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(payout.status, 201, payout.text);
    assert.equal(payout.json.amount, 2_500);

    const { page } = await signedIn('sk_test_platform', 'sellers');
    const row = (id) => page.locator(`tr[data-account="${id}"]`);
    await row(seller.id).waitFor();
    assert.match(await row(seller.id).innerText(), /Activo[\s\S]*Nada pendiente[\s\S]*A mano/);
    assert.match(await row(waiting.id).innerText(), /Pendiente[\s\S]*Falta: destino de pagos/);
    assert.deepEqual(await axe(page), [], 'sellers: axe');
    await shot(page, 'sellers-360');

    await row(seller.id).getByRole('link').click();
    await page.getByRole('heading', { name: seller.display_name }).waitFor();
    await page.locator('tr[data-payout]').first().waitFor();
    assert.match(await page.locator(`tr[data-payout="${payout.json.id}"]`).innerText(), /S\/\u00a025\.00[\s\S]*En camino/);
    assert.equal(await page.locator('dl.balance dd.available').innerText(), 'S/\u00a00.00', 'all of it paid out');
    const movements = await page.locator('table.txns tbody').innerText();
    assert.match(movements, /Pago al vendedor[\s\S]*-S\/\u00a025\.00/);
    assert.match(movements, /Venta[\s\S]*S\/\u00a025\.00[\s\S]*S\/\u00a05\.00/, 'net and the platform\'s fee');
    // Acting for the seller: the vouchers with a share for it, and only those.
    const link = page.getByRole('link', { name: sold.reference });
    await link.waitFor();
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Descargar extracto CSV' }).click();
    const csv = await (await downloading).path().then((p) => readFileSync(p, 'utf8'));
    assert.match(csv, /^row,id,created_at,type,status,available_at,source,payment_code,network,currency,gross,fee,net,payout/);
    assert.ok(csv.includes(payout.json.id) && csv.includes(sold.payment_code), csv);
    assert.deepEqual(await axe(page), [], 'seller: axe');
    await shot(page, 'seller-360');
  });

  test('mer_local is no platform: no sellers in its navigation', async () => {
    const { page } = await signedIn('sk_test_local');
    assert.equal(await page.getByRole('navigation', { name: 'Secciones' }).getByRole('link', { name: 'Vendedores' }).count(), 0);
  });
});

describe('live mode', () => {
  test('a live key signs in to its own session and sees no test data', async () => {
    const testVoucher = (await merchant.post('/v1/vouchers', peOrder())).json;
    const context = await shopper.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${edge.base}/dashboard/#/live/vouchers`);
    await page.getByText('Modo producción: usa una clave sk_live_ o rk_live_.').waitFor();
    await page.getByLabel('Clave de API').fill(LIVE_KEY);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { name: 'Vouchers' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Producción' }).getAttribute('aria-pressed'), 'true');
    await page.getByText('Modo producción: dinero real.').waitFor();
    await page.locator('main table, main .empty').first().waitFor();
    assert.ok(!(await page.locator('main').innerText()).includes(testVoucher.reference), 'no test voucher in live');
    await page.getByLabel('Referencia').fill(testVoucher.reference);
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.getByText('No hay vouchers con esos datos.').waitFor();
    const cookies = await context.cookies(`${edge.base}/dashboard/`);
    assert.deepEqual(cookies.map((c) => c.name), ['vale_dash_live'], 'its own session, no test one');
    // Test mode has no session here: the switch asks for a test key.
    await page.getByRole('button', { name: 'Prueba' }).click();
    await page.getByText('Modo prueba: usa una clave sk_test_ o rk_test_.').waitFor();
    assert.deepEqual(await axe(page), [], 'live: axe');
    await shot(page, 'signin-test-after-live-360');
  });
});

describe('another origin', () => {
  let evil;
  before(() => new Promise((done) => {
    evil = createServer((req, res) => {
      const reference = new URL(req.url, 'http://x').searchParams.get('reference') ?? '';
      const target = `${edge.base}/dashboard/api/test/v1/vouchers`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.url.startsWith('/form')
        ? `<!doctype html><form method=post action="${target}" enctype="text/plain">
             <input name='{"network":"efecty","amount":5000000,"currency":"COP","reference":"${reference}","x":"' value='"}'>
           </form><script>document.forms[0].submit()</script>`
        : `<!doctype html><script>
             window.result = fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include',
               headers: { 'content-type': 'text/plain' },
               body: JSON.stringify({ network: 'efecty', amount: 5000000, currency: 'COP', reference: ${JSON.stringify(reference)} }) })
               .then((r) => 'answered ' + r.status, (e) => 'failed ' + e.message);
           </script>`);
    });
    evil.listen(0, '127.0.0.1', done);
  }));
  after(() => evil.close());

  test('a cross-origin form post and a cross-origin fetch with the cookie both fail', async () => {
    // Same host, another port: same-site, so the SameSite=Strict cookie does go along;
    // the edge's same-origin check is what refuses.
    const { context, page } = await signedIn('sk_test_local');
    const base = `http://127.0.0.1:${evil.address().port}`;
    const formRef = ref('csrf-form');
    const formPage = await context.newPage();
    const answer = formPage.waitForResponse((r) => r.url().includes('/dashboard/api/test/v1/vouchers'));
    await formPage.goto(`${base}/form?reference=${formRef}`);
    const resp = await answer;
    assert.equal(resp.status(), 403);
    assert.equal((await resp.json()).error.code, 'cross_origin_refused');
    const fetchRef = ref('csrf-fetch');
    const fetchPage = await context.newPage();
    await fetchPage.goto(`${base}/fetch?reference=${fetchRef}`);
    const result = await fetchPage.evaluate(() => window.result);
    assert.match(result, /^failed/, 'no CORS: the other origin cannot even read the answer');
    for (const reference of [formRef, fetchRef]) {
      assert.deepEqual((await merchant.get(`/v1/vouchers?reference=${reference}`)).json.data, [], `${reference}: nothing created`);
    }
    // The same request from the dashboard's own page goes through.
    const own = await page.evaluate(() => fetch('/dashboard/api/test/v1/vouchers', { method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'efecty', amount: 5000000, currency: 'COP', reference: `own-${Date.now()}` }) })
      .then((r) => r.status));
    assert.equal(own, 201);
  });
});

