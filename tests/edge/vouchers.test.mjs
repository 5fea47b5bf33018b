// The voucher API of spec/api.md against the real Workers runtime (wrangler dev + workerd):
// create and its validation, idempotency, both read views and CORS, cancel, listing,
// authentication, the hosted page and the demo checkout.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEdge } from '../support/fixtures.mjs';
import { api, efectyOrder, peOrder, ref } from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();

const inMinutes = (m) => new Date(Date.now() + m * 60_000).toISOString();
const hoursAhead = (iso) => (Date.parse(iso) - Date.now()) / 3_600_000;

describe('POST /v1/vouchers', () => {
  test('issues an Efecty voucher in COP with a GS1-128 barcode, due at the end of the 3rd day, Bogotá time', async () => {
    const order = efectyOrder({ description: 'Pedido 1001', customer: { name: 'Ana', email: 'ana@example.co' },
      metadata: { cart: '42' } });
    const { status, json: v } = await merchant.post('/v1/vouchers', order);
    assert.equal(status, 201);
    assert.match(v.id, /^vch_[0-9a-z]{24}$/);
    assert.equal(v.object, 'voucher');
    assert.equal(v.livemode, false);
    assert.equal(v.network, 'efecty');
    assert.equal(v.status, 'pending');
    assert.equal(v.amount, 5_000_000);
    assert.equal(v.currency, 'COP');
    assert.equal(v.reference, order.reference);
    assert.equal(v.description, 'Pedido 1001');
    assert.match(v.payment_code, /^[1-9][0-9]{11}$/);
    assert.equal(v.barcode.symbology, 'gs1-128');
    assert.match(v.barcode.data, new RegExp(`^\\(415\\)7709998000018\\(8020\\)${v.payment_code}\\(3900\\)50000\\(96\\)\\d{8}$`));
    assert.equal(v.time_zone, 'America/Bogota');
    // The 3rd day ahead in Bogotá, to its last second (the barcode's (96) is that date).
    const bogota = new Date(Date.now() - 5 * 3_600_000 + 3 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(v.expires_at, `${bogota}T23:59:59-05:00`);
    assert.ok(v.barcode.data.endsWith(`(96)${bogota.replaceAll('-', '')}`), v.barcode.data);
    assert.match(v.created_at, /-05:00$/);
    assert.equal(v.paid_at, null);
    assert.match(v.client_secret, new RegExp(`^${v.id}_secret_[0-9a-z]{24}$`));
    assert.equal(v.hosted_url, `${edge.base}/v/${v.id}?cs=${v.client_secret}`);
    assert.deepEqual(v.customer, { name: 'Ana', email: 'ana@example.co' });
    assert.deepEqual(v.metadata, { cart: '42' });
  });

  test('issues a PagoEfectivo voucher in PEN with a CIP and its QR, due in 24 h, Lima time', async () => {
    const { status, json: v } = await merchant.post('/v1/vouchers', peOrder());
    assert.equal(status, 201);
    assert.equal(v.network, 'pagoefectivo');
    assert.equal(v.currency, 'PEN');
    assert.match(v.payment_code, /^[1-9][0-9]{9}$/);
    assert.equal(v.barcode.symbology, 'qr');
    assert.equal(v.barcode.data, v.payment_code);
    assert.equal(v.time_zone, 'America/Lima');
    assert.ok(Math.abs(hoursAhead(v.expires_at) - 24) < 0.1, v.expires_at);
  });

  test('takes an expires_at between 15 minutes and 30 days ahead, in the network offset', async () => {
    const soon = await merchant.post('/v1/vouchers', peOrder({ expires_at: inMinutes(16) }));
    assert.equal(soon.status, 201, soon.text);
    assert.match(soon.json.expires_at, /-05:00$/);
    const far = await merchant.post('/v1/vouchers', peOrder({ expires_at: inMinutes(30 * 24 * 60 - 1) }));
    assert.equal(far.status, 201, far.text);
  });

  const invalid = [
    ['a body that is not JSON', 'not json', 'body'],
    ['a missing network', { amount: 5_000_000, currency: 'COP', reference: 'r1' }, 'network'],
    ['an unknown network', efectyOrder({ network: 'oxxo' }), 'network'],
    ['PEN on Efecty', efectyOrder({ currency: 'PEN' }), 'currency'],
    ['COP on PagoEfectivo', peOrder({ currency: 'COP', amount: 5_000_000 }), 'currency'],
    ['a missing amount', efectyOrder({ amount: undefined }), 'amount'],
    ['COP centavos (not whole pesos)', efectyOrder({ amount: 5_000_050 }), 'amount'],
    ['a float amount', efectyOrder({ amount: 50000.5 }), 'amount'],
    ['an amount as a string', efectyOrder({ amount: '5000000' }), 'amount'],
    ['a negative amount', efectyOrder({ amount: -100 }), 'amount'],
    ['an amount under the Efecty minimum', efectyOrder({ amount: 400_000 }), 'amount'],
    ['an amount over the Efecty maximum', efectyOrder({ amount: 400_000_100 }), 'amount'],
    ['an amount over the PagoEfectivo maximum', peOrder({ amount: 500_001 }), 'amount'],
    ['a reference with a space', efectyOrder({ reference: 'order 1' }), 'reference'],
    ['a reference of 65 characters', efectyOrder({ reference: 'x'.repeat(65) }), 'reference'],
    ['a description of 121 characters', efectyOrder({ description: 'd'.repeat(121) }), 'description'],
    ['expires_at in 14 minutes', efectyOrder({ expires_at: inMinutes(14) }), 'expires_at'],
    ['expires_at in the past', efectyOrder({ expires_at: inMinutes(-60) }), 'expires_at'],
    ['expires_at in 31 days', efectyOrder({ expires_at: inMinutes(31 * 24 * 60) }), 'expires_at'],
    ['expires_at not RFC 3339', efectyOrder({ expires_at: 'mañana' }), 'expires_at'],
    ['an unknown field', efectyOrder({ colour: 'red' }), 'colour'],
    ['a bad customer e-mail', efectyOrder({ customer: { email: 'nope' } }), 'customer.email'],
    ['21 metadata keys', efectyOrder({ metadata: Object.fromEntries([...Array(21).keys()].map((k) => [`k${k}`, 'v'])) }), 'metadata'],
  ];
  for (const [what, body, param] of invalid) {
    test(`refuses ${what} with 400 naming ${param}`, async () => {
      const r = typeof body === 'string'
        ? await merchant.call('POST', '/v1/vouchers', { raw: body })
        : await merchant.post('/v1/vouchers', body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(r.json.error.param, param);
      assert.match(r.json.error.code, /^[a-z_]+$/);
      assert.ok(r.json.error.message.length > 0);
      assert.deepEqual(Object.keys(r.json), ['error']);
    });
  }

  test('refuses a body over 64 KiB with 413, not 500', async () => {
    const r = await merchant.post('/v1/vouchers', efectyOrder({ description: 'x'.repeat(70_000) }));
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'body_too_large');
  });
});

describe('Idempotency-Key', () => {
  test('a replay answers the first response again with Idempotent-Replayed: true', async () => {
    const key = `key-${ref()}`;
    const order = efectyOrder();
    const first = await merchant.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await merchant.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text);
    // The raw bytes are compared: the same JSON spelled differently is another request.
    const spaced = await merchant.call('POST', '/v1/vouchers', {
      raw: JSON.stringify(order, null, 2), headers: { 'idempotency-key': key },
    });
    assert.equal(spaced.status, 422);
    const list = await merchant.get(`/v1/vouchers?reference=${order.reference}`);
    assert.equal(list.json.data.length, 1, 'one voucher for one key');
  });

  test('the same key with another body is 422', async () => {
    const key = `key-${ref()}`;
    const first = await merchant.post('/v1/vouchers', efectyOrder(), { headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201);
    const other = await merchant.post('/v1/vouchers', efectyOrder(), { headers: { 'idempotency-key': key } });
    assert.equal(other.status, 422);
    assert.equal(other.json.error.type, 'idempotency_error');
  });

  test('the same key while the first request still runs is 409 (or the replay), never a second voucher', async () => {
    const key = `key-${ref()}`;
    const order = efectyOrder();
    const results = await Promise.all([...Array(6)].map(() =>
      merchant.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } })));
    const created = results.filter((r) => r.status === 201);
    const busy = results.filter((r) => r.status === 409);
    assert.equal(created.length + busy.length, results.length, results.map((r) => r.status).join());
    assert.ok(created.length >= 1);
    assert.equal(new Set(created.map((r) => r.json.id)).size, 1);
    for (const r of busy) assert.equal(r.json.error.type, 'idempotency_error');
    const list = await merchant.get(`/v1/vouchers?reference=${order.reference}`);
    assert.equal(list.json.data.length, 1);
  });

  test('a validation error does not consume the key', async () => {
    const key = `key-${ref()}`;
    const bad = await merchant.post('/v1/vouchers', efectyOrder({ amount: 1 }), { headers: { 'idempotency-key': key } });
    assert.equal(bad.status, 400);
    const good = await merchant.post('/v1/vouchers', efectyOrder(), { headers: { 'idempotency-key': key } });
    assert.equal(good.status, 201);
  });

  test('a key over 255 characters is 400', async () => {
    const r = await merchant.post('/v1/vouchers', efectyOrder(), { headers: { 'idempotency-key': 'k'.repeat(256) } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.param, 'Idempotency-Key');
  });
});

