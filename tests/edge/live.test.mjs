// Live PagoEfectivo, against a local fake of its REST API v1 (tests/support/pagoefectivo.mjs):
// a live merchant's CIPs come from PagoEfectivo, survive its failures (down, slow, 5xx, a
// token that expired, a malformed answer), cancel deletes the CIP there first, a payment
// counts only once PagoEfectivo's own record confirms it (verify, then pull), and the
// cron's sweep finds a payment whose notification never came. Nothing reaches the internet.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useEdge } from '../support/fixtures.mjs';
import { limaDate, startPagoEfectivo } from '../support/pagoefectivo.mjs';
import { SECRET_KEY, api, peBody, peOrder, peSign } from '../support/vale.mjs';

const LIVE_KEY = 'sk_live_local_for_pe_tests';
const LIVE_PE_SECRET = 'pe_live_secret_for_tests';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

let fake;
const customer = { name: 'Ana Pérez', email: 'ana@example.pe', document_type: 'DNI', document_number: '44556677' };
const order = (extra = {}) => peOrder({ customer, ...extra });
const cips = (path) => fake.requests.filter((r) => r.method === 'POST' && r.path === path).length;

after(async () => {
  await fake?.stop();
});
const edge = useEdge(async () => {
  fake = await startPagoEfectivo({ secretKey: LIVE_PE_SECRET, idService: '1234', accessKey: 'ak_live' });
  const merchants = JSON.stringify([{
    id: 'mer_local', name: 'Tienda Local',
    keys: [{ sha256: sha256(SECRET_KEY), mode: 'test', role: 'secret' },
      { sha256: sha256(LIVE_KEY), mode: 'live', role: 'secret' }],
    live: { pagoefectivo_secret: LIVE_PE_SECRET,
      pagoefectivo_api: { base_url: fake.base, id_service: '1234', access_key: 'ak_live' } },
    confirmation_window_minutes: { pagoefectivo: 0 },
    // Every voucher here is one shopper's (one document): the default risk rules would
    // block the sixth unpaid one. Risk rules are tested in risk.test.mjs.
    risk_rules: [],
  }]);
  // Test settings: the sweep asks after 1 s, and a voucher may expire 2 s ahead.
  return { vars: { MERCHANTS: merchants, VALE_ASK_AFTER_SECONDS: '1', VALE_MIN_LIFETIME_SECONDS: '2' } };
});
const live = edge.api(LIVE_KEY);

const notify = (body, secret = LIVE_PE_SECRET) => fetch(`${edge.base}/v1/notifications/pagoefectivo`, {
  method: 'POST', headers: { 'content-type': 'application/json', 'pe-signature': peSign(body, secret) }, body,
}).then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }));
const payAtFake = (cip, opts = {}) => fake.pay(cip, { to: `${edge.base}/v1/notifications/pagoefectivo`, ...opts });
const audit = async (id) => (await live.get(`/v1/vouchers/${id}/notifications`)).json.data;

