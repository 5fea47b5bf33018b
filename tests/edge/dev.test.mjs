// The local set-up is the contract's: `cargo xtask dev` itself, started as a user starts
// it (its own configuration, edge/.dev.vars, and its own start-up), answers with every
// value the contract publishes for `mer_local`: the keys, the notification secrets, the
// refund approval threshold (COP 1.000.000, PEN 1,000: refunds above wait), the 15-day
// refund window, the display name and the Efecty convenio.
//
// Regression (issue #19, "the local set-up is the contract's"): `cargo xtask dev` ran
// mer_local without the approval threshold, so a refund of COP 2.000.000 did not wait.
//
// - It runs beside any other edge: `VALE_DEV_PORT` (a free port) and `VALE_DEV_STATE`
//   (a fresh folder), both documented in docs/development.md.
// - `VALE_DEV_SKIP_BUILD=1` (opt-in, e.g. right after `cargo xtask build`) serves the last
//   build instead of building again; the configuration and the start are the same.
// - Stopped by its process group (cargo, xtask, wrangler and workerd together):
//   tests/support/dev.mjs, which the edge benchmark uses too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startDev } from '../support/dev.mjs';
import { api, efectyOrder, peOrder, swSign } from '../support/vale.mjs';

// What the contract publishes for local development (spec/api.md, "Keys and modes"),
// written out here rather than imported, so the test reads the contract, not the code.
const CONTRACT = {
  secretKey: 'sk_test_local',
  restrictedKey: 'rk_test_local',
  peSecret: 'pe_local_secret',
  efectySecret: 'whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=',
  approvalAbove: { COP: 100_000_000, PEN: 100_000 }, // COP 1.000.000, PEN 1,000
  refundWindowDays: 15,
  displayName: 'Tienda Local',
  convenio: '112233',
};
const READY_WITHIN_MS = Number(process.env.VALE_DEV_READY_MS ?? 15 * 60_000);

let dev;
let base;
before(async () => {
  dev = await startDev({ readyMs: READY_WITHIN_MS });
  base = dev.base;
}, { timeout: READY_WITHIN_MS + 60_000 });

after(async () => {
  await dev?.stop();
});

const merchant = () => api(base, CONTRACT.secretKey);
const restricted = () => api(base, CONTRACT.restrictedKey);
const cash = { type: 'cash_pickup', name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050', phone: '300 123 4567' };
const wallet = { type: 'wallet', provider: 'yape', phone: '987654321' };

/** `ms` as `YYYY-MM-DDTHH:MM:SS-05:00` (Bogotá and Lima have no DST). */
const local = (ms) => `${new Date(ms - 5 * 3600_000).toISOString().slice(0, 19)}-05:00`;

/** Pays `v` through the per-merchant notification address, signed with the published secret. */
async function pay(v) {
  const paidAt = local(Date.now() - 60_000);
  if (v.network === 'efecty') {
    const body = JSON.stringify({
      type: 'payment.succeeded',
      data: { payment_code: v.payment_code, amount: v.amount, currency: v.currency,
        paid_at: paidAt,
        agent_id: 'efecty-bog-0042', authorization: `A${Date.now()}${Math.floor(Math.random() * 1e6)}` },
    });
    const id = `msg_dev_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    return fetch(`${base}/v1/notifications/efecty/mer_local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp,
        'webhook-signature': swSign(id, timestamp, body, CONTRACT.efectySecret) },
      body,
    });
  }
  const amount = (v.amount / 100).toFixed(2);
  const body = `{"eventType":"cip.paid","operationNumber":"dev${Date.now()}${Math.floor(Math.random() * 1e6)}",` +
    `"data":{"cip":"${v.payment_code}","currency":"PEN","amount":${amount},` +
    `"paymentDate":"${paidAt}","transactionCode":"${v.id}"}}`;
  return fetch(`${base}/v1/notifications/pagoefectivo/mer_local`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'pe-signature': createHmac('sha256', CONTRACT.peSecret).update(body).digest('hex') },
    body,
  });
}

