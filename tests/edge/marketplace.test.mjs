// Marketplaces (issue #23) against workerd: the local platform `mer_platform` exactly as
// edge/.dev.vars configures it, plus a second platform with test and live keys, so
// platform/non-platform, platform/platform and test/live isolation are all exercised on
// one edge. Each seller lives in its platform's and mode's SellerLedger object.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, runScheduled, startEdge } from '../support/edge.mjs';
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
  edge = await startEdge({ reports: true, vars: { MERCHANTS: JSON.stringify(merchants()) } });
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

/** A fresh reference: nothing else in this run lists it. */
let refs = 0;
const reference = (prefix = 'mkt') => `${prefix}-${process.pid}-${Date.now()}-${++refs}`;
const cop = (amount, extra = {}) => ({ network: 'efecty', amount, currency: 'COP', reference: reference(), ...extra });
const pen = (amount, extra = {}) => ({ network: 'pagoefectivo', amount, currency: 'PEN', reference: reference(), ...extra });
const as = (seller) => ({ headers: { 'vale-account': seller } });
/** Polls `check` until it answers something truthy (a release travels after the answer). */
const waitFor = async (check, what, ms = 30_000) => {
  const until = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('splits on vouchers', () => {
  let cafe;
  let libros;
  let lima;
  before(async () => {
    cafe = await created(platform, co({ payout_destination: NEQUI }));
    libros = await created(platform, co({ display_name: 'Libros del Sur', document_number: '52123456', payout_destination: NEQUI }));
    lima = await created(platform, pe({ payout_destination: YAPE }));
  });

  test('one seller (Vale-Account + application_fee_amount): the voucher shows the split, its display view the seller', async () => {
    const r = await platform.post('/v1/vouchers', cop(5_000_000, { application_fee_amount: 100_000 }), as(cafe.id));
    assert.equal(r.status, 201, r.text);
    const v = r.json;
    assert.deepEqual(v.splits, [{ account: cafe.id, amount: 4_900_000, reference: null }]);
    assert.equal(v.application_fee_amount, 100_000);
    assert.equal(v.amount, 5_000_000);
    assert.deepEqual((await platform.get(`/v1/vouchers/${v.id}`)).json.splits, v.splits);
    const shown = await api(edge.base, v.client_secret).get(`/v1/vouchers/${v.id}`);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.merchant_name, 'Mercado Local');
    assert.equal(shown.json.seller_name, 'Café Andino');
    assert.ok(!('splits' in shown.json) && !('application_fee_amount' in shown.json), shown.text);
    const page = await fetch(`${edge.base}/v/${v.id}?cs=${v.client_secret}`);
    assert.equal(page.status, 200);
    assert.ok((await page.text()).includes('Pagas a Mercado Local por Café Andino'), 'the hosted voucher names both');
    // Without a fee the seller gets it all.
    const whole = await platform.post('/v1/vouchers', pen(2_500), as(lima.id));
    assert.equal(whole.status, 201, whole.text);
    assert.deepEqual(whole.json.splits, [{ account: lima.id, amount: 2_500, reference: null }]);
    assert.equal(whole.json.application_fee_amount, 0);
  });

  test('a cart (splits): each seller its share, the rest is the platform fee; no seller_name with two sellers', async () => {
    const r = await platform.post('/v1/vouchers', cop(10_000_000, { splits: [
      { account: cafe.id, amount: 6_000_000, reference: 'item-1' },
      { account: libros.id, amount: 3_000_000 },
    ] }));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.splits, [
      { account: cafe.id, amount: 6_000_000, reference: 'item-1' },
      { account: libros.id, amount: 3_000_000, reference: null },
    ]);
    assert.equal(r.json.application_fee_amount, 1_000_000);
    const shown = await api(edge.base, r.json.client_secret).get(`/v1/vouchers/${r.json.id}`);
    assert.equal(shown.json.seller_name, undefined, shown.text);
    // application_fee_amount may be sent when it is exactly the rest.
    const exact = await platform.post('/v1/vouchers', cop(1_000_000, {
      splits: [{ account: cafe.id, amount: 900_000 }], application_fee_amount: 100_000 }));
    assert.equal(exact.status, 201, exact.text);
    assert.equal(exact.json.application_fee_amount, 100_000);
    // A platform's own voucher reads as before: no splits, no fee.
    const own = await platform.post('/v1/vouchers', cop(1_000_000));
    assert.equal(own.status, 201, own.text);
    assert.ok(!('splits' in own.json) && !('application_fee_amount' in own.json), own.text);
  });

  test('every refusal is a 400 naming the field, and no voucher is made (never booked to the platform)', async () => {
    const pending = await created(platform, co({ display_name: 'Sin Destino' }));
    const disabled = await created(platform, co({ display_name: 'Cerrado', payout_destination: NEQUI }));
    assert.equal((await platform.post(`/v1/accounts/${disabled.id}/disable`)).status, 200);
    const capped = await created(platform, co({ display_name: 'Tope', payout_destination: NEQUI, limits: { max_voucher_amount: 1_000_000 } }));
    const foreign = await created(other, co({ payout_destination: NEQUI }));
    const live = await created(otherLive, co({ payout_destination: NEQUI }));
    const unknown = `acct_${'0'.repeat(24)}`;
    const one = (account, amount = 1_000_000) => [{ account, amount }];
    for (const [body, opts, param, code] of [
      [cop(2_000_000, { splits: one(unknown) }), {}, 'splits[0].account', 'account_invalid'],
      [cop(2_000_000, { splits: one('acct_x') }), {}, 'splits[0].account', 'account_invalid'],
      [cop(2_000_000, { splits: one(foreign.id) }), {}, 'splits[0].account', 'account_invalid'],
      [cop(2_000_000, { splits: [...one(cafe.id), ...one(live.id)] }), {}, 'splits[1].account', 'account_invalid'],
      [cop(2_000_000, { splits: one(pending.id) }), {}, 'splits[0].account', 'account_not_enabled'],
      [cop(2_000_000, { splits: one(disabled.id) }), {}, 'splits[0].account', 'account_not_enabled'],
      [cop(2_000_000, { splits: one(lima.id) }), {}, 'splits[0].account', 'account_currency_mismatch'],
      [cop(2_000_000, { splits: one(capped.id, 1_500_000) }), {}, 'splits[0].account', 'account_limit_exceeded'],
      [cop(2_000_000, { splits: [...one(cafe.id, 1_500_000), ...one(libros.id, 600_000)] }), {}, 'splits', 'splits_exceed_amount'],
      [cop(2_000_000, { splits: [...one(cafe.id), ...one(cafe.id, 500_000)] }), {}, 'splits[1].account', 'account_duplicate'],
      [cop(2_000_000, { splits: one(cafe.id), application_fee_amount: 900_000 }), {}, 'application_fee_amount', 'application_fee_mismatch'],
      [cop(2_000_000, { splits: one(cafe.id, 1_000_050) }), {}, 'splits[0].amount', 'amount_not_cash_exact'],
      [cop(2_000_000, { splits: [] }), {}, 'splits', 'parameter_invalid'],
      [cop(2_000_000, { application_fee_amount: 100_000 }), {}, 'application_fee_amount', 'application_fee_without_seller'],
      [cop(2_000_000, { splits: one(cafe.id) }), as(cafe.id), 'splits', 'splits_with_account'],
      [cop(2_000_000, { application_fee_amount: 2_100_000 }), as(cafe.id), 'application_fee_amount', 'application_fee_exceeds_amount'],
      [cop(2_000_000), as(unknown), 'Vale-Account', 'account_invalid'],
      [cop(2_000_000), as('not-an-account'), 'Vale-Account', 'account_invalid'],
      [cop(2_000_000), as(foreign.id), 'Vale-Account', 'account_invalid'],
      [cop(2_000_000), as(pending.id), 'Vale-Account', 'account_not_enabled'],
      [cop(2_000_000), as(capped.id), 'Vale-Account', 'account_limit_exceeded'],
    ]) {
      const r = await platform.post('/v1/vouchers', body, opts);
      const what = `${JSON.stringify(body)} ${JSON.stringify(opts)}`;
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.json.error.code, code, `${what}: ${r.text}`);
      assert.equal(r.json.error.param, param, `${what}: ${r.text}`);
      assert.deepEqual((await platform.get(`/v1/vouchers?reference=${body.reference}`)).json.data, [], what);
    }
    // Another platform acts for its own seller.
    const foreignPe = await created(other, pe({ payout_destination: YAPE }));
    const theirs = await other.post('/v1/vouchers', pen(2_000), as(foreignPe.id));
    assert.equal(theirs.status, 201, theirs.text);
    assert.equal((await platform.get(`/v1/vouchers/${theirs.json.id}`)).status, 404);
  });

  test('a merchant that is not a platform: splits stay unknown, Vale-Account is 403', async () => {
    const body = cop(2_000_000, { splits: [{ account: cafe.id, amount: 1_000_000 }] });
    const r = await local.post('/v1/vouchers', body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'parameter_unknown');
    assert.equal(r.json.error.param, 'splits');
    const acting = await local.post('/v1/vouchers', cop(2_000_000), as(cafe.id));
    assert.equal(acting.status, 403, acting.text);
    assert.equal(acting.json.error.code, 'platform_required');
    assert.equal((await local.get('/v1/vouchers', as(cafe.id))).status, 403);
  });

  test('max_open_vouchers: a seller holds that many pending vouchers; one cancelled frees a place', async () => {
    const seller = await created(platform, pe({ display_name: 'Dos a la vez', payout_destination: YAPE, limits: { max_open_vouchers: 2 } }));
    const made = [];
    for (const body of [pen(1_000), pen(2_000, { splits: [{ account: seller.id, amount: 1_500 }] })]) {
      const r = await platform.post('/v1/vouchers', body, 'splits' in body ? {} : as(seller.id));
      assert.equal(r.status, 201, r.text);
      made.push(r.json);
    }
    const third = await platform.post('/v1/vouchers', pen(1_000), as(seller.id));
    assert.equal(third.status, 400, third.text);
    assert.equal(third.json.error.code, 'account_limit_exceeded');
    assert.equal(third.json.error.param, 'Vale-Account');
    // Another seller is not held by this one's limit.
    assert.equal((await platform.post('/v1/vouchers', pen(1_000), as(lima.id))).status, 201);
    assert.equal((await platform.post(`/v1/vouchers/${made[0].id}/cancel`)).status, 200);
    const next = await waitFor(async () => {
      const r = await platform.post('/v1/vouchers', pen(1_000), as(seller.id));
      if (r.status === 201) return r.json;
      assert.equal(r.json.error.code, 'account_limit_exceeded', r.text);
      return null;
    }, 'the cancelled voucher to free its place');
    assert.deepEqual(next.splits, [{ account: seller.id, amount: 1_000, reference: null }]);
    const full = await platform.post('/v1/vouchers', pen(1_000), as(seller.id));
    assert.equal(full.json.error?.code, 'account_limit_exceeded', full.text);
  });

  test('Idempotency-Key: the same body for the same seller replays; for another seller it is 422', async () => {
    const key = { 'idempotency-key': reference('key') };
    const body = JSON.stringify(cop(3_000_000, { application_fee_amount: 300_000 }));
    const send = (seller) => platform.call('POST', '/v1/vouchers', { raw: body,
      headers: { ...key, 'vale-account': seller, 'content-type': 'application/json' } });
    const first = await send(cafe.id);
    assert.equal(first.status, 201, first.text);
    const again = await send(cafe.id);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.json.id, first.json.id);
    const otherSeller = await send(libros.id);
    assert.equal(otherSeller.status, 422, otherSeller.text);
    assert.equal(otherSeller.json.error.code, 'idempotency_key_reused');
  });
});

