// Marketplaces (issue #23) against workerd: the local platform `mer_platform` exactly as
// edge/.dev.vars configures it, plus a second platform with test and live keys, so
// platform/non-platform, platform/platform and test/live isolation are all exercised on
// one edge. Each seller lives in its platform's and mode's SellerLedger object.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startEdge } from '../support/edge.mjs';
import { api } from '../support/vale.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const OTHER_TEST = 'sk_test_otro_mercado';
const OTHER_LIVE = 'sk_live_otro_mercado';
/** edge/.dev.vars' merchants (mer_local, mer_platform), as `cargo xtask dev` serves them. */
const devMerchants = () => {
  const line = readFileSync(join(root, 'edge', '.dev.vars'), 'utf8')
    .split('\n').find((l) => l.startsWith('MERCHANTS='));
  return JSON.parse(line.slice('MERCHANTS='.length).replace(/^'|'$/g, ''));
};
const merchants = () => [
  ...devMerchants(),
  { id: 'mer_000000000000000000000002', name: 'Otro Mercado', platform: true,
    keys: [{ sha256: sha256(OTHER_TEST), mode: 'test', role: 'secret' },
      { sha256: sha256(OTHER_LIVE), mode: 'live', role: 'secret' }],
    test: { pagoefectivo_secret: 'pe_otro_test' } },
];

const NEQUI = { type: 'wallet', provider: 'nequi', phone: '+57 300 123 4567' };
const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };
const co = (extra = {}) => ({
  display_name: 'Café Andino', country: 'CO', document_type: 'CC', document_number: '1020304050', ...extra,
});
const pe = (extra = {}) => ({
  display_name: 'Bodega Lima', country: 'PE', document_type: 'DNI', document_number: '12345678', ...extra,
});

let edge;
let platform;
let platformReader;
let local;
let localReader;
let other;
let otherLive;
before(async () => {
  edge = await startEdge({ vars: { MERCHANTS: JSON.stringify(merchants()) } });
  platform = api(edge.base, 'sk_test_platform');
  platformReader = api(edge.base, 'rk_test_platform');
  local = api(edge.base, 'sk_test_local');
  localReader = api(edge.base, 'rk_test_local');
  other = api(edge.base, OTHER_TEST);
  otherLive = api(edge.base, OTHER_LIVE);
});
after(async () => {
  await edge?.stop();
});

