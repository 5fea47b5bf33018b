// The money core against the real Workers runtime: test and live never meet, deadlines
// the barcode can keep and confirmation windows, one payment is one payment, the audit
// trail, cheap refusal of forged secrets, idempotency before validation, and the demo
// store off when VALE_DEMO is not 1. Each test names the defect it pins.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useEdge } from '../support/fixtures.mjs';
import { startPagoEfectivo } from '../support/pagoefectivo.mjs';
import {
  EFECTY_SECRET, PE_SECRET, api, efectyOrder, peBody, peOrder, peSign, swSign,
} from '../support/vale.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const LIVE_KEY = 'sk_live_local_for_tests';
const LIVE_PE_SECRET = 'pe_live_secret_for_tests';
const OTHER = 'mer_000000000000000000000002';
const OTHER_PE_SECRET = 'pe_other_merchant_secret';
// Live PagoEfectivo CIPs come from PagoEfectivo: here a local fake of its API.
const merchants = (fake) => [
  { id: 'mer_local', name: 'Tienda Local',
    keys: [
      { sha256: sha256('sk_test_local'), mode: 'test', role: 'secret' },
      { sha256: sha256('rk_test_local'), mode: 'test', role: 'restricted' },
      { sha256: sha256(LIVE_KEY), mode: 'live', role: 'secret' },
    ],
    // Test mode's own (local) GLN and convenio: a top-level one is the live agreement,
    // which test vouchers never carry.
    test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET,
      efecty_gln: '7709998000018', efecty_convenio: '112233' },
    live: { pagoefectivo_secret: LIVE_PE_SECRET,
      pagoefectivo_api: { base_url: fake.base, id_service: 'svc-local', access_key: 'ak_local' } } },
  { id: OTHER, name: 'Otra Tienda', keys: [{ sha256: sha256('sk_test_other'), mode: 'test', role: 'secret' }],
    test: { pagoefectivo_secret: OTHER_PE_SECRET } },
];

let fake;
after(async () => {
  await fake?.stop();
});
const edge = useEdge(async () => {
  fake = await startPagoEfectivo({ secretKey: LIVE_PE_SECRET });
  return { vars: { MERCHANTS: JSON.stringify(merchants(fake)), VALE_DEMO: '0' } };
});
const test_ = edge.api();
const live = edge.api(LIVE_KEY);
const restricted = edge.api('rk_test_local');
/** A live PagoEfectivo order: PagoEfectivo needs the shopper's e-mail. */
const livePe = () => peOrder({ customer: { email: 'ana@example.pe' } });