describe('create: the CIP comes from PagoEfectivo', () => {
  test('happy path: the voucher holds the CIP PagoEfectivo issued, for its id, in Lima time', async () => {
    const expires = new Date(Math.floor(Date.now() / 1000 + 2 * 86_400) * 1000);
    const r = await live.post('/v1/vouchers', order({ expires_at: expires.toISOString() }));
    assert.equal(r.status, 201, r.text);
    const v = r.json;
    const cip = fake.cips.get(v.payment_code);
    assert.ok(cip, 'the payment code is a CIP PagoEfectivo issued');
    assert.equal(cip.transactionCode, v.id);
    assert.equal(cip.amount, '25.00');
    assert.equal(cip.dateExpiry, limaDate(expires));
    assert.match(cip.dateExpiry, /-05:00$/);
    assert.equal(cip.userEmail, customer.email);
    assert.equal(v.network_url, `${fake.base}/cip/${v.payment_code}`);
    assert.equal(v.barcode.data.includes(v.payment_code), true);
    const create = fake.requests.find((q) => q.path === '/v1/cips' && q.body?.transactionCode === v.id);
    assert.equal(create.headers['accept-language'], 'es-PE');
    assert.ok(create.authorization.startsWith('Bearer '));
    // A test voucher never asks PagoEfectivo.
    const before = cips('/v1/cips');
    const t = await api(edge.base).post('/v1/vouchers', order());
    assert.equal(t.status, 201);
    assert.equal(t.json.livemode, false);
    assert.equal(cips('/v1/cips'), before);
  });

  test('PagoEfectivo down (5xx) is 503 network_unavailable, and the same key then works', async () => {
    const body = order();
    const key = `live-down-${Date.now()}`;
    fake.failNext('cips', 503);
    const down = await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } });
    assert.equal(down.status, 503, down.text);
    assert.equal(down.json.error.code, 'network_unavailable');
    assert.equal(down.json.error.type, 'api_error');
    assert.ok(!down.text.includes('fake'), 'PagoEfectivo\'s own text is not echoed');
    const retry = await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
  });

  test('a token endpoint failing is 503; a malformed answer is 502 network_error', async () => {
    fake.expireTokens();
    fake.failNext('authorizations', 500);
    const noToken = await live.post('/v1/vouchers', order());
    assert.equal(noToken.status, 503, noToken.text);
    fake.failNext('cips', 'malformed');
    const bad = await live.post('/v1/vouchers', order());
    assert.equal(bad.status, 502, bad.text);
    assert.equal(bad.json.error.code, 'network_error');
    assert.ok(!bad.text.includes('not json'));
  });

  test('slow: PagoEfectivo that never answers is 503 within the 8 s deadline', async () => {
    fake.failNext('cips', 'hang');
    const started = Date.now();
    const slow = await live.post('/v1/vouchers', order());
    const took = Date.now() - started;
    assert.equal(slow.status, 503, slow.text);
    assert.ok(took >= 7_500 && took < 12_000, `answered after ${took} ms`);
  });

  test('a token that expired mid-flight is renewed once and the create succeeds', async () => {
    await live.post('/v1/vouchers', order()); // a cached token
    const auths = cips('/v1/authorizations');
    fake.expireTokens();
    const r = await live.post('/v1/vouchers', order());
    assert.equal(r.status, 201, r.text);
    assert.equal(cips('/v1/authorizations'), auths + 1, 'one new token');
  });

  test('a customer PagoEfectivo cannot take is a clear 400 before any call', async () => {
    const before = cips('/v1/cips');
    const noEmail = await live.post('/v1/vouchers', peOrder({ customer: { name: 'Ana' } }));
    assert.equal(noEmail.status, 400, noEmail.text);
    assert.equal(noEmail.json.error.param, 'customer.email');
    const badDoc = await live.post('/v1/vouchers', order({ customer: { ...customer, document_type: 'XX' } }));
    assert.equal(badDoc.status, 400);
    assert.equal(badDoc.json.error.param, 'customer.document_type');
    assert.equal(cips('/v1/cips'), before);
  });

  test('20 creates at once: 20 CIPs, one per voucher', async () => {
    const before = fake.cips.size;
    fake.expireTokens();
    const auths = cips('/v1/authorizations');
    const made = await Promise.all([...Array(20)].map(() => live.post('/v1/vouchers', order())));
    assert.deepEqual(made.map((r) => r.status), Array(20).fill(201));
    assert.equal(fake.cips.size - before, 20, 'twenty CIPs issued');
    assert.equal(cips('/v1/authorizations'), auths + 1, 'one new token for all twenty, then cached');
    const codes = new Set(made.map((r) => r.json.payment_code));
    assert.equal(codes.size, 20);
    for (const r of made) assert.equal(fake.cips.get(r.json.payment_code).transactionCode, r.json.id);
  });

  test('a CIP issued but whose answer was lost: its payment is kept on the voucher, never dropped', async () => {
    const body = order();
    const key = `live-lost-${Date.now()}`;
    const issuedBefore = new Set(fake.cips.keys());
    fake.failNext('cips', 'drop-after');
    const lost = await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } });
    assert.equal(lost.status, 503, lost.text);
    const orphan = [...fake.cips.keys()].find((c) => !issuedBefore.has(c));
    assert.ok(orphan, 'PagoEfectivo did issue a CIP');
    const v = (await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } })).json;
    assert.equal(fake.cips.get(orphan).transactionCode, v.id);
    assert.notEqual(v.payment_code, orphan);
    // The shopper somehow paid the first CIP: found by transactionCode, kept as unexpected.
    const paid = await payAtFake(orphan);
    assert.equal(paid.status, 200, paid.text);
    const after = (await live.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(after.status, 'pending');
    assert.deepEqual(after.unexpected_payments.map((p) => p.reason), ['code_mismatch']);
  });

  test('Regression (review M1): a CIP whose answer came after the deadline is deleted at PagoEfectivo once the retry holds another', { timeout: 60_000 }, async () => {
    const body = order();
    const key = `live-late-${Date.now()}`;
    const issuedBefore = new Set(fake.cips.keys());
    fake.failNext('cips', 'hold-after'); // answered 10 s later, past the edge's 8 s deadline
    const late = await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } });
    assert.equal(late.status, 503, late.text);
    const retry = await live.post('/v1/vouchers', body, { headers: { 'idempotency-key': key } });
    assert.equal(retry.status, 201, retry.text);
    const v = retry.json;
    const orphan = [...fake.cips.values()].find((c) => !issuedBefore.has(c.cip) && c.cip !== v.payment_code);
    assert.ok(orphan, 'PagoEfectivo issued the first attempt\'s CIP too');
    assert.equal(orphan.transactionCode, v.id);
    const deleted = () => fake.requests.some((q) => q.method === 'DELETE' && q.path === `/v1/cips/${orphan.cip}`);
    for (const stop = Date.now() + 30_000; Date.now() < stop && !deleted();) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(deleted(), 'the edge sent DELETE /v1/cips/{the late CIP}');
    assert.equal(fake.cips.get(orphan.cip).status, 'deleted');
    assert.equal(fake.cips.get(v.payment_code).status, 'pending', 'the voucher\'s own CIP is left alone');
    const now = (await live.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(now.status, 'pending');
    assert.equal(now.payment_code, v.payment_code);
  });

  test('Regression (review M1): an orphan CIP\'s cip.expired is recorded and ignored, and a payment under it is kept whatever its amount', async () => {
    const key = `live-orphan-${Date.now()}`;
    const issuedBefore = new Set(fake.cips.keys());
    fake.failNext('cips', 'drop-after'); // issued, and its answer never arrives: its number is unknown here
    const lost = await live.post('/v1/vouchers', order({ amount: 2_500 }), { headers: { 'idempotency-key': key } });
    assert.equal(lost.status, 503, lost.text);
    const orphan = [...fake.cips.keys()].find((c) => !issuedBefore.has(c));
    assert.ok(orphan, 'PagoEfectivo did issue a CIP');
    // The retry asks for another amount: the first body was never stored, so the key is free.
    const retried = await live.post('/v1/vouchers', order({ amount: 3_000 }), { headers: { 'idempotency-key': key } });
    assert.equal(retried.status, 201, retried.text);
    const v = retried.json;
    assert.equal(fake.cips.get(orphan).transactionCode, v.id);

    // PagoEfectivo lets the orphan lapse and says so, naming the voucher.
    const expiry = peBody({ cip: orphan, event: 'cip.expired', transactionCode: v.id });
    const r = await notify(expiry);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.status, 'pending', 'the voucher did not expire');
    let trail = await audit(v.id);
    assert.deepEqual(trail.map((n) => [n.outcome, n.body]), [['ignored', expiry]], 'recorded in the audit trail');
    assert.equal((await notify(expiry)).json.duplicate, true);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');

    // A shopper pays the orphan (its own amount, S/ 25.00, not the voucher's S/ 30.00).
    const paid = await payAtFake(orphan);
    assert.equal(paid.status, 200, paid.text);
    const after = (await live.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(after.status, 'pending');
    assert.deepEqual(after.unexpected_payments.map((p) => [p.reason, p.amount]), [['code_mismatch', 2_500]]);
    trail = await audit(v.id);
    assert.deepEqual(trail.map((n) => n.outcome), ['ignored', 'duplicate', 'unexpected_payment']);

    // The voucher's own CIP still pays it.
    const own = await payAtFake(v.payment_code);
    assert.equal(own.status, 200, own.text);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'paid');
  });
});