/** A paid voucher of `order`, paid by a signed notification. */
async function paid(order) {
  const created = await merchant().post('/v1/vouchers', order);
  assert.equal(created.status, 201, created.text);
  const r = await pay(created.json);
  assert.equal(r.status, 200, await r.text());
  const v = (await merchant().get(`/v1/vouchers/${created.json.id}`)).json;
  assert.equal(v.status, 'paid');
  return v;
}

/**
 * A refund of all of `v` taken as far as it goes without a restricted key: created, and
 * (if it asks for one first) given a destination by the shopper. Above the threshold it
 * must then wait for approval, whether the approval comes before the destination is
 * chosen or after it (both orders hold the threshold).
 */
async function refundedAsFarAsItGoes(v, destination) {
  const created = await merchant().post('/v1/refunds', { voucher: v.id, reason: 'requested_by_customer' });
  assert.equal(created.status, 201, created.text);
  let r = created.json;
  if (r.status === 'requires_action') {
    const chosen = await api(base, r.client_secret).post(`/v1/refunds/${r.id}/destination`, { destination });
    assert.equal(chosen.status, 200, chosen.text);
    r = chosen.json;
  }
  return r;
}

describe('cargo xtask dev serves mer_local as the contract publishes it', () => {
  test('the keys: sk_test_local creates, rk_test_local reads and cannot create', async () => {
    const v = await merchant().post('/v1/vouchers', efectyOrder());
    assert.equal(v.status, 201, v.text);
    assert.equal(v.json.livemode, false);
    const read = await restricted().get(`/v1/vouchers/${v.json.id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.id, v.json.id);
    assert.equal((await restricted().get('/v1/vouchers')).status, 200);
    assert.equal((await restricted().post('/v1/vouchers', efectyOrder())).status, 403);
  });

  test('the display view: merchant_name and the Efecty convenio', async () => {
    const v = (await merchant().post('/v1/vouchers', efectyOrder())).json;
    const view = await api(base, v.client_secret).get(`/v1/vouchers/${v.id}`);
    assert.equal(view.status, 200, view.text);
    assert.equal(view.json.merchant_name, CONTRACT.displayName);
    assert.equal(view.json.convenio, CONTRACT.convenio);
  });

  test('the notification secrets verify at /v1/notifications/{network}/mer_local', async () => {
    for (const order of [efectyOrder(), peOrder()]) {
      await paid(order); // asserts 200 and paid
    }
    // A wrong secret is refused at the same address: the published one is what verified.
    const v = (await merchant().post('/v1/vouchers', peOrder())).json;
    const body = `{"eventType":"cip.paid","operationNumber":"dev-wrong","data":{"cip":"${v.payment_code}","currency":"PEN","amount":25.00}}`;
    const wrong = await fetch(`${base}/v1/notifications/pagoefectivo/mer_local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'pe-signature': createHmac('sha256', 'not_the_secret').update(body).digest('hex') },
      body,
    });
    assert.equal(wrong.status, 401);
  });

  test('refunds above COP 1.000.000 or PEN 1,000 wait for approval; at the threshold they do not', async () => {
    for (const [order, destination] of [
      [efectyOrder({ amount: 200_000_000 }), cash], // COP 2.000.000
      [efectyOrder({ amount: CONTRACT.approvalAbove.COP + 100 }), cash], // COP 1.000.001
      [peOrder({ amount: CONTRACT.approvalAbove.PEN + 1 }), wallet], // PEN 1,000.01
    ]) {
      const v = await paid(order);
      const r = await refundedAsFarAsItGoes(v, destination);
      assert.equal(r.status, 'pending_approval', `${v.currency} ${v.amount}: ${JSON.stringify(r)}`);
      // Nothing moves it on but a restricted key's approval.
      const approved = await restricted().post(`/v1/refunds/${r.id}/approve`);
      assert.equal(approved.status, 200, approved.text);
      assert.notEqual(approved.json.status, 'pending_approval');
    }
    for (const [order, destination] of [
      [efectyOrder({ amount: CONTRACT.approvalAbove.COP }), cash],
      [peOrder({ amount: CONTRACT.approvalAbove.PEN }), wallet],
    ]) {
      const v = await paid(order);
      const r = await refundedAsFarAsItGoes(v, destination);
      assert.equal(r.status, 'processing', `${v.currency} ${v.amount} (at the threshold): ${JSON.stringify(r)}`);
    }
  });

  test('the refund window is 15 days after the payment', async () => {
    const advance = (v, seconds) => merchant().post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds });
    const inTime = await paid(peOrder());
    assert.equal((await advance(inTime, CONTRACT.refundWindowDays * 86_400 - 3_600)).status, 200);
    const ok = await merchant().post('/v1/refunds', { voucher: inTime.id, reason: 'requested_by_customer' });
    assert.equal(ok.status, 201, ok.text);
    const late = await paid(peOrder());
    assert.equal((await advance(late, CONTRACT.refundWindowDays * 86_400 + 3_600)).status, 200);
    const closed = await merchant().post('/v1/refunds', { voucher: late.id, reason: 'requested_by_customer' });
    assert.equal(closed.status, 400, closed.text);
    assert.equal(closed.json.error.code, 'refund_window_closed');
  });

  test('the synthetic points sample (issue #22): points near Lima and Bogotá, marked synthetic', async () => {
    // Geohash cells of the city centres, written out: Lima's Plaza Mayor (-12.0464,
    // -77.0428) is in 6mc5q, Bogotá's centre (4.6097, -74.0817) in d2g64.
    for (const [order, cell] of [[peOrder(), '6mc5q'], [efectyOrder(), 'd2g64']]) {
      const v = (await merchant().post('/v1/vouchers', order)).json;
      const r = await api(base, v.client_secret).get(`/v1/vouchers/${v.id}/places?near=${cell}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.data.length > 0, r.text);
      assert.ok(r.json.data.every((p) => p.id.startsWith('syn-') && p.name.endsWith('(sintético)')), r.text);
      assert.match(r.json.attribution, /sintéticos/);
    }
  });
});

describe('cargo xtask dev serves the marketplace platform mer_platform (issue #23)', () => {
  const platform = () => api(base, 'sk_test_platform');
  test('sk_test_platform creates seller accounts and rk_test_platform reads them; mer_local is no platform', async () => {
    const made = await platform().post('/v1/accounts',
      { display_name: 'Café Andino', country: 'CO', document_type: 'CC', document_number: '1020304050' });
    assert.equal(made.status, 201, made.text);
    const read = await api(base, 'rk_test_platform').get(`/v1/accounts/${made.json.id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal((await api(base, 'rk_test_platform').post('/v1/accounts', {})).status, 403);
    assert.equal((await merchant().get('/v1/accounts')).status, 403);
  });

  test('its display name, convenio and own notification secret', async () => {
    const v = (await platform().post('/v1/vouchers', peOrder())).json;
    const view = (await api(base, v.client_secret).get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(view.merchant_name, 'Mercado Local');
    const e = (await platform().post('/v1/vouchers', efectyOrder())).json;
    assert.equal((await api(base, e.client_secret).get(`/v1/vouchers/${e.id}`)).json.convenio, '112244');
    const body = `{"eventType":"cip.paid","operationNumber":"dev-platform-${Date.now()}",` +
      `"data":{"cip":"${v.payment_code}","currency":"PEN","amount":${(v.amount / 100).toFixed(2)},` +
      `"paymentDate":"${local(Date.now() - 60_000)}","transactionCode":"${v.id}"}}`;
    const sign = (secret) => createHmac('sha256', secret).update(body).digest('hex');
    const post = (secret) => fetch(`${base}/v1/notifications/pagoefectivo/mer_platform`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'pe-signature': sign(secret) }, body });
    assert.equal((await post(CONTRACT.peSecret)).status, 401, 'mer_local\'s secret is not the platform\'s');
    const ok = await post('pe_platform_secret');
    assert.equal(ok.status, 200, await ok.text());
    assert.equal((await platform().get(`/v1/vouchers/${v.id}`)).json.status, 'paid');
  });
});