describe('GET /v1/vouchers/{id}', () => {
  let voucher;
  before(async () => {
    voucher = (await merchant.post('/v1/vouchers', efectyOrder({ customer: { name: 'Ana' }, metadata: { a: 'b' } }))).json;
  });

  test('with the secret key: the whole voucher', async () => {
    const r = await merchant.get(`/v1/vouchers/${voucher.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, voucher);
  });

  test('with the client secret: the display view plus server_time, CORS-enabled', async () => {
    const r = await api(edge.base, voucher.client_secret).get(`/v1/vouchers/${voucher.id}`, {
      headers: { origin: 'https://tienda.example' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    for (const hidden of ['customer', 'metadata', 'client_secret']) assert.ok(!(hidden in r.json), hidden);
    // Regression: the client secret rode along inside hosted_url.
    assert.ok(!r.text.includes('_secret_'), r.text);
    assert.equal(r.json.hosted_url, `${edge.base}/v/${voucher.id}`);
    assert.equal(r.json.merchant_name, 'Tienda Local');
    assert.equal(r.json.convenio, '112233');
    assert.equal(r.json.return_url, null);
    assert.equal(r.json.id, voucher.id);
    assert.equal(r.json.payment_code, voucher.payment_code);
    assert.equal(r.json.amount, voucher.amount);
    assert.ok(Math.abs(Date.parse(r.json.server_time) - Date.now()) < 60_000);
  });

  test('answers the CORS preflight from any origin', async () => {
    const resp = await fetch(`${edge.base}/v1/vouchers/${voucher.id}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://tienda.example', 'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization' },
    });
    assert.equal(resp.status, 204);
    assert.equal(resp.headers.get('access-control-allow-origin'), '*');
    assert.match(resp.headers.get('access-control-allow-headers'), /authorization/i);
    assert.match(resp.headers.get('access-control-allow-methods'), /GET/);
  });

  test('a wrong client secret for the voucher is 401; one for another voucher is 403', async () => {
    const forged = `${voucher.id}_secret_${'0'.repeat(24)}`;
    const wrong = await api(edge.base, forged).get(`/v1/vouchers/${voucher.id}`);
    assert.equal(wrong.status, 401);
    const other = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const cross = await api(edge.base, other.client_secret).get(`/v1/vouchers/${voucher.id}`);
    assert.equal(cross.status, 403);
  });

  test('an unknown id is 404, well-formed or not', async () => {
    const unknown = await merchant.get(`/v1/vouchers/vch_${'0'.repeat(24)}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.type, 'invalid_request_error');
    const garbage = await merchant.get('/v1/vouchers/not-an-id');
    assert.equal(garbage.status, 404);
  });
});

describe('authentication', () => {
  test('a missing or unknown key is 401', async () => {
    for (const key of [null, 'sk_test_wrong', 'sk_live_local', 'nonsense']) {
      const r = await api(edge.base, key).post('/v1/vouchers', efectyOrder());
      assert.equal(r.status, 401, `${key}`);
      assert.equal(r.json.error.type, 'authentication_error');
    }
  });

  test('a client secret on any route but its voucher read is 403', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const client = api(edge.base, v.client_secret);
    for (const [method, path] of [
      ['POST', '/v1/vouchers'], ['GET', '/v1/vouchers'], ['POST', `/v1/vouchers/${v.id}/cancel`],
      ['POST', `/v1/sandbox/vouchers/${v.id}/pay`], ['POST', `/v1/sandbox/vouchers/${v.id}/expire`],
    ]) {
      const r = await client.call(method, path, method === 'POST' ? { body: efectyOrder() } : {});
      assert.equal(r.status, 403, `${method} ${path}`);
    }
    assert.equal((await merchant.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
  });

  test('errors never echo the key', async () => {
    const r = await api(edge.base, 'sk_test_this-is-secret').get('/v1/vouchers');
    assert.ok(!r.text.includes('this-is-secret'));
  });
});

describe('POST /v1/vouchers/{id}/cancel', () => {
  test('pending → cancelled, then 409', async () => {
    const v = (await merchant.post('/v1/vouchers', peOrder())).json;
    const r = await merchant.post(`/v1/vouchers/${v.id}/cancel`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'cancelled');
    const again = await merchant.post(`/v1/vouchers/${v.id}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'voucher_not_pending');
    assert.equal((await merchant.post(`/v1/vouchers/vch_${'1'.repeat(24)}/cancel`)).status, 404);
  });
});