describe('cancel deletes the CIP at PagoEfectivo first', () => {
  test('pending: the CIP is deleted there, the voucher cancelled', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    const r = await live.post(`/v1/vouchers/${v.id}/cancel`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.status, 'cancelled');
    assert.equal(fake.cips.get(v.payment_code).status, 'deleted');
  });

  test('already paid upstream: cancel is 409 and the voucher is paid', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    await payAtFake(v.payment_code, { notify: false });
    const r = await live.post(`/v1/vouchers/${v.id}/cancel`);
    assert.equal(r.status, 409, JSON.stringify(r.json));
    const now = (await live.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(now.status, 'paid');
    // The notification that comes later is the same payment.
    const late = await notify(peBody({ cip: v.payment_code, operation: fake.cips.get(v.payment_code).operationNumber, transactionCode: v.id }));
    assert.equal(late.status, 200);
    assert.equal(late.json.duplicate, true);
  });

  test('PagoEfectivo down: cancel is 503 and the voucher stays pending', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    fake.failNext('delete', 503);
    assert.equal((await live.post(`/v1/vouchers/${v.id}/cancel`)).status, 503);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
    assert.equal(fake.cips.get(v.payment_code).status, 'pending');
  });
});

describe('verify, then pull', () => {
  test('a cip.paid that PagoEfectivo confirms pays the voucher', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    const searches = cips('/v1/cips/search');
    const r = await payAtFake(v.payment_code);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'paid');
    assert.equal(cips('/v1/cips/search'), searches + 1, 'confirmed with one search');
  });

  test('a signed cip.paid that PagoEfectivo does not confirm is kept, not applied (409)', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    // Signed with the live key, but the CIP is still pending at PagoEfectivo.
    const r = await notify(peBody({ cip: v.payment_code, transactionCode: v.id }));
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.equal(r.json.error.code, 'notification_unconfirmed');
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
    assert.deepEqual((await audit(v.id)).map((n) => n.outcome), ['unconfirmed']);
    // Paid at PagoEfectivo for another amount: still not applied.
    await payAtFake(v.payment_code, { notify: false });
    const wrong = await notify(peBody({ cip: v.payment_code, amount: '24.00', operation: fake.cips.get(v.payment_code).operationNumber, transactionCode: v.id }));
    assert.equal(wrong.status, 409);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
  });

  test('PagoEfectivo unreachable: 503 so the network retries, and the retry pays', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    fake.failNext('search', 503);
    const first = await payAtFake(v.payment_code);
    assert.equal(first.status, 503, first.text);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
    const c = fake.cips.get(v.payment_code);
    const again = await notify(peBody({ cip: v.payment_code, operation: c.operationNumber, transactionCode: v.id }));
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json.status, 'paid');
  });
});

