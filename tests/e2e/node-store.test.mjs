// The example store (examples/node-store) as a developer runs it: a separate Node process
// on its own 127.0.0.1 port, talking to a real edge only through the public API, clicked
// through in Chromium. Cart → a double-clicked checkout makes one voucher → the order page
// on the store's origin embeds the README snippet → the sandbox pays → the signed webhook
// marks the order paid → a refund gives the collect_url. Then the fallbacks: no webhook
// ever arrives and the poll (timed, or on opening the page) still marks orders paid; and
// an expired voucher gives its units back to the shelf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';
import { artifact, recordEvents } from '../support/browser.mjs';
import { startExample } from '../support/example.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';

const STORE = join(root, 'examples', 'node-store');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

/**
 * Starts the example store (`node server.mjs`) against this file's edge (see
 * tests/support/example.mjs). `env` adds to or overrides its environment.
 */
function startStore(env = {}) {
  return startExample({
    what: 'the example store',
    command: process.execPath,
    args: ['server.mjs'],
    cwd: STORE,
    env: {
      VALE_API: edge.base, VALE_SECRET_KEY: 'sk_test_local', VALE_WEBHOOK_SECRET: '', VALE_POLL_SECONDS: '3600', ...env,
    },
  });
}

/** Collects what goes wrong on a page: uncaught errors, console errors, error answers. */
function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  return problems;
}

/** The order id in an order page's URL. */
const orderOf = (url) => new URL(url).pathname.match(/^\/orders\/(ord_[0-9a-f]{32})$/)?.[1];

/** The store's own record of an order's state. */
const storeState = async (store, order) =>
  (await (await fetch(`${store.base}/orders/${order}/status`)).json()).state;

/** A checkout without a browser: the cart's token, then the form post. Answers the order id. */
async function checkoutByForm(store, network, quantities) {
  const cart = await (await fetch(`${store.base}/`)).text();
  const token = cart.match(/name="checkout" value="([0-9a-f-]{36})"/)?.[1];
  assert.ok(token, 'the cart page carries a checkout token');
  const form = new URLSearchParams({ checkout: token, network });
  for (const [sku, quantity] of Object.entries(quantities)) form.set(`qty_${sku}`, String(quantity));
  const resp = await fetch(`${store.base}/checkout`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(resp.status, 303, await resp.text());
  return orderOf(new URL(resp.headers.get('location'), store.base).href);
}

/** The one voucher Vale has for an order (its `reference`), checking there is exactly one. */
async function onlyVoucher(order) {
  const list = await merchant.get(`/v1/vouchers?reference=${order}`);
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data.length, 1, `vouchers for ${order}: ${list.text}`);
  return list.json.data[0];
}

