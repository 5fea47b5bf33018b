// Marketplaces (issue #23) against workerd: a seller's refunds read and listed acting for
// it (`Vale-Account` on `GET /v1/refunds` and `GET /v1/refunds/{id}`): only refunds of
// vouchers with a share for that seller. The local platform `mer_platform` as
// edge/.dev.vars configures it, plus a second platform (its sellers are not the first's);
// this file starts its own edge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startEdge } from '../support/edge.mjs';
import { api } from '../support/vale.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const OTHER_TEST = 'sk_test_otro_mercado_refunds';
const devMerchants = () => {
  const line = readFileSync(join(root, 'edge', '.dev.vars'), 'utf8')
    .split('\n').find((l) => l.startsWith('MERCHANTS='));
  return JSON.parse(line.slice('MERCHANTS='.length).replace(/^'|'$/g, ''));
};

let edge;
let platform;
let reader;
let local;
let other;
before(async () => {
  const merchants = [...devMerchants(),
    { id: 'mer_000000000000000000000004', name: 'Otro Mercado', platform: true,
      keys: [{ sha256: sha256(OTHER_TEST), mode: 'test', role: 'secret' }], test: { pagoefectivo_secret: 'pe_otro_test' } }];
  edge = await startEdge({ vars: { MERCHANTS: JSON.stringify(merchants) } });
  platform = api(edge.base, 'sk_test_platform');
  reader = api(edge.base, 'rk_test_platform');
  local = api(edge.base, 'sk_test_local');
  other = api(edge.base, OTHER_TEST);
});
after(async () => {
  await edge?.stop();
});