describe('the sweep', () => {
  test('a payment whose notification never came is found by the cron and paid once', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    const waiting = (await live.post('/v1/vouchers', order())).json;
    await payAtFake(v.payment_code, { notify: false });
    let status = 'pending';
    for (const stop = Date.now() + 20_000; Date.now() < stop && status !== 'paid';) {
      await edge.scheduled();
      status = (await live.get(`/v1/vouchers/${v.id}`)).json.status;
      if (status !== 'paid') await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(status, 'paid');
    assert.equal((await live.get(`/v1/vouchers/${waiting.id}`)).json.status, 'pending', 'the unpaid one stays pending');
    const trail = await audit(v.id);
    assert.equal(trail.length, 1);
    assert.equal(JSON.parse(trail[0].body).source, 'search');
    // The notification that finally arrives is the same payment.
    const late = await notify(peBody({ cip: v.payment_code, operation: fake.cips.get(v.payment_code).operationNumber, transactionCode: v.id }));
    assert.equal(late.json.duplicate, true);
    const events = (await live.get('/v1/events?type=voucher.paid&limit=100')).json.data.filter((e) => e.data.id === v.id);
    assert.equal(events.length, 1);
  });

  test('the sweep asks in one search per merchant, and PagoEfectivo hanging costs one deadline', async () => {
    const made = await Promise.all([...Array(3)].map(() => live.post('/v1/vouchers', order()).then((r) => r.json)));
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // older than VALE_ASK_AFTER_SECONDS
    const searches = fake.requests.filter((q) => q.path === '/v1/cips/search');
    await edge.scheduled();
    const now = fake.requests.filter((q) => q.path === '/v1/cips/search').slice(searches.length);
    assert.equal(now.length, 1, 'one search');
    const asked = now[0].body.data.map((d) => String(d.cip));
    for (const v of made) assert.ok(asked.includes(v.payment_code), `${v.id} was asked about`);
    assert.ok(asked.length <= 50, 'within the rate budget');

    fake.failNext('search', 'hang');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const started = Date.now();
    await edge.scheduled();
    assert.ok(Date.now() - started < 12_000, 'the sweep gave up after its deadline');
    for (const v of made) assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
  });
});

