// The Python marketplace example (examples/python-marketplace) as a developer runs it:
// `python3 server.py` in its own process group on its own 127.0.0.1 port, the local
// platform `mer_platform`, talking to a real edge only through the public API, clicked
// through in Chromium. Two sellers in one cart → one split voucher in the widget on the
// marketplace's origin → the sandbox pays → the signed webhook marks the order paid → both
// sellers' shares are pending → the settlement file makes them available → a refund of one
// item takes back that seller's share of it and the platform's fee on it, the other seller
// keeps its balance → the day's payout file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';
import { artifact } from '../support/browser.mjs';
import { startExample } from '../support/example.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';

const EXAMPLE = join(root, 'examples', 'python-marketplace');
const PYTHON = '/usr/bin/python3'; // Debian's, installed by `cargo xtask test`
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Its own edge with the reporting database (settlement files, payout files).
const edge = useEdge({ reports: true });
const platform = edge.api('sk_test_platform');
const shopper = useShopper();

/** Starts the marketplace against this file's edge (see tests/support/example.mjs). */
function startMarketplace() {
  return startExample({
    what: 'the marketplace',
    command: PYTHON,
    args: ['server.py'],
    cwd: EXAMPLE,
    env: { VALE_API: edge.base, VALE_WEBHOOK_SECRET: '', PYTHONUNBUFFERED: '1' },
  });
}