describe('acting for a seller (Vale-Account)', () => {
  test('a seller reads and lists its own vouchers only; another platform\'s seller is refused', async () => {
    const a = await created(platform, co({ display_name: 'Vendedor A', payout_destination: NEQUI }));
    const b = await created(platform, co({ display_name: 'Vendedor B', document_number: '52999888', payout_destination: NEQUI }));
    const mineA = [];
    for (let i = 0; i < 3; i++) {
      const r = await platform.post('/v1/vouchers', cop(1_000_000 + i * 100), as(a.id));
      assert.equal(r.status, 201, r.text);
      mineA.push(r.json.id);
    }
    const cart = await platform.post('/v1/vouchers', cop(2_000_000, { splits: [
      { account: a.id, amount: 1_000_000 }, { account: b.id, amount: 900_000 }] }));
    assert.equal(cart.status, 201, cart.text);
    const onlyB = await platform.post('/v1/vouchers', cop(1_000_000), as(b.id));
    const own = await platform.post('/v1/vouchers', cop(1_000_000));
    // Reads: a seller sees a voucher with a share for it, nothing else.
    assert.equal((await platform.get(`/v1/vouchers/${mineA[0]}`, as(a.id))).status, 200);
    assert.equal((await platform.get(`/v1/vouchers/${cart.json.id}`, as(b.id))).status, 200);
    for (const id of [onlyB.json.id, own.json.id]) {
      const r = await platform.get(`/v1/vouchers/${id}`, as(a.id));
      assert.equal(r.status, 404, r.text);
    }
    // The restricted key reads for a seller too.
    assert.equal((await platformReader.get(`/v1/vouchers/${mineA[1]}`, as(a.id))).status, 200);
    // Lists: newest first, paged, the cart included, nobody else's.
    const listed = [];
    let after = '';
    for (;;) {
      const r = await platform.get(`/v1/vouchers?limit=2${after}`, as(a.id));
      assert.equal(r.status, 200, r.text);
      listed.push(...r.json.data.map((v) => v.id));
      if (!r.json.has_more) break;
      after = `&starting_after=${listed.at(-1)}`;
    }
    assert.deepEqual(listed, [cart.json.id, ...mineA.toReversed()]);
    const byRef = await platform.get(`/v1/vouchers?reference=${cart.json.reference}`, as(b.id));
    assert.deepEqual(byRef.json.data.map((v) => v.id), [cart.json.id]);
    // Another platform's seller, or the other mode's, is no seller here.
    const foreign = await created(other, co({ payout_destination: NEQUI }));
    for (const client of [platform, platformReader]) {
      const r = await client.get('/v1/vouchers', as(foreign.id));
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, 'account_invalid');
      assert.equal(r.json.error.param, 'Vale-Account');
    }
    assert.equal((await other.get(`/v1/vouchers/${mineA[0]}`, as(foreign.id))).status, 404);
    assert.equal((await otherLive.get('/v1/vouchers', as(foreign.id))).json.error?.code, 'account_invalid');
  });

  test('a route that does not act for a seller refuses the header before doing anything', async () => {
    const seller = await created(platform, co({ payout_destination: NEQUI }));
    const before = (await allIds(platform)).length;
    for (const [method, path, body] of [
      ['POST', '/v1/accounts', co()],
      ['GET', '/v1/accounts'],
      // GET /v1/refunds and /v1/refunds/{id} serve it (marketplace-seller-refunds.test.mjs).
      ['GET', '/v1/settlements'],
      ['POST', '/v1/refunds/re_x/cancel'],
      ['GET', '/v1/events'],
    ]) {
      const r = await platform.call(method, path, { body, headers: { 'vale-account': seller.id } });
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.equal(r.json.error.code, 'header_not_supported');
      assert.equal(r.json.error.param, 'Vale-Account');
    }
    assert.equal((await allIds(platform)).length, before);
  });
});

