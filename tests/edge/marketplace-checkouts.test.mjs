// Marketplaces (issue #23) against workerd: `POST /v1/checkouts`, a platform's cart of
// several sellers issued as one voucher per seller (`split_vouchers: true`) or as one
// voucher. The local platform `mer_platform` as edge/.dev.vars configures it, plus a
// second platform with test and live keys (test/live and platform/platform isolation);
// this file starts its own edge.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startEdge } from '../support/edge.mjs';
import { api } from '../support/vale.mjs';
import Ajv2020 from 'ajv/dist/2020.js';

const doc = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...doc, $id: 'openapi.json' });
const validCheckout = ajv.compile({ $ref: 'openapi.json#/components/schemas/Checkout' });

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const OTHER_TEST = 'sk_test_otro_mercado_checkout';
const OTHER_LIVE = 'sk_live_otro_mercado_checkout';
const devMerchants = () => {
  const line = readFileSync(join(root, 'edge', '.dev.vars'), 'utf8')
    .split('\n').find((l) => l.startsWith('MERCHANTS='));
  return JSON.parse(line.slice('MERCHANTS='.length).replace(/^'|'$/g, ''));
};
const merchants = () => [
  ...devMerchants(),
  { id: 'mer_000000000000000000000003', name: 'Otro Mercado', platform: true,
    keys: [{ sha256: sha256(OTHER_TEST), mode: 'test', role: 'secret' },
      { sha256: sha256(OTHER_LIVE), mode: 'live', role: 'secret' }],
    test: { pagoefectivo_secret: 'pe_otro_test' } },
];

let edge;
let platform;
let reader;
let local;
let other;
let otherLive;
before(async () => {
  edge = await startEdge({ vars: { MERCHANTS: JSON.stringify(merchants()) } });
  platform = api(edge.base, 'sk_test_platform');
  reader = api(edge.base, 'rk_test_platform');
  local = api(edge.base, 'sk_test_local');
  other = api(edge.base, OTHER_TEST);
  otherLive = api(edge.base, OTHER_LIVE);
});
after(async () => {
  await edge?.stop();
});