/** Waits (bounded) until `check()` answers something truthy; answers it. */
async function until(what, check, timeout = 30_000) {
  for (const deadline = Date.now() + timeout; ;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const bogotaDay = () => new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
/** A seller's balance as the platform sees it acting for that seller. */
async function balanceOf(account) {
  const r = await platform.call('GET', '/v1/balance', { headers: { 'vale-account': account } });
  assert.equal(r.status, 200, r.text);
  const sum = (rows) => rows.reduce((s, b) => s + b.amount, 0);
  return { available: sum(r.json.available), pending: sum(r.json.pending) };
}

test('two sellers, one cart: a split voucher on the marketplace page, paid, settled, one item refunded, the payout file',
  { timeout: 180_000 }, async () => {
    const store = await startMarketplace();
    const page = await shopper.newPage({ viewport: { width: 360, height: 1400 } });
    try {
      const problems = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));

      await page.goto(`${store.base}/`);
      await page.getByLabel('Café de origen, 500 g').fill('1');
      await page.getByLabel('Mochila wayuu').fill('1');
      await page.getByRole('button', { name: 'Pagar en efectivo' }).click();
      await page.locator('#state').waitFor({ timeout: 20_000 });
      const order = new URL(page.url()).pathname.split('/')[2];
      assert.match(order, /^ord_[0-9a-f]{32}$/);

      // One voucher for the cart, split: each seller its goods less the 10 % fee.
      const list = await platform.get(`/v1/vouchers?reference=${order}`);
      assert.equal(list.status, 200, list.text);
      assert.equal(list.json.data.length, 1, list.text);
      const voucher = list.json.data[0];
      assert.deepEqual([voucher.network, voucher.currency, voucher.amount], ['efecty', 'COP', 21_800_000]);
      const shares = Object.fromEntries(voucher.splits.map((s) => [s.reference.split('-').at(-1), s]));
      assert.equal(shares.cafe.amount, 3_420_000);
      assert.equal(shares.tejidos.amount, 16_200_000);
      assert.equal(voucher.application_fee_amount, 2_180_000);

      // The page is on the marketplace's origin, embeds the README's snippet, never the key.
      assert.notEqual(new URL(page.url()).origin, new URL(edge.base).origin);
      const source = await (await fetch(page.url())).text();
      assert.ok(source.includes(`<script type="module" src="${edge.base}/widget/vale.js"></script>`), source);
      assert.ok(!source.includes('sk_test_platform'));
      const code = page.locator('vale-voucher').locator('.code-groups');
      await code.waitFor({ timeout: 20_000 });
      assert.equal((await code.textContent()).replace(/\s/g, ''), voucher.payment_code);
      await page.screenshot({ path: artifact('python-marketplace-pending.png'), fullPage: true });

      // Paid at the counter (the sandbox); the signed webhook reaches the marketplace.
      const paid = await platform.post(`/v1/sandbox/vouchers/${voucher.id}/pay`);
      assert.equal(paid.status, 200, paid.text);
      await until('the order paid by webhook', async () =>
        (await (await fetch(`${store.base}/orders/${order}/status`)).json()).state === 'paid');
      await until('the shares booked', async () => (await balanceOf(shares.tejidos.account)).pending === 16_200_000);
      assert.deepEqual(await balanceOf(shares.cafe.account), { available: 0, pending: 3_420_000 });
      assert.deepEqual(await balanceOf(shares.tejidos.account), { available: 0, pending: 16_200_000 });

      // The network's file lists the payment: the shares become available.
      const applied = await platform.post(`/v1/sandbox/settlements/${bogotaDay()}/apply?network=efecty`);
      assert.equal(applied.status, 201, applied.text);
      assert.deepEqual([applied.json.status, applied.json.counts.matched], ['reconciled', 1]);
      await until('the shares available', async () => (await balanceOf(shares.cafe.account)).available === 3_420_000);
      assert.deepEqual(await balanceOf(shares.cafe.account), { available: 3_420_000, pending: 0 });
      assert.deepEqual(await balanceOf(shares.tejidos.account), { available: 16_200_000, pending: 0 });

      // A forged delivery is refused by the marketplace (the signature covers the raw bytes).
      const forged = await fetch(`${store.base}/webhooks/vale`, {
        method: 'POST',
        headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAA', 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'voucher.refunded', data: { reference: order } }),
      });
      assert.equal(forged.status, 400);

      // Staff refund ONE item, the coffee (issue #23): Café Andino alone gives back its net
      // on it (refund_splits), the platform its fee on it; Tejidos Wayuu gives nothing.
      await page.reload();
      await page.getByRole('button', { name: 'Reembolsar Café de origen, 500 g' }).click();
      await page.locator('#refunds a').waitFor({ timeout: 20_000 });
      const refunds = await platform.get(`/v1/refunds?voucher=${voucher.id}`);
      assert.equal(refunds.json.data.length, 1, refunds.text);
      const refund = refunds.json.data[0];
      assert.equal(refund.amount, 3_800_000);
      assert.deepEqual(refund.refund_splits, [{ account: shares.cafe.account, amount: 3_420_000 }]);
      await until('the coffee given back', async () => (await balanceOf(shares.cafe.account)).available === 0);
      assert.deepEqual(await balanceOf(shares.cafe.account), { available: 0, pending: 0 });
      assert.deepEqual(await balanceOf(shares.tejidos.account), { available: 16_200_000, pending: 0 });
      // The platform gave back its fee on the coffee, no more: its rows of this voucher.
      const rows = (await platform.get('/v1/balance_transactions?limit=100')).json.data
        .filter((t) => t.account === null && (t.source === voucher.id || t.source === refund.id));
      assert.equal(rows.reduce((s, t) => s + t.amount, 0), 2_180_000 - 380_000);
      // The coffee cannot be refunded twice from the page; the bag still can.
      await page.reload();
      assert.equal(await page.getByRole('button', { name: 'Reembolsar Café de origen, 500 g' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Reembolsar Mochila wayuu' }).count(), 1);
      await page.screenshot({ path: artifact('python-marketplace-refund.png'), fullPage: true });

      // The sellers' page and the day's payout file, through the marketplace.
      await page.goto(`${store.base}/sellers`);
      // Regression (session 3 screenshot): the statement link ran off a 360 px phone.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        'the sellers page fits 360 px');
      await page.screenshot({ path: artifact('python-marketplace-sellers.png'), fullPage: true });
      const file = await fetch(`${store.base}/payouts/${bogotaDay()}.csv`);
      assert.equal(file.status, 200, await file.clone().text());
      const header = (await file.text()).split('\n')[0];
      assert.match(header, /\bkind\b/);
      assert.match(header, /,kind,account\r?$/, 'the contract names the seller column account');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await store.stop();
    }
  });