const create = async (client, order, headers = {}) => {
  const r = await client.post('/v1/vouchers', order, { headers });
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const read = async (id, client = test_) => (await client.get(`/v1/vouchers/${id}`)).json;
const postPeTo = async (path, body, signature = peSign(body)) => {
  const resp = await fetch(`${edge.base}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'pe-signature': signature }, body,
  });
  return { status: resp.status, json: await resp.json().catch(() => null) };
};
const efecty = async (body, id, timestamp = Math.floor(Date.now() / 1000)) => {
  const resp = await fetch(`${edge.base}/v1/notifications/efecty/mer_local`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp),
      'webhook-signature': swSign(id, timestamp, body) },
    body,
  });
  return { status: resp.status, json: await resp.json().catch(() => null) };
};
const efectyPayment = (code, authorization, paidAt = new Date().toISOString()) => JSON.stringify({
  type: 'payment.succeeded',
  data: { payment_code: code, amount: 5_000_000, currency: 'COP', paid_at: paidAt, agent_id: 'efecty-bog-0042',
    authorization },
});
const advance = (id, seconds) => test_.post(`/v1/sandbox/vouchers/${id}/advance`, { seconds });
const lima = (ms) => new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19) + '-05:00';

describe('test and live never meet', () => {
  test('a test key cannot read, cancel, expire, sandbox-pay or audit a live voucher (404)', async () => {
    const v = await create(live, livePe());
    assert.equal(v.livemode, true);
    for (const [method, path] of [
      ['GET', `/v1/vouchers/${v.id}`], ['POST', `/v1/vouchers/${v.id}/cancel`],
      ['POST', `/v1/sandbox/vouchers/${v.id}/expire`], ['POST', `/v1/sandbox/vouchers/${v.id}/pay`],
      ['GET', `/v1/vouchers/${v.id}/notifications`],
    ]) {
      const r = await test_.call(method, path);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
    }
    const listed = await test_.get(`/v1/vouchers?reference=${v.reference}`);
    assert.deepEqual(listed.json.data, []);
    assert.equal((await read(v.id, live)).status, 'pending');
  });

  test('a live voucher is not paid by a notification signed with the test secret', async () => {
    const v = await create(live, livePe());
    const operation = `op-live-${Date.now()}`;
    await fake.pay(v.payment_code, { notify: false, operationNumber: operation });
    const body = peBody({ cip: v.payment_code, transactionCode: v.id, operation });
    const wrongMode = await postPeTo('/v1/notifications/pagoefectivo/mer_local', body);
    assert.equal(wrongMode.status, 404, JSON.stringify(wrongMode.json));
    assert.equal((await read(v.id, live)).status, 'pending');
    const right = await postPeTo('/v1/notifications/pagoefectivo/mer_local', body, peSign(body, LIVE_PE_SECRET));
    assert.equal(right.status, 200, JSON.stringify(right.json));
    assert.equal((await read(v.id, live)).status, 'paid');
  });

  test('live webhook endpoints must be https:// to a public host name', async () => {
    for (const url of ['http://tienda.example/hook', 'https://10.0.0.7/hook', 'https://127.0.0.1/hook',
      'https://localhost/hook', 'https://[::1]/hook', 'https://intranet/hook']) {
      const r = await live.post('/v1/webhook_endpoints', { url });
      assert.equal(r.status, 400, url);
      assert.equal(r.json.error.code, 'url_invalid', url);
    }
    const ok = await live.post('/v1/webhook_endpoints', { url: 'https://tienda.example/webhooks/vale' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.livemode, true);
    // A test key sees none of the live endpoints.
    assert.ok(!(await test_.get('/v1/webhook_endpoints')).json.data.some((e) => e.id === ok.json.id));
    assert.equal((await live.call('DELETE', `/v1/webhook_endpoints/${ok.json.id}`)).status, 200);
  });

  test('a restricted key reads and lists but cannot create or cancel (403 permission_denied)', async () => {
    const v = await create(test_, efectyOrder());
    assert.equal((await restricted.get(`/v1/vouchers/${v.id}`)).json.id, v.id);
    assert.equal((await restricted.get(`/v1/vouchers?reference=${v.reference}`)).json.data.length, 1);
    for (const [method, path] of [['POST', '/v1/vouchers'], ['POST', `/v1/vouchers/${v.id}/cancel`],
      ['POST', `/v1/sandbox/vouchers/${v.id}/pay`]]) {
      const r = await restricted.call(method, path, { body: efectyOrder() });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.json.error.code, 'permission_denied');
    }
    assert.equal((await read(v.id)).status, 'pending');
  });
});

describe('deadlines the barcode can keep, and confirmation windows', () => {
  test('an Efecty expires_at moves to 23:59:59 of its Bogotá day, and (96) says that day', async () => {
    const asked = Date.now() + 20 * 60_000;
    const day = lima(asked).slice(0, 10);
    const v = await create(test_, efectyOrder({ expires_at: new Date(asked).toISOString() }));
    assert.equal(v.expires_at, `${day}T23:59:59-05:00`);
    assert.ok(v.barcode.data.endsWith(`(96)${day.replaceAll('-', '')}`), v.barcode.data);
  });

  test('past expires_at but inside the window: still pending, and a payment made in time pays', async () => {
    const v = await create(test_, peOrder({ expires_at: new Date(Date.now() + 20 * 60_000).toISOString() }));
    const moved = await advance(v.id, 25 * 60);
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.status, 'pending');
    const view = await api(edge.base, v.client_secret).get(`/v1/vouchers/${v.id}`);
    assert.ok(Date.parse(view.json.server_time) > Date.parse(v.expires_at), view.text);
    assert.equal(view.json.status, 'pending');
    const paidAt = lima(Date.parse(v.expires_at) - 60_000);
    const body = peBody({ cip: v.payment_code, transactionCode: v.id }).replace('2026-11-25T10:30:00-05:00', paidAt);
    const r = await postPeTo('/v1/notifications/pagoefectivo/mer_local', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const paid = await read(v.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.paid_at, paidAt);
    assert.equal(paid.amount_refunded, 0);
    assert.equal(paid.amount_refundable, paid.amount);
  });

  test('a payment made after expires_at is an unexpected payment, and the window still ends', async () => {
    const v = await create(test_, peOrder({ expires_at: new Date(Date.now() + 20 * 60_000).toISOString() }));
    await advance(v.id, 30 * 60);
    const paidAt = lima(Date.parse(v.expires_at) + 5 * 60_000);
    const body = peBody({ cip: v.payment_code }).replace('2026-11-25T10:30:00-05:00', paidAt);
    assert.equal((await postPeTo('/v1/notifications/pagoefectivo', body)).status, 200);
    const late = await read(v.id);
    assert.equal(late.status, 'pending');
    assert.deepEqual(late.unexpected_payments.map((p) => p.reason), ['paid_after_expiry']);
    // The PagoEfectivo window is 1 h: 51 more minutes (81 after the create, 61 after the
    // deadline) and it is expired, as of the window's end.
    const ended = await advance(v.id, 51 * 60);
    assert.equal(ended.json.status, 'expired');
    assert.equal(ended.json.expired_at, lima(Date.parse(v.expires_at) + 3_600_000));
  });

  test('cip.expired expires at once, even inside the window', async () => {
    const v = await create(test_, peOrder());
    const r = await postPeTo('/v1/notifications/pagoefectivo', peBody({ cip: v.payment_code, event: 'cip.expired' }));
    assert.equal(r.status, 200);
    const expired = await read(v.id);
    assert.equal(expired.status, 'expired');
    assert.ok(Math.abs(Date.parse(expired.expired_at) - Date.now()) < 60_000, expired.expired_at);
  });

  test('cancel stamps cancelled_at', async () => {
    const v = await create(test_, peOrder());
    const r = await test_.post(`/v1/vouchers/${v.id}/cancel`);
    assert.ok(Math.abs(Date.parse(r.json.cancelled_at) - Date.now()) < 60_000, r.text);
    assert.equal(r.json.expired_at, null);
  });
});

describe('a payment is one payment', () => {
  test('Efecty: the same authorization under a new webhook-id is applied once, with no anomaly', async () => {
    const v = await create(test_, efectyOrder());
    const body = efectyPayment(v.payment_code, `AUT${Date.now()}`);
    const first = await efecty(body, `msg_first_${Date.now()}`);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const again = await efecty(body, `msg_second_${Date.now()}`);
    assert.equal(again.status, 200);
    assert.equal(again.json.duplicate, true);
    const paid = await read(v.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.unexpected_payments, undefined);
    // Another authorization is another payment: paid twice.
    assert.equal((await efecty(efectyPayment(v.payment_code, `OTHER${Date.now()}`), `msg_third_${Date.now()}`)).status, 200);
    assert.deepEqual((await read(v.id)).unexpected_payments.map((p) => p.reason), ['paid_twice']);
  });

  test('PagoEfectivo: the same (eventType, operationNumber) is one payment', async () => {
    const v = await create(test_, peOrder());
    const operation = `op-${Date.now()}`;
    const a = await postPeTo('/v1/notifications/pagoefectivo', peBody({ cip: v.payment_code, operation }));
    // Re-sent with other bytes (a transactionCode added): still the same payment.
    const b = await postPeTo('/v1/notifications/pagoefectivo',
      peBody({ cip: v.payment_code, operation, transactionCode: v.id }));
    assert.deepEqual([a.status, b.status, b.json.duplicate], [200, 200, true]);
    assert.equal((await read(v.id)).unexpected_payments, undefined);
  });

  test('a CIP the edge never issued, naming one of our vouchers, is kept there as code_mismatch', async () => {
    const v = await create(test_, peOrder());
    const r = await postPeTo('/v1/notifications/pagoefectivo', peBody({ cip: '1999999999', transactionCode: v.id }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const kept = await read(v.id);
    assert.equal(kept.status, 'pending');
    assert.deepEqual(kept.unexpected_payments.map((p) => p.reason), ['code_mismatch']);
  });
});

describe('the audit trail', () => {
  test('every authenticated notification is kept with its raw body and outcome, oldest first', async () => {
    const v = await create(test_, peOrder());
    const bodies = [
      peBody({ cip: v.payment_code, amount: '24.99' }),
      peBody({ cip: v.payment_code, currency: 'USD' }),
      peBody({ cip: v.payment_code, operation: 'audit-op' }),
      peBody({ cip: v.payment_code, operation: 'audit-op' }).replace('{"eventType"', '{ "eventType"'),
      peBody({ cip: v.payment_code, operation: 'audit-op-2' }),
      peBody({ cip: v.payment_code, event: 'cip.expired' }),
    ];
    const statuses = [];
    for (const body of bodies) statuses.push((await postPeTo('/v1/notifications/pagoefectivo', body)).status);
    assert.deepEqual(statuses, [400, 400, 200, 200, 200, 200]);
    const trail = await test_.get(`/v1/vouchers/${v.id}/notifications`);
    assert.equal(trail.status, 200, trail.text);
    assert.equal(trail.json.object, 'list');
    assert.deepEqual(trail.json.data.map((n) => n.outcome),
      ['amount_mismatch', 'currency_mismatch', 'applied', 'duplicate', 'unexpected_payment', 'ignored']);
    assert.deepEqual(trail.json.data.map((n) => n.body), bodies, 'bodies byte for byte');
    assert.ok(trail.json.data.every((n) => /^ntf_[0-9a-z]{24}$/.test(n.id) && n.network === 'pagoefectivo'));
    const page = await restricted.get(`/v1/vouchers/${v.id}/notifications?limit=2&starting_after=${trail.json.data[1].id}`);
    assert.deepEqual(page.json.data.map((n) => n.outcome), ['applied', 'duplicate']);
    assert.equal(page.json.has_more, true);
    assert.equal((await api(edge.base, v.client_secret).get(`/v1/vouchers/${v.id}/notifications`)).status, 403);
  });

  test('bodies are purged after 180 days and the voucher after 5 years, by its alarm', async () => {
    const v = await create(test_, peOrder());
    await postPeTo('/v1/notifications/pagoefectivo', peBody({ cip: v.payment_code }));
    await advance(v.id, 181 * 86_400);
    const until = async (what, check) => {
      for (const stop = Date.now() + 15_000; Date.now() < stop;) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.fail(`${what} did not happen within 15 s`);
    };
    await until('the body purge', async () =>
      (await test_.get(`/v1/vouchers/${v.id}/notifications`)).json.data[0].body === null);
    await advance(v.id, 5 * 366 * 86_400);
    await until('the voucher purge', async () => (await test_.get(`/v1/vouchers/${v.id}`)).status === 404);
    assert.deepEqual((await test_.get(`/v1/vouchers?reference=${v.reference}`)).json.data, []);
  });
});

describe('cheap refusal and per-merchant addresses', () => {
  test('a forged client secret is refused by the key alone (401, even for an id that exists nowhere)', async () => {
    const nowhere = `vch_${'7'.repeat(24)}`;
    const r = await api(edge.base, `${nowhere}_secret_${'1'.repeat(24)}`).get(`/v1/vouchers/${nowhere}`);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  test('a merchant\'s address checks only that merchant\'s secret', async () => {
    const v = await create(test_, peOrder());
    const body = peBody({ cip: v.payment_code });
    assert.equal((await postPeTo(`/v1/notifications/pagoefectivo/${OTHER}`, body)).status, 401);
    assert.equal((await postPeTo('/v1/notifications/pagoefectivo/mer_000000000000000000000009', body)).status, 404);
    assert.equal((await postPeTo('/v1/notifications/pagoefectivo/mer_local', body)).status, 200);
  });

  test('a parser\'s message is not echoed to the caller', async () => {
    const body = '{"eventType":"cip.SECRET-LOOKING-VALUE","operationNumber":"1","data":{}}';
    const r = await postPeTo('/v1/notifications/pagoefectivo', body);
    assert.equal(r.status, 400);
    assert.ok(!JSON.stringify(r.json).includes('SECRET-LOOKING-VALUE'), JSON.stringify(r.json));
  });

  test('keys never get CORS headers; client secrets always do', async () => {
    const v = await create(test_, peOrder());
    const withKey = await test_.get(`/v1/vouchers/${v.id}`);
    assert.equal(withKey.headers.get('access-control-allow-origin'), null);
    const withSecret = await api(edge.base, v.client_secret).get(`/v1/vouchers/${v.id}`);
    assert.equal(withSecret.headers.get('access-control-allow-origin'), '*');
  });

  test('CORS for every answer to a client secret, errors included; none for sk_ or rk_, errors included (#13)', async () => {
    const v = await create(test_, peOrder());
    const other = await create(test_, peOrder());
    const secret = api(edge.base, v.client_secret);
    const allow = (r) => r.headers.get('access-control-allow-origin');
    const answers = [
      [200, await secret.get(`/v1/vouchers/${v.id}`)],
      [403, await secret.get(`/v1/vouchers/${other.id}`)],
      [403, await secret.get('/v1/vouchers')],
      [403, await secret.post(`/v1/vouchers/${v.id}/cancel`)],
      [401, await api(edge.base, `${v.id}_secret_${'0'.repeat(24)}`).get(`/v1/vouchers/${v.id}`)],
    ];
    for (const [status, r] of answers) {
      assert.equal(r.status, status, r.text);
      assert.equal(allow(r), '*', `${status} ${r.text}`);
    }
    for (const client of [test_, restricted]) {
      for (const r of [await client.get(`/v1/vouchers/${v.id}`), await client.get(`/v1/vouchers/vch_${'7'.repeat(24)}`),
        await client.post(`/v1/vouchers/${v.id}/nothing-here`)]) {
        assert.equal(allow(r), null, `${r.status} ${r.text}`);
      }
    }
  });
});

describe('idempotency and the demo switch', () => {
  test('a replay is answered before validation: it succeeds though its expires_at is now too soon', async () => {
    const key = `late-${Date.now()}`;
    // 15 min 2 s ahead: valid now, too soon a few seconds later.
    const order = peOrder({ expires_at: new Date(Date.now() + 15 * 60_000 + 2_000).toISOString() });
    const first = await test_.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201, first.text);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const fresh = await test_.post('/v1/vouchers', order, { headers: { 'idempotency-key': `${key}-new` } });
    assert.equal(fresh.status, 400, 'the same body is invalid by now');
    const replay = await test_.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.text, first.text);
  });

  test('the same key in live mode is another voucher', async () => {
    const key = `both-${Date.now()}`;
    const a = await create(test_, peOrder(), { 'idempotency-key': key });
    const b = await create(live, livePe(), { 'idempotency-key': key });
    assert.notEqual(a.id, b.id);
  });

  test('without VALE_DEMO=1, / is not the demo store and /demo/* is 404', async () => {
    const home = await fetch(`${edge.base}/`);
    assert.equal(home.status, 404);
    assert.ok(!(await home.text()).includes('Tienda Andina'));
    const checkout = await fetch(`${edge.base}/demo/checkout`, { method: 'POST', body: '{}' });
    assert.equal(checkout.status, 404);
  });
});