const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };
let documents = 0;
/** A Peruvian seller of `client` (its own DNI each time), enabled unless `extra` says. */
const seller = async (name, extra = { payout_destination: YAPE }, client = platform) => {
  const r = await client.post('/v1/accounts', {
    display_name: name, country: 'PE', document_type: 'DNI',
    document_number: String(50_000_000 + process.pid % 1000 * 1000 + ++documents), ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};
let refs = 0;
const reference = () => `chk-${process.pid}-${Date.now()}-${++refs}`;
const cart = (amount, splits, extra = {}) => ({
  network: 'pagoefectivo', amount, currency: 'PEN', reference: reference(), splits, split_vouchers: true, ...extra,
});
const keyed = (key) => ({ headers: { 'idempotency-key': key } });
/** Every voucher of the platform with this reference. */
const vouchersOf = async (ref, client = platform) => {
  const r = await client.get(`/v1/vouchers?reference=${ref}&limit=100`);
  assert.equal(r.status, 200, r.text);
  return r.json.data;
};
/** Polls `check` until it answers something truthy. */
const waitFor = async (check, what, ms = 30_000) => {
  const until = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Checks a split checkout's answer against its cart: one voucher per seller, each for
 * its gross, the whole cart exactly. */
const assertCut = (answer, body, fees) => {
  assert.ok(validCheckout(answer), `docs/openapi.json's Checkout: ${ajv.errorsText(validCheckout.errors)}`);
  assert.equal(answer.object, 'checkout');
  assert.equal(answer.split_vouchers, true);
  assert.equal(answer.amount, body.amount);
  assert.equal(answer.vouchers.length, body.splits.length);
  body.splits.forEach((s, i) => {
    const v = answer.vouchers[i];
    assert.equal(v.status, 'pending');
    assert.equal(v.reference, body.reference);
    assert.deepEqual(v.splits.map((x) => [x.account, x.amount]), [[s.account, s.amount]]);
    assert.equal(v.application_fee_amount, fees[i]);
    assert.equal(v.amount, s.amount + fees[i]);
    assert.equal(answer.payable_at[i].voucher, v.id);
  });
  assert.equal(answer.vouchers.reduce((n, v) => n + v.amount, 0), body.amount);
  assert.equal(new Set(answer.vouchers.map((v) => v.id)).size, body.splits.length);
  assert.equal(new Set(answer.vouchers.map((v) => v.payment_code)).size, body.splits.length);
};

describe('checkouts: one voucher per seller', () => {
  let uno;
  let dos;
  let tres;
  before(async () => {
    [uno, dos, tres] = await Promise.all([seller('Puesto Uno'), seller('Puesto Dos'), seller('Puesto Tres')]);
  });

  test('two sellers: PEN 1,800 cut in two PEN 900 vouchers that an agent takes, each its seller\'s', async () => {
    const body = cart(180_000, [{ account: uno, amount: 85_000 }, { account: dos, amount: 85_000 }]);
    const r = await platform.post('/v1/checkouts', body);
    assert.equal(r.status, 201, r.text);
    assertCut(r.json, body, [5_000, 5_000]);
    for (const p of r.json.payable_at) {
      assert.ok(p.chains.includes('Kasnet'), JSON.stringify(p));
      assert.ok(!p.chains.includes('Tambo+'), JSON.stringify(p));
    }
    // Each seller reads its own voucher (and only it), named on the display view.
    const [a, b] = r.json.vouchers;
    const mine = await platform.get(`/v1/vouchers/${a.id}`, { headers: { 'vale-account': uno } });
    assert.equal(mine.status, 200, mine.text);
    assert.equal((await platform.get(`/v1/vouchers/${b.id}`, { headers: { 'vale-account': uno } })).status, 404);
    const shown = await api(edge.base, null).get(`/v1/vouchers/${a.id}`, { headers: { authorization: `Bearer ${a.client_secret}` } });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.seller_name, 'Puesto Uno');
    // Each seller's stock is released on its own voucher's end: one expires, the other waits.
    assert.equal((await platform.post(`/v1/sandbox/vouchers/${a.id}/expire`)).status, 200);
    assert.equal((await platform.get(`/v1/vouchers/${a.id}`)).json.status, 'expired');
    assert.equal((await platform.get(`/v1/vouchers/${b.id}`)).json.status, 'pending');
  });

  test('three sellers: the fee attributed in proportion, the parts adding up to the cart; a cart too large for one voucher', async () => {
    // PEN 7,200 is above PagoEfectivo's PEN 5,000 for one voucher: as one it is refused.
    const splits = [{ account: uno, amount: 300_000, reference: 'item-1' }, { account: dos, amount: 200_000 }, { account: tres, amount: 100_000 }];
    const whole = await platform.post('/v1/checkouts', cart(660_000, splits, { split_vouchers: false }));
    assert.equal(whole.status, 400, whole.text);
    assert.equal(whole.json.error.param, 'amount');
    const body = cart(660_000, splits);
    const r = await platform.post('/v1/checkouts', body);
    assert.equal(r.status, 201, r.text);
    assertCut(r.json, body, [30_000, 20_000, 10_000]);
    assert.equal(r.json.vouchers[0].splits[0].reference, 'item-1');
    assert.deepEqual((await vouchersOf(body.reference)).map((v) => v.id).sort(), r.json.vouchers.map((v) => v.id).sort());
  });

  test('split_vouchers: false (or absent) issues the whole cart as one voucher with its splits', async () => {
    const body = cart(10_000, [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }], { split_vouchers: undefined });
    const r = await platform.post('/v1/checkouts', body);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.split_vouchers, false);
    assert.equal(r.json.vouchers.length, 1);
    assert.equal(r.json.vouchers[0].amount, 10_000);
    assert.equal(r.json.vouchers[0].application_fee_amount, 1_000);
    assert.equal(r.json.vouchers[0].splits.length, 2);
  });

  test('a retry with the same Idempotency-Key answers the same vouchers; another body is 422', async () => {
    const key = `chk-key-${process.pid}-${Date.now()}`;
    const body = cart(40_000, [{ account: uno, amount: 20_000 }, { account: dos, amount: 15_000 }, { account: tres, amount: 5_000 }]);
    const first = await platform.post('/v1/checkouts', body, keyed(key));
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await platform.post('/v1/checkouts', body, keyed(key));
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.json.vouchers.map((v) => v.id), first.json.vouchers.map((v) => v.id));
    assert.deepEqual(again.json, first.json);
    const changed = await platform.post('/v1/checkouts', { ...body, amount: 40_001 }, keyed(key));
    assert.equal(changed.status, 422, changed.text);
    assert.equal(changed.json.error.code, 'idempotency_key_reused');
    assert.equal((await vouchersOf(body.reference)).length, 3);
    // Without a key, the same body is another checkout.
    const fresh = await platform.post('/v1/checkouts', body);
    assert.equal(fresh.status, 201, fresh.text);
    assert.equal((await vouchersOf(body.reference)).length, 6);
  });
});