test('cart → double-clicked checkout → one voucher → the widget on the store → paid by webhook → refund',
  { timeout: 150_000 }, async () => {
    const store = await startStore();
    const page = await shopper.newPage({ viewport: { width: 390, height: 1400 } });
    try {
      const problems = watch(page);
      await page.goto(`${store.base}/`);
      await page.locator('input[name=network][value=efecty]').check();

      // A shopper clicks again because nothing seems to happen. (Two clicks in one instant
      // are one form post in Chromium; the second post comes when the first has left.)
      // The store's answers are held a moment, so the second click meets the cart page.
      const posted = [];
      await page.route('**/checkout', async (route) => {
        posted.push(route.request().postData());
        const response = await route.fetch({ maxRedirects: 0 });
        await sleep(1_000);
        await route.fulfill({ response }).catch(() => {}); // the first was abandoned
      });
      // The mouse itself (locator clicks would wait for the first navigation to end).
      const box = await page.getByRole('button', { name: 'Pagar en efectivo' }).boundingBox();
      const first = page.waitForRequest('**/checkout');
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await first;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      // (Not waitForURL: the first navigation's abort would end that wait.)
      await page.locator('#order-state').waitFor({ timeout: 20_000 });
      await page.unroute('**/checkout');
      const order = orderOf(page.url());
      assert.ok(order, page.url());
      assert.equal(posted.length, 2, 'the store got both posts');
      assert.equal(posted[0], posted[1], 'with one checkout token');

      // One voucher for the order, however many posts.
      const voucher = await onlyVoucher(order);
      assert.equal(voucher.status, 'pending');
      assert.deepEqual([voucher.network, voucher.currency, voucher.amount], ['efecty', 'COP', 3_800_000]);

      // The order page is on the store's origin and embeds exactly the README's snippet.
      assert.notEqual(new URL(page.url()).origin, new URL(edge.base).origin);
      const secret = (await merchant.get(`/v1/vouchers/${voucher.id}`)).json.client_secret;
      const source = await (await fetch(page.url())).text();
      assert.ok(source.includes(`<script type="module" src="${edge.base}/widget/vale.js"></script>\n` +
        `<vale-voucher voucher="${voucher.id}" client-secret="${secret}"></vale-voucher>`), source);
      assert.ok(!source.includes('sk_test_local'), 'the secret key never reaches a page');
      // The sandbox command docs/integrate.md tells a newcomer to copy from the page.
      assert.ok(source.includes(`curl -X POST ${edge.base}/v1/sandbox/vouchers/${voucher.id}/pay`), source);
      const widget = page.locator('vale-voucher');
      const code = widget.locator('.code-groups');
      await code.waitFor({ timeout: 20_000 });
      assert.equal((await code.textContent()).replace(/\s/g, ''), voucher.payment_code);
      await page.locator('#order-state').getByText('pendiente').waitFor();
      await page.screenshot({ path: artifact('node-store-pending.png'), fullPage: true });

      // The sandbox pays; Vale signs a voucher.paid to the store; the page follows the store.
      const paid = await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/pay`);
      assert.equal(paid.status, 200, paid.text);
      await page.locator('#order-state[data-state=paid]').getByText('pedido pagado').waitFor({ timeout: 30_000 });
      await page.locator('#history').getByText('webhook voucher.paid').waitFor();
      await widget.getByText('Pago recibido', { exact: false }).first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: artifact('node-store-paid.png'), fullPage: true });

      // Refund (double-clicked too): one refund, and the link to send the shopper.
      await page.getByRole('button', { name: 'Reembolsar al comprador' }).dblclick();
      const link = page.locator('#collect-url');
      await link.waitFor({ timeout: 20_000 });
      const refunds = await merchant.get(`/v1/refunds?voucher=${voucher.id}`);
      assert.equal(refunds.json.data.length, 1, refunds.text);
      const [refund] = refunds.json.data;
      assert.deepEqual([refund.reason, refund.amount, refund.status],
        ['requested_by_customer', 3_800_000, 'requires_action']);
      assert.equal(await link.getAttribute('href'), refund.collect_url);
      assert.match(new URL(refund.collect_url).pathname, /^\/r\/re_/);
      await page.screenshot({ path: artifact('node-store-refund.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await store.stop();
    }
  });

test('two posts of one checkout at the same instant make one order and one voucher', { timeout: 60_000 }, async () => {
  const store = await startStore();
  try {
    const cart = await (await fetch(`${store.base}/`)).text();
    const token = cart.match(/name="checkout" value="([0-9a-f-]{36})"/)?.[1];
    const form = new URLSearchParams({ checkout: token, network: 'pagoefectivo', qty_cafe: '2' });
    const post = () => fetch(`${store.base}/checkout`, { method: 'POST', body: form, redirect: 'manual' });
    const answers = await Promise.all([post(), post(), post()]);
    const places = answers.map((r) => r.headers.get('location'));
    assert.deepEqual(answers.map((r) => r.status), [303, 303, 303]);
    assert.equal(new Set(places).size, 1, places.join(' '));
    const voucher = await onlyVoucher(orderOf(new URL(places[0], store.base).href));
    assert.deepEqual([voucher.currency, voucher.amount], ['PEN', 7_980]);
    const after = await (await fetch(`${store.base}/`)).text();
    assert.match(after, /data-sku="cafe">quedan 3</, 'two units taken, once');

    // The endpoint the store made at start is gone once it stops.
    const mine = async () => (await merchant.get('/v1/webhook_endpoints')).json.data
      .filter((e) => e.url === `${store.base}/webhooks/vale`);
    assert.equal((await mine()).length, 1);
    await store.stop();
    assert.deepEqual(await mine(), []);
  } finally {
    await store.stop();
  }
});

test('no webhook ever arrives: the timed poll marks the order paid, and the open page shows it',
  { timeout: 120_000 }, async () => {
    // A secret of its own and no endpoint at Vale: nothing is ever delivered to this store.
    const store = await startStore({
      VALE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`, VALE_POLL_SECONDS: '2',
    });
    const page = await shopper.newPage({ viewport: { width: 390, height: 1400 } });
    try {
      const endpoints = (await merchant.get('/v1/webhook_endpoints')).json.data;
      assert.ok(!endpoints.some((e) => e.url.startsWith(store.base)), 'no endpoint points at this store');
      await page.goto(`${store.base}/`);
      await page.locator('input[name=network][value=pagoefectivo]').check();
      await page.getByRole('button', { name: 'Pagar en efectivo' }).click();
      await page.waitForURL(/\/orders\/ord_[0-9a-f]{32}$/);
      const order = orderOf(page.url());
      const voucher = await onlyVoucher(order);
      assert.deepEqual([voucher.currency, voucher.amount], ['PEN', 3_990]);
      await page.locator('vale-voucher .code-groups').waitFor({ timeout: 20_000 });

      const pay = await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/pay`);
      assert.equal(pay.status, 200, pay.text);
      await page.locator('#order-state[data-state=paid]').getByText('pedido pagado').waitFor({ timeout: 30_000 });
      await page.locator('#history').getByText('consulta GET /v1/vouchers').waitFor();
      assert.ok(!(await page.locator('#history').textContent()).includes('webhook'));
    } finally {
      await page.close();
      await store.stop();
    }
  });

test('no webhook ever arrives: opening the order page asks Vale', { timeout: 60_000 }, async () => {
  const store = await startStore({ VALE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}` });
  try {
    const order = await checkoutByForm(store, 'efecty', { cafe: 0, cacao: 2 });
    const voucher = await onlyVoucher(order);
    assert.equal(voucher.amount, 5_000_000);
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/pay`)).status, 200);
    await sleep(1_500);
    assert.equal(await storeState(store, order), 'pending', 'nothing told the store yet');
    const page = await (await fetch(`${store.base}/orders/${order}`)).text();
    assert.match(page, /data-state="paid"/);
    assert.equal(await storeState(store, order), 'paid');
  } finally {
    await store.stop();
  }
});

test('an expired voucher releases the order and its units go back on the shelf; a late payment is flagged',
  { timeout: 120_000 }, async () => {
    const store = await startStore();
    const page = await shopper.newPage({ viewport: { width: 390, height: 1400 } });
    try {
      const problems = watch(page);
      await recordEvents(page);
      const left = () => page.locator('.stock[data-sku=ruana]').textContent();
      await page.goto(`${store.base}/`);
      assert.equal(await left(), 'quedan 2');
      await page.locator('#qty-cafe').fill('0');
      await page.locator('#qty-ruana').fill('1');
      await page.getByRole('button', { name: 'Pagar en efectivo' }).click();
      await page.waitForURL(/\/orders\/ord_[0-9a-f]{32}$/);
      const orderUrl = page.url();
      const voucher = await onlyVoucher(orderOf(orderUrl));
      assert.equal(voucher.amount, 18_900_000);
      await page.goto(`${store.base}/`);
      assert.equal(await left(), 'quedan 1', 'checkout takes the unit off the shelf');

      await page.goto(orderUrl);
      await page.locator('vale-voucher .code-groups').waitFor({ timeout: 20_000 });
      const expire = await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/expire`);
      assert.equal(expire.status, 200, expire.text);
      await page.locator('#order-state[data-state=released]').getByText('liberado').waitFor({ timeout: 30_000 });
      await page.locator('#history').getByText('webhook voucher.expired').waitFor();
      await page.goto(`${store.base}/`);
      assert.equal(await left(), 'quedan 2', 'the expired order gave its unit back');

      // Cash that arrives after the deadline cannot pay the voucher: a person must decide.
      const late = await merchant.post(`/v1/sandbox/vouchers/${voucher.id}/pay`);
      assert.ok(late.status < 500, late.text);
      await page.goto(orderUrl);
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        if (await page.locator('.alert').count()) break;
        await sleep(500);
        await page.reload();
      }
      await page.locator('.alert').getByText('Pago inesperado de $ 189.000 (paid_after_expiry)').waitFor({ timeout: 1_000 });
      await page.waitForFunction(() => window.valeEvents.length > 0, null, { timeout: 20_000 });
      assert.equal(await storeState(store, orderOf(orderUrl)), 'released', 'a late payment does not pay the order');
      await page.screenshot({ path: artifact('node-store-released.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await store.stop();
    }
  });