const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };
let documents = 0;
const seller = async (name, client = platform) => {
  const r = await client.post('/v1/accounts', {
    display_name: name, country: 'PE', document_type: 'DNI',
    document_number: String(60_000_000 + process.pid % 1000 * 1000 + ++documents), payout_destination: YAPE,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};
let refs = 0;
const pen = (amount, extra = {}) => ({ network: 'pagoefectivo', amount, currency: 'PEN', reference: `sr-${process.pid}-${Date.now()}-${++refs}`, ...extra });
const as = (account) => ({ headers: { 'vale-account': account } });
const paid = async (body, opts) => {
  const v = await platform.post('/v1/vouchers', body, opts);
  assert.equal(v.status, 201, v.text);
  const p = await platform.post(`/v1/sandbox/vouchers/${v.json.id}/pay`);
  assert.ok(p.status < 300, p.text);
  return v.json.id;
};
const refund = async (voucher, amount) => {
  const r = await platform.post('/v1/refunds', { voucher, amount, reason: 'requested_by_customer' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};
/** Every refund id `client` lists acting for `account`, `limit` at a time. */
const listed = async (client, account, limit) => {
  const ids = [];
  let after = '';
  for (;;) {
    const r = await client.get(`/v1/refunds?limit=${limit}${after}`, as(account));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.data.length <= limit);
    ids.push(...r.json.data.map((x) => x.id));
    if (!r.json.has_more) return ids;
    assert.ok(r.json.data.length > 0, 'has_more with an empty page');
    after = `&starting_after=${ids.at(-1)}`;
  }
};

test('acting for a seller, GET /v1/refunds and /v1/refunds/{id} answer only refunds of vouchers with a share for it', async () => {
  const [uno, dos, tres] = await Promise.all([seller('Lee Uno'), seller('Lee Dos'), seller('Lee Tres')]);
  const cart = await paid(pen(10_000, { splits: [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }] }));
  const unos = await paid(pen(5_000, { application_fee_amount: 500 }), as(uno));
  const tress = await paid(pen(4_000), as(tres));
  const own = await paid(pen(3_000));
  // Refunds interleaved, so a seller's are not one run of the platform's index.
  const r1 = await refund(cart, 1_000);
  const r2 = await refund(tress, 1_000);
  const r3 = await refund(unos, 1_000);
  const r4 = await refund(own, 1_000);
  const r5 = await refund(cart, 2_000);
  const r6 = await refund(tress, 500);

  for (const client of [platform, reader]) {
    // Each seller reads its own and no other (404, as an unknown refund).
    for (const [account, id, status] of [
      [uno, r1, 200], [dos, r1, 200], [tres, r1, 404], [uno, r3, 200], [dos, r3, 404],
      [uno, r2, 404], [tres, r2, 200], [uno, r4, 404], [tres, r4, 404],
    ]) {
      const r = await client.get(`/v1/refunds/${id}`, as(account));
      assert.equal(r.status, status, `${account} ${id}: ${r.text}`);
      if (status === 200) assert.equal(r.json.id, id);
      else assert.equal(r.json.error.code, 'resource_missing');
    }
    // The list: newest first, the same ids paged one at a time as all at once.
    for (const [account, want] of [[uno, [r5, r3, r1]], [dos, [r5, r1]], [tres, [r6, r2]]]) {
      const all = await listed(client, account, 100);
      const mine = all.filter((id) => [r1, r2, r3, r4, r5, r6].includes(id));
      assert.deepEqual(mine, want, `${account}'s refunds`);
      assert.deepEqual(await listed(client, account, 1), all, `${account} paged one at a time`);
    }
    // One voucher's: only a voucher with a share for the seller.
    const ofCart = await client.get(`/v1/refunds?voucher=${cart}`, as(dos));
    assert.equal(ofCart.status, 200, ofCart.text);
    assert.deepEqual(ofCart.json.data.map((r) => r.id).sort(), [r1, r5].sort());
    const notMine = await client.get(`/v1/refunds?voucher=${tress}`, as(dos));
    assert.equal(notMine.status, 404, notMine.text);
  }
  // Without the header, the platform lists them all.
  const everything = await platform.get(`/v1/refunds?limit=100`);
  for (const id of [r1, r2, r3, r4, r5, r6]) assert.ok(everything.json.data.some((r) => r.id === id), id);
});

test('another platform\'s seller is 400 account_invalid, a merchant that is no platform 403, a client secret with the header 400', async () => {
  const foreign = await seller('Ajeno', other);
  const uno = await seller('Propio Uno');
  const v = await paid(pen(2_000, { application_fee_amount: 0 }), as(uno));
  const r = await platform.post('/v1/refunds', { voucher: v, amount: 500, reason: 'requested_by_customer' });
  assert.equal(r.status, 201, r.text);
  for (const path of ['/v1/refunds', `/v1/refunds/${r.json.id}`, `/v1/refunds?voucher=${v}`]) {
    for (const account of [foreign, 'acct_x', `acct_${'0'.repeat(24)}`]) {
      const got = await platform.get(path, as(account));
      assert.equal(got.status, 400, `${path} ${account}: ${got.text}`);
      assert.equal(got.json.error.code, 'account_invalid');
      assert.equal(got.json.error.param, 'Vale-Account');
    }
    const plain = await local.get(path, as(uno));
    assert.equal(plain.status, 403, plain.text);
    assert.equal(plain.json.error.code, 'platform_required');
  }
  // The other platform does not see the first's refund with its own seller either.
  const cross = await other.get(`/v1/refunds/${r.json.id}`, as(foreign));
  assert.equal(cross.status, 404, cross.text);
  const bySecret = await api(edge.base, null).get(`/v1/refunds/${r.json.id}`,
    { headers: { authorization: `Bearer ${r.json.client_secret}`, 'vale-account': uno } });
  assert.equal(bySecret.status, 400, bySecret.text);
  assert.equal(bySecret.json.error.code, 'header_not_supported');
  // The refunds' other routes still refuse the header before doing anything.
  const cancel = await platform.post(`/v1/refunds/${r.json.id}/cancel`, {}, as(uno));
  assert.equal(cancel.status, 400, cancel.text);
  assert.equal(cancel.json.error.code, 'header_not_supported');
});