describe('checkouts: refusals', () => {
  test('every refusal before any voucher is a 400 (or 403) naming the field, and makes nothing', async () => {
    const uno = await seller('Refus Uno');
    const capped = await seller('Refus Tope', { payout_destination: YAPE, limits: { max_voucher_amount: 10_000 } });
    const foreign = await seller('Ajeno', { payout_destination: YAPE }, other);
    const unknown = `acct_${'0'.repeat(24)}`;
    const two = (a, b = uno) => [{ account: a, amount: 5_000 }, { account: b, amount: 5_000 }];
    for (const [client, body, opts, status, param, code] of [
      [local, cart(10_000, [{ account: unknown, amount: 5_000 }]), {}, 403, undefined, 'platform_required'],
      [reader, cart(10_000, two(uno, unknown)), {}, 403, undefined, undefined],
      [platform, cart(10_000, two(uno, unknown)), { headers: { 'vale-account': uno } }, 400, 'Vale-Account', 'header_not_supported'],
      [platform, cart(10_000, undefined), {}, 400, 'splits', 'parameter_missing'],
      [platform, cart(10_000, two(unknown), { split_vouchers: 'yes' }), {}, 400, 'split_vouchers', 'parameter_invalid'],
      [platform, cart(10_000, two(unknown), { network: 'nequi' }), {}, 400, 'network', undefined],
      [platform, cart(10_000, two(unknown), { currency: 'COP' }), {}, 400, undefined, undefined],
      [platform, cart(10_000, [{ account: uno, amount: 9_000 }, { account: capped, amount: 2_000 }]), {}, 400, 'splits', 'splits_exceed_amount'],
      [platform, cart(10_000, [{ account: uno, amount: 9_950 }, { account: capped, amount: 50 }]), {}, 400, 'splits[1].amount', 'amount_too_small'],
      [platform, cart(700_000, [{ account: uno, amount: 600_000 }, { account: capped, amount: 100_000 }]), {}, 400, 'splits[0].amount', 'amount_too_large'],
      [platform, cart(10_000, [{ account: uno, amount: 5_000 }, { account: uno, amount: 5_000 }]), {}, 400, 'splits[1].account', 'account_duplicate'],
      [platform, cart(10_000, two(unknown)), {}, 400, 'splits[0].account', 'account_invalid'],
      [platform, cart(10_000, two(foreign)), {}, 400, 'splits[0].account', 'account_invalid'],
      [platform, cart(30_000, [{ account: capped, amount: 20_000 }, { account: uno, amount: 10_000 }]), {}, 400, 'splits[0].account', 'account_limit_exceeded'],
    ]) {
      const r = await client.post('/v1/checkouts', body, opts);
      const what = `${JSON.stringify(body)} ${JSON.stringify(opts)}`;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      if (param) assert.equal(r.json.error.param, param, `${what}: ${r.text}`);
      if (code) assert.equal(r.json.error.code, code, `${what}: ${r.text}`);
      assert.deepEqual(await vouchersOf(body.reference), [], `${what} made a voucher`);
    }
  });

  test('a seller refused midway undoes the checkout: the vouchers already made are cancelled and their places freed; a retry of it is 409', async () => {
    // Uno may have one voucher open at a time: its place must come back when undone.
    const uno = await seller('Medio Uno', { payout_destination: YAPE, limits: { max_open_vouchers: 1 } });
    const dos = await seller('Medio Dos');
    const sinDestino = await seller('Medio Sin Destino', {});
    const key = `chk-undo-${process.pid}-${Date.now()}`;
    const body = cart(30_000, [{ account: uno, amount: 10_000 }, { account: dos, amount: 10_000 }, { account: sinDestino, amount: 10_000 }]);
    const r = await platform.post('/v1/checkouts', body, keyed(key));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'account_not_enabled');
    assert.equal(r.json.error.param, 'splits[2].account');
    const made = await vouchersOf(body.reference);
    assert.equal(made.length, 2, JSON.stringify(made));
    assert.deepEqual(made.map((v) => v.status), ['cancelled', 'cancelled']);
    // Uno's one place is free again (released just after the cancel's answer).
    await waitFor(async () => {
      const v = await platform.post('/v1/vouchers', cart(10_000, undefined, { split_vouchers: undefined, reference: reference() }), { headers: { 'vale-account': uno } });
      if (v.status === 201) return platform.post(`/v1/vouchers/${v.json.id}/cancel`);
      assert.equal(v.json.error.code, 'account_limit_exceeded', v.text);
      return false;
    }, "Uno's place released");
    // The seller is enabled now; the same key does not revive the undone checkout.
    const enabled = await platform.post(`/v1/accounts/${sinDestino}`, { payout_destination: YAPE });
    assert.equal(enabled.status, 200, enabled.text);
    const retry = await platform.post('/v1/checkouts', body, keyed(key));
    assert.equal(retry.status, 409, retry.text);
    assert.equal(retry.json.error.code, 'checkout_undone');
    const after = await vouchersOf(body.reference);
    assert.ok(after.every((v) => v.status === 'cancelled'), JSON.stringify(after.map((v) => v.status)));
    // A new key makes the whole checkout (once Uno's place, held by the voucher made
    // above, is released after its cancel).
    let attempt = 0;
    const anew = await waitFor(async () => {
      const a = await platform.post('/v1/checkouts', body, keyed(`${key}-${++attempt}`));
      if (a.status === 201) return a;
      assert.equal(a.json.error.code, 'account_limit_exceeded', a.text);
      return false;
    }, 'the checkout with a new key');
    assertCut(anew.json, body, [0, 0, 0]);
  });

  test('test and live never meet, nor two platforms: another mode\'s or platform\'s seller is account_invalid', async () => {
    const live = await seller('Vivo', { payout_destination: YAPE }, otherLive);
    const test = await seller('Prueba', { payout_destination: YAPE }, other);
    const uno = await seller('Aislado Uno');
    for (const [client, body, param] of [
      [other, cart(10_000, [{ account: test, amount: 5_000 }, { account: live, amount: 5_000 }]), 'splits[1].account'],
      [otherLive, cart(10_000, [{ account: test, amount: 5_000 }, { account: live, amount: 5_000 }]), 'splits[0].account'],
      [platform, cart(10_000, [{ account: uno, amount: 5_000 }, { account: test, amount: 5_000 }]), 'splits[1].account'],
      [other, cart(10_000, [{ account: uno, amount: 5_000 }, { account: test, amount: 5_000 }]), 'splits[0].account'],
    ]) {
      const r = await client.post('/v1/checkouts', body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, 'account_invalid', r.text);
      assert.equal(r.json.error.param, param, r.text);
      const left = await vouchersOf(body.reference, client);
      assert.ok(left.every((v) => v.status === 'cancelled'), JSON.stringify(left));
    }
    const ok = await other.post('/v1/checkouts', cart(10_000, [{ account: test, amount: 5_000 }]));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.livemode, false);
  });
});