describe('balances', () => {
  /** Every balance transaction of the platform's ledger (all parties), paging to the end. */
  const allTxns = async (query = '') => {
    const rows = [];
    let after = '';
    for (;;) {
      const r = await platform.get(`/v1/balance_transactions?limit=100${query}${after}`);
      assert.equal(r.status, 200, r.text);
      rows.push(...r.json.data);
      if (!r.json.has_more) return rows;
      after = `&starting_after=${rows.at(-1).id}`;
    }
  };
  const balanceOf = async (seller) => {
    const r = await platform.get('/v1/balance', as(seller));
    assert.equal(r.status, 200, r.text);
    return { available: r.json.available[0].amount, pending: r.json.pending[0].amount };
  };
  /** Writes today's PagoEfectivo file and reconciles it in one step (the sandbox's `/apply`). */
  const settleToday = async () => {
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const applied = await platform.post(`/v1/sandbox/settlements/${day}/apply?network=pagoefectivo`);
    assert.ok([200, 201, 202].includes(applied.status), applied.text);
    assert.equal(applied.json.object, 'settlement');
    await waitFor(async () => (await platform.get(`/v1/settlements/${applied.json.id}`)).json.status === 'reconciled',
      'the settlement to be reconciled', 120_000);
    return applied.json;
  };

  test('40 concurrent split vouchers paid, settled and partly refunded: exact balances, sellers + platform = paid − refunded', async () => {
    const [s1, s2] = await Promise.all([
      created(platform, pe({ display_name: 'Puesto Uno', payout_destination: YAPE })),
      created(platform, pe({ display_name: 'Puesto Dos', document_number: '87654321', payout_destination: YAPE })),
    ]);
    // Shares of every shape: one seller or two, fees that do not divide evenly.
    const carts = Array.from({ length: 40 }, (_, i) => {
      const a = 1_001 + i * 37;
      const b = i % 3 === 0 ? 0 : 503 + i * 11;
      const fee = (i * 7) % 101;
      const splits = [{ account: s1.id, amount: a }, ...(b ? [{ account: s2.id, amount: b }] : [])];
      return { amount: a + b + fee, splits, a, b };
    });
    const vouchers = await Promise.all(carts.map(async (c) => {
      const r = await platform.post('/v1/vouchers', pen(c.amount, { splits: c.splits }));
      assert.equal(r.status, 201, r.text);
      return r.json;
    }));
    const paid = await Promise.all(vouchers.map((v) => platform.post(`/v1/sandbox/vouchers/${v.id}/pay`)));
    for (const r of paid) assert.ok(r.status < 300, r.text);
    const net1 = carts.reduce((s, c) => s + c.a, 0);
    const net2 = carts.reduce((s, c) => s + c.b, 0);
    const total = carts.reduce((s, c) => s + c.amount, 0);
    await waitFor(async () => {
      const [b1, b2] = await Promise.all([balanceOf(s1.id), balanceOf(s2.id)]);
      return b1.pending === net1 && b2.pending === net2;
    }, 'every share to be booked pending');
    assert.deepEqual(await balanceOf(s1.id), { available: 0, pending: net1 });
    const ids = new Set(vouchers.map((v) => v.id));
    const mine = (rows) => rows.filter((t) => ids.has(t.source) || [...ids].some((id) => t.source.startsWith(`re_${id.slice(4)}`)));
    const booked = mine(await allTxns());
    assert.equal(booked.reduce((s, t) => s + t.amount, 0), total, 'sellers + platform = paid');
    assert.ok(booked.every((t) => t.status === 'pending' && t.type === 'payment'));
    // The seller's own rows, with its fee part: gross = amount + fee.
    const rows1 = await allTxns(`&account=${s1.id}`);
    assert.equal(rows1.length, 40);
    assert.ok(rows1.every((t) => t.account === s1.id && /^txn_/.test(t.id)));
    assert.deepEqual(rows1.map((t) => t.id), (await allTxns('')).filter((t) => t.account === s1.id).map((t) => t.id));

    await settleToday();
    await waitFor(async () => {
      const [b1, b2] = await Promise.all([balanceOf(s1.id), balanceOf(s2.id)]);
      return b1.available === net1 && b2.available === net2 && b1.pending === 0 && b2.pending === 0;
    }, 'every share to become available');
    // Settling again books nothing twice; the file is the one the sandbox writes.
    const again = await settleToday();
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const file = await platform.get(`/v1/sandbox/settlements/${day}?network=pagoefectivo`);
    assert.ok(file.text.split(/\r?\n/).filter(Boolean).length - 1 >= 40, 'the file lists the 40 payments');
    assert.ok(again.counts.matched >= 40, JSON.stringify(again.counts));

    // Refund part of five vouchers: each party gives back in proportion, rounded down,
    // the platform the rest.
    let refunded = 0;
    let back1 = 0;
    let back2 = 0;
    for (const i of [0, 1, 2, 5, 39]) {
      const c = carts[i];
      const amount = Math.floor(c.amount / 3);
      const r = await platform.post('/v1/refunds', { voucher: vouchers[i].id, amount, reason: 'requested_by_customer' });
      assert.equal(r.status, 201, r.text);
      refunded += amount;
      back1 += Math.floor((amount * c.a) / c.amount);
      back2 += Math.floor((amount * c.b) / c.amount);
    }
    await waitFor(async () => {
      const [b1, b2] = await Promise.all([balanceOf(s1.id), balanceOf(s2.id)]);
      return b1.available === net1 - back1 && b2.available === net2 - back2;
    }, 'the refunds to be reversed');
    await settleToday();
    const after = mine(await allTxns());
    assert.equal(after.reduce((s, t) => s + t.amount, 0), total - refunded, 'sellers + platform = paid − refunded');
    assert.equal(new Set(after.map((t) => t.id)).size, after.length, 'no row twice');
    assert.equal(after.filter((t) => t.type === 'refund').reduce((s, t) => s + t.amount, 0), -refunded);
  });

  test('payouts: the end-of-day run pays available money once; the rail closes them; manual payouts; the statement adds up', async () => {
    const [daily, manual, paused] = await Promise.all([
      created(platform, pe({ display_name: 'Pago Diario', payout_destination: YAPE })),
      created(platform, pe({ display_name: 'Pago Manual', document_number: '11223344', payout_destination: YAPE, payout_schedule: { interval: 'manual' } })),
      created(platform, pe({ display_name: 'Pausado', document_number: '44332211', payout_destination: YAPE })),
    ]);
    const sell = async (account, net, fee) => {
      const r = await platform.post('/v1/vouchers', pen(net + fee, { splits: [{ account, amount: net }] }));
      assert.equal(r.status, 201, r.text);
      assert.ok((await platform.post(`/v1/sandbox/vouchers/${r.json.id}/pay`)).status < 300);
      return r.json;
    };
    const sold = [await sell(daily.id, 7_000, 500), await sell(daily.id, 3_001, 0), await sell(manual.id, 5_000, 100), await sell(paused.id, 2_000, 0)];
    // Pending money is never paid out: the run waits for the file.
    await waitFor(async () => (await balanceOf(paused.id)).pending === 2_000, 'the sales to be booked');
    await settleToday();
    await waitFor(async () => (await balanceOf(daily.id)).available === 10_001 && (await balanceOf(manual.id)).available === 5_000
      && (await balanceOf(paused.id)).available === 2_000, 'the sales to become available');
    assert.equal((await platform.post(`/v1/accounts/${paused.id}/disable`)).status, 200);

    await runScheduled(edge.base);
    assert.deepEqual(await balanceOf(daily.id), { available: 0, pending: 0 });
    assert.deepEqual(await balanceOf(manual.id), { available: 5_000, pending: 0 }, 'a manual seller waits');
    assert.deepEqual(await balanceOf(paused.id), { available: 2_000, pending: 0 }, 'a disabled seller is paused');
    const rows = (await platform.get(`/v1/balance_transactions?account=${daily.id}`)).json.data;
    const out = rows.filter((t) => t.type === 'payout');
    assert.equal(out.length, 1, JSON.stringify(rows));
    assert.equal(out[0].amount, -10_001);
    assert.match(out[0].source, /^po_/);
    // The same day's run again makes nothing.
    await runScheduled(edge.base);
    assert.equal((await platform.get(`/v1/balance_transactions?account=${daily.id}`)).json.data.filter((t) => t.type === 'payout').length, 1);

    const po = await platform.get(`/v1/payouts/${out[0].source}`);
    assert.equal(po.status, 200, po.text);
    assert.equal(po.json.object, 'payout');
    assert.equal(po.json.account, daily.id);
    assert.equal(po.json.amount, 10_001);
    assert.equal(po.json.currency, 'PEN');
    assert.equal(po.json.status, 'pending');
    assert.ok(!po.text.includes('987654321') && !po.text.includes('987 654 321'), po.text);
    // The rail fails it: the money is available again; the same close again changes
    // nothing; the other close is 409.
    const failed = await platform.post(`/v1/payouts/${po.json.id}/failed`, { failure_reason: 'invalid_destination' });
    assert.equal(failed.status, 200, failed.text);
    assert.equal(failed.json.status, 'failed');
    assert.equal(failed.json.failure_reason, 'invalid_destination');
    assert.deepEqual(await balanceOf(daily.id), { available: 10_001, pending: 0 });
    assert.equal((await platform.post(`/v1/payouts/${po.json.id}/failed`, { failure_reason: 'invalid_destination' })).status, 200);
    assert.deepEqual(await balanceOf(daily.id), { available: 10_001, pending: 0 });
    const paidAfter = await platform.post(`/v1/payouts/${po.json.id}/paid`, {});
    assert.equal(paidAfter.status, 409, paidAfter.text);
    assert.equal((await platform.post(`/v1/payouts/${po.json.id}/failed`, { failure_reason: 'bad' })).json.error.param, 'failure_reason');

    // Manual payouts: from available money only, and only while enabled.
    const part = await platform.post('/v1/payouts', { account: manual.id, amount: 1_200 });
    assert.equal(part.status, 201, part.text);
    assert.equal(part.json.status, 'pending');
    assert.deepEqual(await balanceOf(manual.id), { available: 3_800, pending: 0 });
    const paid = await platform.post(`/v1/payouts/${part.json.id}/paid`, { reference: 'YAPE-0001' });
    assert.equal(paid.status, 200, paid.text);
    assert.equal(paid.json.reference, 'YAPE-0001');
    assert.deepEqual(await balanceOf(manual.id), { available: 3_800, pending: 0 }, 'paid changes no balance');
    const rest = await platform.post('/v1/payouts', { account: manual.id });
    assert.equal(rest.json.amount, 3_800, rest.text);
    for (const [body, param, code] of [
      [{ account: manual.id, amount: 1 }, 'amount', 'balance_insufficient'],
      [{ account: daily.id, amount: 10_002 }, 'amount', 'balance_insufficient'],
      [{ account: paused.id }, 'account', 'account_not_enabled'],
      [{ account: `acct_${'0'.repeat(24)}` }, 'account', 'account_invalid'],
      [{ account: daily.id, amount: -5 }, 'amount', 'amount_invalid'],
      [{ amount: 5 }, 'account', 'parameter_missing'],
      [{ account: daily.id, iban: 'x' }, 'iban', 'parameter_unknown'],
    ]) {
      const r = await platform.post('/v1/payouts', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, code, r.text);
      assert.equal(r.json.error.param, param, r.text);
    }
    assert.equal((await local.post('/v1/payouts', { account: daily.id })).status, 403);
    assert.equal((await platform.get('/v1/payouts/po_nothing')).status, 404);
    assert.equal((await other.get(`/v1/payouts/${po.json.id}`)).status, 404, 'another platform never sees it');

    // The day's payout file: the seller payouts follow the refunds, kind seller_payout,
    // the seller in account (the contract's name), the destination's number whole in
    // account_number (the rail needs it).
    const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const payoutFile = await platform.get(`/v1/payouts/files/${today}`);
    assert.equal(payoutFile.status, 200, payoutFile.text);
    const [header, ...body] = payoutFile.text.trim().split('\n');
    const names = header.split(',');
    assert.deepEqual(names.slice(-2), ['kind', 'account']);
    assert.ok(names.includes('account_number'));
    const records = body.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
    const ours = records.filter((r) => r.kind === 'seller_payout' && [daily.id, manual.id].includes(r.account));
    assert.deepEqual(ours.map((r) => [r.refund, r.account, r.amount]).toSorted(),
      [[po.json.id, daily.id, '10001'], [part.json.id, manual.id, '1200'], [rest.json.id, manual.id, '3800']].toSorted());
    assert.ok(ours.every((r) => r.currency === 'PEN' && r.type === 'wallet' && r.provider === 'yape' && r.phone === '+51987654321'), JSON.stringify(ours));
    assert.ok(records.every((r) => ['refund', 'seller_payout'].includes(r.kind)));
    assert.ok(!(await local.get(`/v1/payouts/files/${today}`)).text.includes('seller_payout'));

    // The statement: every row of the day between its balances; the total's net is
    // the balance change, and the payment rows name their code and network.
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const st = await platform.get(`/v1/accounts/${daily.id}/statement?from=${day}&to=${day}`);
    assert.equal(st.status, 200, st.text);
    const lines = st.text.trim().split(/\r?\n/).map((l) => l.split(','));
    const col = (name) => lines[0].indexOf(name);
    const of = (kind) => lines.filter((l) => l[0] === kind);
    const net = (l) => Number(l[col('net')]);
    assert.equal(of('transaction').length, 4, st.text);
    assert.equal(net(of('total')[0]), net(of('closing_balance')[0]) - net(of('opening_balance')[0]));
    assert.equal(net(of('closing_balance')[0]), 10_001);
    const codes = of('transaction').filter((l) => l[col('type')] === 'payment').map((l) => l[col('payment_code')]);
    assert.deepEqual(codes.toSorted(), [sold[0].payment_code, sold[1].payment_code].toSorted());
    assert.ok(of('transaction').every((l) => l[col('type')] !== 'payment' || l[col('network')] === 'pagoefectivo'));
    for (const [query, param] of [['', 'from'], [`?from=${day}`, 'to'], [`?from=${day}&to=2000-01-01`, 'to'], [`?from=x&to=${day}`, 'from']]) {
      const r = await platform.get(`/v1/accounts/${daily.id}/statement${query}`);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.param, param, r.text);
    }
    assert.equal((await other.get(`/v1/accounts/${daily.id}/statement?from=${day}&to=${day}`)).status, 404);
  });

  test('the platform\'s own balance, and the routes\' refusals', async () => {
    const own = await platform.get('/v1/balance');
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.object, 'balance');
    assert.deepEqual(own.json.available.map((b) => b.currency), ['COP', 'PEN']);
    assert.equal((await platformReader.get('/v1/balance')).status, 200);
    for (const path of ['/v1/balance', '/v1/balance_transactions']) {
      const r = await local.get(path);
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json.error.code, 'platform_required');
    }
    const foreign = await created(other, pe({ payout_destination: YAPE }));
    for (const [path, opts, param] of [
      ['/v1/balance', as(foreign.id), 'Vale-Account'],
      ['/v1/balance_transactions', as(foreign.id), 'Vale-Account'],
      [`/v1/balance_transactions?account=${foreign.id}`, {}, 'account'],
      ['/v1/balance_transactions?account=nope', {}, 'account'],
    ]) {
      const r = await platform.get(path, opts);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.equal(r.json.error.code, 'account_invalid');
      assert.equal(r.json.error.param, param);
    }
    assert.equal((await platform.get('/v1/balance_transactions?limit=0')).json.error.param, 'limit');
    assert.equal((await platform.get('/v1/balance?x=1')).json.error.code, 'parameter_unknown');
    // A seller of another platform sees its own, empty balance there.
    const theirs = await other.get('/v1/balance', as(foreign.id));
    assert.deepEqual(theirs.json.available, [{ amount: 0, currency: 'PEN' }]);
    // The sandbox's one-step settlement: test keys only, a bad date or network named.
    assert.equal((await otherLive.post('/v1/sandbox/settlements/2026-12-07/apply?network=pagoefectivo')).status, 404);
    assert.equal((await platform.post('/v1/sandbox/settlements/2026-13-07/apply?network=pagoefectivo')).json.error?.param, 'date');
    assert.equal((await platform.post('/v1/sandbox/settlements/2026-12-07/apply?network=visa')).status, 400);
    assert.equal((await platform.get('/v1/sandbox/settlements/2026-12-07/apply?network=efecty')).status, 405);
  });
});