const created = async (client, body) => {
  const r = await client.post('/v1/accounts', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
};
/** Every account id of a client's list, paging to the end. */
const allIds = async (client, query = '') => {
  const ids = [];
  let after = '';
  for (;;) {
    const r = await client.get(`/v1/accounts?limit=100${query}${after}`);
    assert.equal(r.status, 200, r.text);
    ids.push(...r.json.data.map((a) => a.id));
    if (!r.json.has_more) return ids;
    after = `&starting_after=${ids.at(-1)}`;
  }
};

describe('marketplace accounts', () => {
  test('a merchant that is not a platform gets 403 on every account route', async () => {
    const mine = await created(platform, co());
    for (const client of [local, localReader]) {
      for (const [method, path, body] of [
        ['POST', '/v1/accounts', co()],
        ['GET', '/v1/accounts'],
        ['GET', `/v1/accounts/${mine.id}`],
        ['POST', `/v1/accounts/${mine.id}`, { display_name: 'x' }],
        ['POST', `/v1/accounts/${mine.id}/disable`],
      ]) {
        const r = await client.call(method, path, { body });
        assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
        assert.ok(['platform_required', 'permission_denied'].includes(r.json.error.code), r.text);
      }
    }
    // The secret key of mer_local is refused as not a platform, naming why.
    assert.equal((await local.get('/v1/accounts')).json.error.code, 'platform_required');
    assert.equal((await platform.get(`/v1/accounts/${mine.id}`)).json.display_name, 'Café Andino');
  });

  test('POST /v1/accounts: pending until a payout destination, the document and destination masked', async () => {
    const a = await created(platform, co({ email: 'ventas@cafe.co', metadata: { vendor: '17' } }));
    assert.match(a.id, /^acct_[0-9a-z]+$/);
    assert.equal(a.object, 'account');
    assert.equal(a.livemode, false);
    assert.equal(a.country, 'CO');
    assert.equal(a.document_type, 'CC');
    assert.equal(a.document_number, '••••4050');
    assert.equal(a.status, 'pending');
    assert.deepEqual(a.requirements, { currently_due: ['payout_destination'] });
    assert.deepEqual(a.payout_schedule, { interval: 'daily' });
    assert.equal(a.payout_destination, null);
    assert.equal(a.email, 'ventas@cafe.co');
    assert.deepEqual(a.metadata, { vendor: '17' });
    assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    const b = await created(platform, pe({ payout_destination: YAPE, payout_schedule: { interval: 'weekly' },
      limits: { max_voucher_amount: 50_000, max_open_vouchers: 3 } }));
    assert.equal(b.status, 'enabled');
    assert.deepEqual(b.requirements.currently_due, []);
    assert.equal(b.payout_destination.provider, 'yape');
    assert.deepEqual(b.limits, { max_voucher_amount: 50_000, max_open_vouchers: 3 });
    for (const text of [JSON.stringify(a), JSON.stringify(b), (await platform.get(`/v1/accounts/${b.id}`)).text]) {
      assert.ok(!text.includes('1020304050') && !text.includes('12345678'), text);
      assert.ok(!text.includes('987654321') && !text.includes('987 654 321'), text);
    }
  });

  test('each bad field of a create is a 400 naming it, and nothing is stored', async () => {
    const before = await allIds(platform);
    for (const [body, param, code] of [
      [co({ country: 'AR' }), 'country', 'country_invalid'],
      [co({ document_type: 'DNI' }), 'document_type', 'document_type_invalid'],
      [co({ document_number: '12' }), 'document_number', 'document_number_invalid'],
      [co({ display_name: 'x'.repeat(61) }), 'display_name', 'display_name_invalid'],
      [co({ display_name: '' }), 'display_name', null],
      [co({ payout_schedule: { interval: 'hourly' } }), null, 'interval_invalid'],
      [co({ limits: { max_voucher_amount: -1 } }), null, 'limit_invalid'],
      [co({ payout_destination: YAPE }), null, 'payout_destination_invalid'],
      [co({ nickname: 'x' }), 'nickname', 'parameter_unknown'],
      [{ country: 'CO' }, null, null],
    ]) {
      const r = await platform.post('/v1/accounts', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.ok(r.json.error.param, r.text);
      if (param) assert.equal(r.json.error.param, param, r.text);
      if (code) assert.equal(r.json.error.code, code, r.text);
    }
    const raw = await platform.call('POST', '/v1/accounts', { raw: '{"display_name":' });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.code, 'body_invalid');
    assert.deepEqual(await allIds(platform), before);
  });

  test('POST /v1/accounts/{id} changes only the fields it names; country never changes', async () => {
    const a = await created(platform, co({ email: 'a@cafe.co' }));
    const enabled = await platform.post(`/v1/accounts/${a.id}`, { payout_destination: NEQUI, email: null });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.json.status, 'enabled');
    assert.equal(enabled.json.email, null);
    assert.equal(enabled.json.display_name, 'Café Andino');
    assert.equal(enabled.json.payout_destination.provider, 'nequi');
    assert.ok(!enabled.text.includes('3001234567'), enabled.text);
    const immutable = await platform.post(`/v1/accounts/${a.id}`, { country: 'PE' });
    assert.equal(immutable.status, 400);
    assert.equal(immutable.json.error.param, 'country');
    assert.equal(immutable.json.error.code, 'parameter_immutable');
    // A bad field refuses the whole update: the good one beside it is not applied.
    const half = await platform.post(`/v1/accounts/${a.id}`, { display_name: 'Nuevo', document_type: 'XX',
      document_number: '1' });
    assert.equal(half.status, 400);
    const now = (await platform.get(`/v1/accounts/${a.id}`)).json;
    assert.equal(now.display_name, 'Café Andino');
    assert.equal(now.status, 'enabled');
    // The document changes as a pair, and is kept masked.
    const renamed = await platform.post(`/v1/accounts/${a.id}`, { display_name: 'Café Andino SAS',
      document_type: 'CC', document_number: '79123456' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.json.display_name, 'Café Andino SAS');
    assert.equal(renamed.json.document_number, '••••3456');
    assert.equal(renamed.json.payout_destination.provider, 'nequi');
    const alone = await platform.post(`/v1/accounts/${a.id}`, { document_number: '79123457' });
    assert.equal(alone.status, 400, alone.text);
  });

  test('disable is final and repeatable; ?status= filters the list', async () => {
    const a = await created(platform, co({ payout_destination: NEQUI }));
    const b = await created(platform, co());
    const off = await platform.post(`/v1/accounts/${a.id}/disable`);
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.status, 'disabled');
    const again = await platform.post(`/v1/accounts/${a.id}/disable`);
    assert.equal(again.json.status, 'disabled');
    // An update does not enable it again.
    assert.equal((await platform.post(`/v1/accounts/${a.id}`, { display_name: 'Otra' })).json.status, 'disabled');
    const disabled = await allIds(platform, '&status=disabled');
    const pending = await allIds(platform, '&status=pending');
    const enabled = await allIds(platform, '&status=enabled');
    assert.ok(disabled.includes(a.id) && !disabled.includes(b.id));
    assert.ok(pending.includes(b.id) && !pending.includes(a.id));
    assert.ok(!enabled.includes(a.id) && !enabled.includes(b.id));
    const bad = await platform.get('/v1/accounts?status=active');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'status');
  });

  test('GET /v1/accounts pages newest first with limit and starting_after', async () => {
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push((await created(other, co({ display_name: `Vendedor ${i}` }))).id);
    const first = await other.get('/v1/accounts?limit=2');
    assert.deepEqual(first.json.data.map((a) => a.id), [made[4], made[3]]);
    assert.equal(first.json.has_more, true);
    const next = await other.get(`/v1/accounts?limit=2&starting_after=${made[3]}`);
    assert.deepEqual(next.json.data.map((a) => a.id), [made[2], made[1]]);
    // A status pages the same way: enabling one takes it out of the pending pages.
    await other.post(`/v1/accounts/${made[3]}`, { payout_destination: NEQUI });
    const pending = await other.get(`/v1/accounts?status=pending&limit=2`);
    assert.deepEqual(pending.json.data.map((a) => a.id), [made[4], made[2]]);
    assert.equal(pending.json.has_more, true);
    const enabled = await other.get('/v1/accounts?status=enabled&limit=1');
    assert.deepEqual(enabled.json.data.map((a) => a.id), [made[3]]);
    assert.equal(enabled.json.has_more, false);
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['starting_after=vch_x', 'starting_after'],
      ['color=red', 'color']]) {
      const r = await other.get(`/v1/accounts?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.json.error.param, param, r.text);
    }
  });

  test('the restricted key reads accounts but cannot create, update or disable them', async () => {
    const a = await created(platform, co());
    assert.equal((await platformReader.get(`/v1/accounts/${a.id}`)).json.id, a.id);
    assert.ok((await allIds(platformReader)).includes(a.id));
    for (const [path, body] of [['/v1/accounts', co()], [`/v1/accounts/${a.id}`, { display_name: 'x' }],
      [`/v1/accounts/${a.id}/disable`, undefined]]) {
      const r = await platformReader.post(path, body);
      assert.equal(r.status, 403, path);
      assert.equal(r.json.error.code, 'permission_denied');
    }
    assert.equal((await platform.get(`/v1/accounts/${a.id}`)).json.status, 'pending');
  });

  test('a seller of one platform is invisible to another', async () => {
    const mine = await created(platform, co({ payout_destination: NEQUI }));
    for (const [method, path, body] of [['GET', `/v1/accounts/${mine.id}`], ['POST', `/v1/accounts/${mine.id}`,
      { display_name: 'robado' }], ['POST', `/v1/accounts/${mine.id}/disable`]]) {
      const r = await other.call(method, path, { body });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.json.error.code, 'resource_missing');
    }
    assert.ok(!(await allIds(other)).includes(mine.id));
    const still = (await platform.get(`/v1/accounts/${mine.id}`)).json;
    assert.equal(still.status, 'enabled');
    assert.equal(still.display_name, 'Café Andino');
  });

  test('test and live never meet: a live account is invisible to the test key and back', async () => {
    const live = await created(otherLive, pe({ payout_destination: YAPE }));
    assert.equal(live.livemode, true);
    const test = await created(other, pe());
    assert.equal(test.livemode, false);
    assert.equal((await other.get(`/v1/accounts/${live.id}`)).status, 404);
    assert.equal((await otherLive.get(`/v1/accounts/${test.id}`)).status, 404);
    assert.equal((await other.post(`/v1/accounts/${live.id}/disable`)).status, 404);
    assert.ok(!(await allIds(other)).includes(live.id));
    assert.deepEqual(await allIds(otherLive), [live.id]);
    assert.equal((await otherLive.get(`/v1/accounts/${live.id}`)).json.status, 'enabled');
  });

  test('Idempotency-Key: the same body answers the same account, another body is 422', async () => {
    const key = `acct-${process.pid}-${Date.now()}`;
    const body = co({ display_name: 'Idempotente' });
    const send = (b) => platform.post('/v1/accounts', b, { headers: { 'idempotency-key': key } });
    const [one, two] = await Promise.all([send(body), send(body)]);
    assert.equal(one.status, 201, one.text);
    assert.equal(two.status, 201, two.text);
    assert.equal(one.json.id, two.json.id);
    assert.equal([one, two].filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 1);
    const other = await send(co({ display_name: 'Otra cosa' }));
    assert.equal(other.status, 422);
    assert.equal(other.json.error.code, 'idempotency_key_reused');
    assert.equal((await allIds(platform)).filter((id) => id === one.json.id).length, 1);
    const tooLong = await platform.post('/v1/accounts', body, { headers: { 'idempotency-key': 'k'.repeat(256) } });
    assert.equal(tooLong.status, 400);
  });

  test('ids of every shape that are not this platform\'s accounts are 404; wrong methods 405', async () => {
    const real = await created(platform, co());
    const wellFormed = real.id.slice(0, -1) + (real.id.endsWith('a') ? 'b' : 'a');
    for (const id of ['acct_', 'acct_x', `acct_${'a'.repeat(200)}`, 'vch_abc', wellFormed, real.id.toUpperCase()]) {
      const r = await platform.get(`/v1/accounts/${id}`);
      assert.equal(r.status, 404, id);
      assert.equal(r.json.error.code, 'resource_missing', id);
    }
    assert.equal((await platform.call('DELETE', `/v1/accounts/${real.id}`)).status, 405);
    assert.equal((await platform.call('PUT', '/v1/accounts')).status, 405);
    assert.equal((await platform.get(`/v1/accounts/${real.id}/disable`)).status, 405);
    assert.equal((await platform.get(`/v1/accounts/${real.id}/nothing`)).status, 404);
    assert.equal((await api(edge.base, null).get('/v1/accounts')).status, 401);
  });

  test('until splits are served, a voucher meant for a seller is refused, never booked to the platform', async () => {
    const seller = await created(platform, co({ payout_destination: NEQUI }));
    const reference = `seller-${process.pid}-${Date.now()}`;
    const order = { network: 'efecty', amount: 5_000_000, currency: 'COP', reference };
    const acting = await platform.post('/v1/vouchers', order, { headers: { 'vale-account': seller.id } });
    assert.equal(acting.status, 400, acting.text);
    assert.equal(acting.json.error.param, 'Vale-Account');
    const split = await platform.post('/v1/vouchers', { ...order, splits: [{ account: seller.id, amount: 4_000_000 }] });
    assert.equal(split.status, 400, split.text);
    assert.equal(split.json.error.param, 'splits');
    const fee = await platform.post('/v1/vouchers', { ...order, application_fee_amount: 100_000 });
    assert.equal(fee.status, 400, fee.text);
    assert.equal(fee.json.error.param, 'application_fee_amount');
    assert.deepEqual((await platform.get(`/v1/vouchers?reference=${reference}`)).json.data, []);
    // The same order without them is the platform's own voucher.
    assert.equal((await platform.post('/v1/vouchers', order)).status, 201);
  });

  test('20 accounts created at once are all stored, each once', async () => {
    const before = (await allIds(platform)).length;
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      created(platform, pe({ display_name: `Concurrente ${i}` }))));
    const ids = await allIds(platform);
    assert.equal(ids.length, before + 20);
    assert.equal(new Set(ids).size, ids.length);
    for (const a of made) assert.ok(ids.includes(a.id));
  });
});