describe('expiry asks first', () => {
  // Read through the events (which do not touch the voucher), so only the voucher's own
  // alarm can be what decides.
  const ended = async (id) => {
    for (const stop = Date.now() + 20_000; Date.now() < stop;) {
      const events = (await live.get('/v1/events?limit=100')).json.data.filter((e) => e.data.id === id);
      const end = events.find((e) => e.type === 'voucher.paid' || e.type === 'voucher.expired');
      if (end) return end.type;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return 'none';
  };

  test('a live voucher whose notification never came is asked about as it expires, and pays', async () => {
    const v = (await live.post('/v1/vouchers', order({ expires_at: new Date(Date.now() + 4_000).toISOString() }))).json;
    await payAtFake(v.payment_code, { notify: false });
    const searches = cips('/v1/cips/search');
    assert.equal(await ended(v.id), 'voucher.paid');
    assert.ok(cips('/v1/cips/search') > searches, 'PagoEfectivo was asked');
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.status, 'paid');
  });

  test('unpaid there, or PagoEfectivo unreachable: the voucher expires on time all the same', async () => {
    const unpaid = (await live.post('/v1/vouchers', order({ expires_at: new Date(Date.now() + 4_000).toISOString() }))).json;
    assert.equal(await ended(unpaid.id), 'voucher.expired');
    const down = (await live.post('/v1/vouchers', order({ expires_at: new Date(Date.now() + 4_000).toISOString() }))).json;
    fake.failNext('search', 503, 5);
    assert.equal(await ended(down.id), 'voucher.expired');
  });
});