describe('POST /v1/vouchers/{id}: moving a pending deadline', () => {
  const bogotaDay = (ms) => new Date(ms - 5 * 3_600_000).toISOString().slice(0, 10);
  const move = (id, body, client = merchant) => typeof body === 'string'
    ? client.call('POST', `/v1/vouchers/${id}`, { raw: body })
    : client.post(`/v1/vouchers/${id}`, body);
  const advance = (id, seconds) => merchant.post(`/v1/sandbox/vouchers/${id}/advance`, { seconds });
  const read = async (id) => (await merchant.get(`/v1/vouchers/${id}`)).json;
  const inDays = (d) => ({ expires_at: new Date(Date.now() + d * 86_400_000).toISOString() });

  test('Efecty: the new deadline ends its Bogotá day, the (96) date follows, and it expires by the new deadline, not the old', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const asked = Date.now() + 6 * 86_400_000;
    const day = bogotaDay(asked);
    const r = await move(v.id, { expires_at: new Date(asked).toISOString() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.expires_at, `${day}T23:59:59-05:00`);
    assert.ok(r.json.barcode.data.endsWith(`(96)${day.replaceAll('-', '')}`), r.json.barcode.data);
    assert.equal(r.json.barcode.text, r.json.barcode.data);
    assert.notEqual(r.json.barcode.data, v.barcode.data);
    // Only the deadline and the barcode's date changed; the answer is the voucher as stored.
    assert.deepEqual({ ...r.json, expires_at: v.expires_at, barcode: v.barcode }, v);
    assert.deepEqual(await read(v.id), r.json);
    // By the test clock: past the old deadline and its 12 h window, still pending …
    const oldEnd = Date.parse(v.expires_at) + 12 * 3_600_000;
    const past = await advance(v.id, Math.ceil((oldEnd - Date.now()) / 1000) + 3_600);
    assert.equal(past.status, 200, past.text);
    assert.equal(past.json.status, 'pending');
    // … and expired once the new deadline's window has passed.
    const newEnd = Date.parse(r.json.expires_at) + 12 * 3_600_000;
    const ended = await advance(v.id, Math.ceil((newEnd - oldEnd) / 1000));
    assert.equal(ended.json.status, 'expired');
    assert.equal(Date.parse(ended.json.expired_at), newEnd);
  });

  test('PagoEfectivo (test mode): the exact instant asked, in Lima time; its QR stays', async () => {
    const v = (await merchant.post('/v1/vouchers', peOrder())).json;
    const asked = new Date(Math.floor(Date.now() / 1000 + 3 * 86_400) * 1000);
    const r = await move(v.id, { expires_at: asked.toISOString() });
    assert.equal(r.status, 200, r.text);
    assert.equal(Date.parse(r.json.expires_at), asked.getTime());
    assert.match(r.json.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    assert.deepEqual(r.json.barcode, v.barcode);
    // Sooner is a move too.
    const sooner = await move(v.id, { expires_at: inMinutes(30) });
    assert.equal(sooner.status, 200, sooner.text);
    assert.ok(Date.parse(sooner.json.expires_at) < Date.now() + 31 * 60_000);
  });

  test('a paid, cancelled or expired voucher is 409 voucher_not_pending; past its deadline 409 deadline_passed', async () => {
    const later = inDays(5);
    const paid = (await merchant.post('/v1/vouchers', peOrder())).json;
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${paid.id}/pay`)).status, 200);
    const cancelled = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    assert.equal((await merchant.post(`/v1/vouchers/${cancelled.id}/cancel`)).status, 200);
    for (const v of [paid, cancelled]) {
      const before = await read(v.id);
      const r = await move(v.id, later);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.code, 'voucher_not_pending');
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.deepEqual(await read(v.id), before);
    }
    // Ten minutes past its deadline, inside the 60-minute window: pending, but it no longer moves.
    const late = (await merchant.post('/v1/vouchers', peOrder({ expires_at: inMinutes(20) }))).json;
    await advance(late.id, 30 * 60);
    const passed = await move(late.id, later);
    assert.equal(passed.status, 409, passed.text);
    assert.equal(passed.json.error.code, 'deadline_passed');
    const still = await read(late.id);
    assert.equal(still.status, 'pending');
    assert.equal(still.expires_at, late.expires_at);
    // After the window: expired.
    await advance(late.id, 60 * 60);
    const expired = await move(late.id, later);
    assert.equal(expired.status, 409);
    assert.equal(expired.json.error.code, 'voucher_not_pending');
  });

  const invalid = [
    ['no expires_at', {}, 'expires_at'],
    ['a null expires_at', { expires_at: null }, 'expires_at'],
    ['expires_at not RFC 3339', { expires_at: 'mañana' }, 'expires_at'],
    ['expires_at in 14 minutes', { expires_at: inMinutes(14) }, 'expires_at'],
    ['expires_at in the past', { expires_at: inMinutes(-60) }, 'expires_at'],
    ['expires_at in 31 days', { expires_at: inMinutes(31 * 24 * 60) }, 'expires_at'],
    ['another field', { ...inDays(2), amount: 100 }, 'amount'],
    ['a body that is not JSON', 'not json', 'body'],
  ];
  for (const [what, body, param] of invalid) {
    test(`refuses ${what} with 400 naming ${param}, and nothing changes`, async () => {
      const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
      const r = await move(v.id, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(r.json.error.param, param);
      assert.deepEqual(await read(v.id), v);
    });
  }

  test('the 15 minutes and 30 days count on the voucher\'s own (test) clock', async () => {
    const v = (await merchant.post('/v1/vouchers', peOrder({ expires_at: inMinutes(5 * 24 * 60) }))).json;
    await advance(v.id, 2 * 86_400);
    const behind = await move(v.id, inDays(1)); // ahead of the runtime, behind the voucher
    assert.equal(behind.status, 400, behind.text);
    assert.equal(behind.json.error.code, 'expires_at_too_soon');
    const ahead = await move(v.id, inDays(31)); // 29 days ahead of the voucher's clock
    assert.equal(ahead.status, 200, ahead.text);
  });

  test('only the secret key: a restricted key or the client secret is 403; unknown ids 404', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const restricted = await move(v.id, inDays(5), api(edge.base, 'rk_test_local'));
    assert.equal(restricted.status, 403, restricted.text);
    assert.equal(restricted.json.error.code, 'permission_denied');
    const client = await move(v.id, inDays(5), api(edge.base, v.client_secret));
    assert.equal(client.status, 403, client.text);
    assert.equal(client.json.error.code, 'permission_denied');
    assert.equal(client.headers.get('access-control-allow-origin'), '*');
    assert.equal((await move(v.id, inDays(5), api(edge.base, 'sk_test_wrong'))).status, 401);
    assert.equal((await move(`vch_${'3'.repeat(24)}`, inDays(5))).status, 404);
    assert.deepEqual(await read(v.id), v);
  });

  test('a move emits no event: the payment that follows is the only one, and carries the new deadline', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const moved = (await move(v.id, inDays(8))).json;
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);
    let mine = [];
    for (const stop = Date.now() + 15_000; Date.now() < stop && mine.length === 0;) {
      mine = (await merchant.get('/v1/events?limit=100')).json.data.filter((e) => e.data.id === v.id);
      if (mine.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(mine.map((e) => e.type), ['voucher.paid']);
    assert.equal(mine[0].data.expires_at, moved.expires_at);
  });
});

describe('GET /v1/vouchers', () => {
  const reference = ref('list');
  const ids = [];
  before(async () => {
    for (let i = 0; i < 5; i++) {
      ids.push((await merchant.post('/v1/vouchers', efectyOrder({ reference }))).json.id);
    }
    await merchant.post(`/v1/vouchers/${ids[1]}/cancel`);
  });

  test('lists newest first as {object, data, has_more}', async () => {
    const r = await merchant.get(`/v1/vouchers?reference=${reference}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['data', 'has_more', 'object']);
    assert.equal(r.json.object, 'list');
    assert.equal(r.json.has_more, false);
    assert.deepEqual(r.json.data.map((v) => v.id), [...ids].reverse());
    assert.ok(r.json.data.every((v) => v.object === 'voucher' && v.reference === reference));
  });

  test('pages with limit and starting_after', async () => {
    const page1 = await merchant.get(`/v1/vouchers?reference=${reference}&limit=2`);
    assert.deepEqual(page1.json.data.map((v) => v.id), [ids[4], ids[3]]);
    assert.equal(page1.json.has_more, true);
    const page2 = await merchant.get(`/v1/vouchers?reference=${reference}&limit=2&starting_after=${ids[3]}`);
    assert.deepEqual(page2.json.data.map((v) => v.id), [ids[2], ids[1]]);
    assert.equal(page2.json.has_more, true);
    const page3 = await merchant.get(`/v1/vouchers?reference=${reference}&limit=2&starting_after=${ids[1]}`);
    assert.deepEqual(page3.json.data.map((v) => v.id), [ids[0]]);
    assert.equal(page3.json.has_more, false);
  });

  test('filters by status, kept current by each voucher object', async () => {
    const cancelled = await merchant.get(`/v1/vouchers?reference=${reference}&status=cancelled`);
    assert.deepEqual(cancelled.json.data.map((v) => v.id), [ids[1]]);
    assert.equal(cancelled.json.data[0].status, 'cancelled');
    const pending = await merchant.get(`/v1/vouchers?reference=${reference}&status=pending`);
    assert.equal(pending.json.data.length, 4);
  });

  test('refuses bad parameters with 400 naming them', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit'], ['status=lost', 'status'],
      ['starting_after=nope', 'starting_after'], [`starting_after=vch_${'2'.repeat(24)}`, 'starting_after'],
      ['reference=a%20b', 'reference'], ['colour=red', 'colour'],
    ]) {
      const r = await merchant.get(`/v1/vouchers?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.json.error.param, param, query);
    }
  });
});

describe('routes', () => {
  test('an unknown API route is a JSON 404; a wrong method is 405', async () => {
    const r = await merchant.get('/v1/nothing');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.equal((await merchant.call('DELETE', '/v1/vouchers')).status, 405);
  });

  test('malformed input of every kind is a 4xx in the contract shape, never a 500', async () => {
    const cases = [
      ['POST', '/v1/vouchers', { raw: '{"network":"efecty","amount":1e400,"currency":"COP","reference":"r"}' }],
      ['POST', '/v1/vouchers', { raw: '{"network":"efecty","amount":99999999999999999999,"currency":"COP","reference":"r"}' }],
      ['POST', '/v1/vouchers', { raw: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' }],
      ['POST', '/v1/vouchers', { raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }],
      ['POST', '/v1/vouchers', { raw: '' }],
      ['POST', '/v1/vouchers', { raw: 'null' }],
      ['POST', '/v1/vouchers', { body: efectyOrder({ reference: '\u0000' }) }],
      ['POST', '/v1/vouchers', { body: efectyOrder({ metadata: { '': 'x' } }) }],
      ['POST', '/v1/vouchers', { body: efectyOrder({ customer: [] }) }],
      ['GET', '/v1/vouchers/%00'],
      ['GET', '/v1/vouchers/vch_%F0%9F%92%B8'],
      ['GET', '/v1/vouchers?limit=-1'],
      ['GET', '/v1/vouchers?status='],
      ['GET', '/v1/vouchers?reference='],
      ['POST', '/v1/vouchers/vch_/cancel'],
      ['POST', '/v1/notifications/pagoefectivo', { raw: Buffer.from([0xff, 0x00]) }],
      ['POST', '/v1/notifications/efecty', { raw: '{}', headers: { 'webhook-id': 'a.b', 'webhook-timestamp': '-1', 'webhook-signature': 'v1,@@@' } }],
      ['POST', '/v1/notifications/efecty', { raw: '{}', headers: { 'webhook-id': 'x'.repeat(300), 'webhook-timestamp': '1'.repeat(40), 'webhook-signature': 'v2,abc' } }],
    ];
    for (const [method, path, opts = {}] of cases) {
      const r = await merchant.call(method, path, opts);
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
      assert.ok(r.json?.error?.type && r.json.error.code && r.json.error.message, `${method} ${path}: ${r.text}`);
    }
  });

  test('POST /demo/checkout creates a mer_local voucher and answers only id, client_secret, hosted_url', async () => {
    const resp = await fetch(`${edge.base}/demo/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'pagoefectivo', amount: 2500, currency: 'PEN', reference: ref('demo'),
        description: 'Demo' }),
    });
    assert.equal(resp.status, 201);
    const body = await resp.json();
    assert.deepEqual(Object.keys(body).sort(), ['client_secret', 'hosted_url', 'id']);
    const view = await api(edge.base, body.client_secret).get(`/v1/vouchers/${body.id}`);
    assert.equal(view.status, 200);
    assert.equal(view.json.description, 'Demo');
  });

  test('POST /demo/vouchers/{id}/pay runs the network simulator for a mer_local voucher', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const resp = await fetch(`${edge.base}/demo/vouchers/${v.id}/pay`, { method: 'POST' });
    assert.equal(resp.status, 200);
    assert.equal((await resp.json()).status, 'paid');
    assert.equal((await merchant.get(`/v1/vouchers/${v.id}`)).json.status, 'paid');
    const unknown = await fetch(`${edge.base}/demo/vouchers/vch_nope/pay`, { method: 'POST' });
    assert.equal(unknown.status, 404);
  });

  test('GET /v/{id} serves the hosted page', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const resp = await fetch(v.hosted_url);
    assert.equal(resp.status, 200);
    assert.match(resp.headers.get('content-type'), /text\/html/);
    await resp.text();
  });
});