describe('moving a deadline moves the CIP at PagoEfectivo first', () => {
  const patches = (cip) => fake.requests.filter((q) => q.method === 'PATCH' && q.path === `/v1/cips/${cip}`);
  const inSeconds = (s) => new Date(Math.floor(Date.now() / 1000 + s) * 1000);
  const move = (client, id, at) => client.post(`/v1/vouchers/${id}`, { expires_at: at.toISOString() });

  test('PATCH /v1/cips/{cip} with dateExpiry in -05:00, then the voucher moves', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    const at = inSeconds(3 * 86_400);
    const r = await move(live, v.id, at);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.expires_at, limaDate(at));
    const sent = patches(v.payment_code);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].body, { dateExpiry: limaDate(at) });
    assert.ok(sent[0].authorization.startsWith('Bearer '));
    assert.equal(fake.cips.get(v.payment_code).dateExpiry, limaDate(at), 'PagoEfectivo holds the new deadline');
    assert.deepEqual((await live.get(`/v1/vouchers/${v.id}`)).json, r.json);
  });

  test('a test-mode PagoEfectivo voucher asks nobody; a key of the other mode is 404', async () => {
    const testKey = api(edge.base);
    const t = (await testKey.post('/v1/vouchers', order())).json;
    const before = fake.requests.filter((q) => q.method === 'PATCH').length;
    const r = await move(testKey, t.id, inSeconds(2 * 86_400));
    assert.equal(r.status, 200, r.text);
    assert.equal(fake.requests.filter((q) => q.method === 'PATCH').length, before);
    const l = (await live.post('/v1/vouchers', order())).json;
    assert.equal((await move(live, t.id, inSeconds(86_400))).status, 404);
    assert.equal((await move(testKey, l.id, inSeconds(86_400))).status, 404);
    assert.equal(patches(l.payment_code).length, 0);
    assert.equal((await live.get(`/v1/vouchers/${l.id}`)).json.expires_at, l.expires_at);
  });

  test('PagoEfectivo down (503) or refusing (400) or unreadable: 503 / 502, never its text, and nothing changes', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    const cipBefore = fake.cips.get(v.payment_code).dateExpiry;
    for (const [how, status, code] of [[503, 503, 'network_unavailable'], [400, 502, 'network_error'],
      ['malformed', 502, 'network_error']]) {
      fake.failNext('patch', how);
      const r = await move(live, v.id, inSeconds(4 * 86_400));
      assert.equal(r.status, status, `${how}: ${r.text}`);
      assert.equal(r.json.error.code, code);
      assert.equal(r.json.error.type, 'api_error');
      assert.ok(!/fake|not json/i.test(r.text), 'PagoEfectivo\'s own text is not echoed');
      assert.deepEqual((await live.get(`/v1/vouchers/${v.id}`)).json, v, `${how}: the voucher is unchanged`);
    }
    assert.equal(fake.cips.get(v.payment_code).dateExpiry, cipBefore);
  });

  test('slow: a PATCH that never answers is 503 within 8 s; a second move meanwhile is 409; then a retry works', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    fake.failNext('patch', 'hang');
    const started = Date.now();
    const first = move(live, v.id, inSeconds(5 * 86_400));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const second = await move(live, v.id, inSeconds(6 * 86_400));
    assert.equal(second.status, 409, second.text);
    assert.equal(second.json.error.code, 'voucher_update_in_progress');
    const slow = await first;
    const took = Date.now() - started;
    assert.equal(slow.status, 503, slow.text);
    assert.ok(took >= 7_500 && took < 12_000, `answered after ${took} ms`);
    assert.deepEqual((await live.get(`/v1/vouchers/${v.id}`)).json, v);
    const at = inSeconds(6 * 86_400);
    const retry = await move(live, v.id, at);
    assert.equal(retry.status, 200, retry.text);
    assert.equal(fake.cips.get(v.payment_code).dateExpiry, limaDate(at));
  });

  test('a CIP paid at PagoEfectivo refuses the move (502), the voucher keeps its deadline', async () => {
    const v = (await live.post('/v1/vouchers', order())).json;
    await payAtFake(v.payment_code, { notify: false });
    const r = await move(live, v.id, inSeconds(2 * 86_400));
    assert.equal(r.status, 502, r.text);
    assert.equal((await live.get(`/v1/vouchers/${v.id}`)).json.expires_at, v.expires_at);
  });

  test('the voucher\'s own alarm follows the new deadline: moved sooner, it expires then, with no read', async () => {
    const ended = async (id) => {
      for (const stop = Date.now() + 20_000; Date.now() < stop;) {
        const events = (await live.get('/v1/events?limit=100')).json.data.filter((e) => e.data.id === id);
        const end = events.find((e) => e.type === 'voucher.expired');
        if (end) return end;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return null;
    };
    const v = (await live.post('/v1/vouchers', order({ expires_at: inSeconds(600).toISOString() }))).json;
    const at = inSeconds(4);
    const r = await move(live, v.id, at);
    assert.equal(r.status, 200, r.text);
    const end = await ended(v.id);
    assert.ok(end, 'expired by its alarm at the new deadline (window 0), not 10 minutes later');
    assert.equal(end.data.expires_at, limaDate(at));
  });
});
