// Marketplaces (issue #23) against workerd, the money of split vouchers: refunds by hand
// (`refund_splits`) and acting for a seller (`Vale-Account`), and one payment reported by
// a settlement file and a notification in either order, booked once. The local platform
// `mer_platform` exactly as edge/.dev.vars configures it; this file starts its own edge
// (with the reporting database, for settlement files).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startEdge } from '../support/edge.mjs';
import { api, peBody, peSign, postEfecty, postPe } from '../support/vale.mjs';
import { asobancaria, lima, peCsv } from '../support/settlement.mjs';

let edge;
let platform;
let local;
before(async () => {
  edge = await startEdge({ reports: true });
  platform = api(edge.base, 'sk_test_platform');
  local = api(edge.base, 'sk_test_local');
});
after(async () => {
  await edge?.stop();
});

const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };
let documents = 0;
/** An enabled Peruvian seller (its own DNI each time). */
const seller = async (name) => {
  const r = await platform.post('/v1/accounts', {
    display_name: name, country: 'PE', document_type: 'DNI',
    document_number: String(40_000_000 + process.pid % 1000 * 1000 + ++documents), payout_destination: YAPE,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};
const NEQUI = { type: 'wallet', provider: 'nequi', phone: '+57 300 123 4567' };
/** An enabled Colombian seller (its own CC each time). */
const coSeller = async (name) => {
  const r = await platform.post('/v1/accounts', {
    display_name: name, country: 'CO', document_type: 'CC',
    document_number: String(1_000_000_000 + process.pid % 1000 * 1000 + ++documents), payout_destination: NEQUI,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
};
let refs = 0;
const reference = () => `mkt-money-${process.pid}-${Date.now()}-${++refs}`;
const pen = (amount, extra = {}) => ({ network: 'pagoefectivo', amount, currency: 'PEN', reference: reference(), ...extra });
const as = (account) => ({ headers: { 'vale-account': account } });
/** Polls `check` until it answers something truthy (the ledger is fed after the answer). */
const waitFor = async (check, what, ms = 30_000) => {
  const until = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Every balance transaction of the platform's ledger, paging to the end. */
const allTxns = async () => {
  const rows = [];
  let after = '';
  for (;;) {
    const r = await platform.get(`/v1/balance_transactions?limit=100${after}`);
    assert.equal(r.status, 200, r.text);
    rows.push(...r.json.data);
    if (!r.json.has_more) return rows;
    after = `&starting_after=${rows.at(-1).id}`;
  }
};
/** What each party (seller id, or `platform`) holds of one voucher: its rows summed. */
const holdings = async (voucher) => {
  const mine = (await allTxns()).filter((t) => t.source === voucher || t.source.startsWith(`re_${voucher.slice(4)}`));
  const held = {};
  for (const t of mine) held[t.account ?? 'platform'] = (held[t.account ?? 'platform'] ?? 0) + t.amount;
  return { held, rows: mine };
};
/** Waits until the seller ledger holds exactly `want` of `voucher` (parties with 0 may be absent). */
const holdsExactly = async (voucher, want, what) => {
  const clean = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0).sort());
  let last;
  await waitFor(async () => {
    last = (await holdings(voucher)).held;
    return JSON.stringify(clean(last)) === JSON.stringify(clean(want));
  }, `${what}: want ${JSON.stringify(want)}, last ${JSON.stringify(last)}`);
};
const paidVoucher = async (body, opts) => {
  const v = await platform.post('/v1/vouchers', body, opts);
  assert.equal(v.status, 201, v.text);
  const paid = await platform.post(`/v1/sandbox/vouchers/${v.json.id}/pay`);
  assert.ok(paid.status < 300, paid.text);
  return v.json;
};
const refundsOf = async (client, voucher) => {
  const r = await client.get(`/v1/refunds?voucher=${voucher}&limit=100`);
  assert.equal(r.status, 200, r.text);
  return r.json.data;
};

describe('refunds of split vouchers', () => {
  let uno;
  let dos;
  let tres;
  before(async () => {
    [uno, dos, tres] = await Promise.all([seller('Puesto Uno'), seller('Puesto Dos'), seller('Puesto Tres')]);
  });

  test('refund_splits: one item of one seller; the other seller gives nothing, the platform the rest; a cancel gives it back', async () => {
    // PEN 100.00: Uno 60.00, Dos 30.00, the platform's fee 10.00.
    const v = await paidVoucher(pen(10_000, { splits: [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }] }));
    await holdsExactly(v.id, { [uno]: 6_000, [dos]: 3_000, platform: 1_000 }, 'the payment');
    // Uno's item (30.00) and the platform's fee on it (3.00) go back to the shopper.
    const r = await platform.post('/v1/refunds', {
      voucher: v.id, amount: 3_300, reason: 'requested_by_customer', refund_splits: [{ account: uno, amount: 3_000 }],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.amount, 3_300);
    assert.deepEqual(r.json.refund_splits, [{ account: uno, amount: 3_000 }]);
    assert.deepEqual((await platform.get(`/v1/refunds/${r.json.id}`)).json.refund_splits, r.json.refund_splits);
    await holdsExactly(v.id, { [uno]: 3_000, [dos]: 3_000, platform: 700 }, 'the refund as given');
    const { rows } = await holdings(v.id);
    const refundRows = rows.filter((t) => t.type === 'refund');
    assert.deepEqual(refundRows.map((t) => [t.account ?? 'platform', t.amount, t.source]).sort(),
      [[uno, -3_000, r.json.id], ['platform', -300, r.json.id]].sort());
    // The display view (the refund's client secret) does not show the sellers.
    const display = await api(edge.base, r.json.client_secret).get(`/v1/refunds/${r.json.id}`);
    assert.equal(display.status, 200, display.text);
    assert.equal(display.json.refund_splits, undefined);
    // Cancelled, it gives back exactly what each gave.
    const cancelled = await platform.post(`/v1/refunds/${r.json.id}/cancel`);
    assert.equal(cancelled.status, 200, cancelled.text);
    await holdsExactly(v.id, { [uno]: 6_000, [dos]: 3_000, platform: 1_000 }, 'the cancelled refund returned');
  });

  test('every refusal of refund_splits is a 400 naming the field, and no refund is made', async () => {
    const v = await paidVoucher(pen(10_000, { splits: [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }] }));
    // A first refund by hand leaves Uno 4_000: the next ones are checked net of it.
    const first = await platform.post('/v1/refunds', {
      voucher: v.id, amount: 2_000, reason: 'requested_by_customer', refund_splits: [{ account: uno, amount: 2_000 }],
    });
    assert.equal(first.status, 201, first.text);
    const refund = (refund_splits, amount = 5_000) =>
      platform.post('/v1/refunds', { voucher: v.id, amount, reason: 'requested_by_customer', refund_splits });
    for (const [splits, param, code, amount] of [
      [[{ account: uno, amount: 4_100 }], 'refund_splits[0].amount', 'refund_split_exceeds_share'],
      [[{ account: dos, amount: 3_100 }], 'refund_splits[0].amount', 'refund_split_exceeds_share'],
      [[{ account: tres, amount: 100 }], 'refund_splits[0].account', 'account_not_in_split'],
      [[{ account: uno, amount: 3_000 }, { account: dos, amount: 2_100 }], 'refund_splits', 'refund_splits_exceed_amount'],
      [[{ account: uno, amount: 100 }], 'refund_splits', 'refund_splits_exceed_amount', 99],
      [[{ account: uno, amount: 100 }, { account: uno, amount: 100 }], 'refund_splits[1].account', 'account_duplicate'],
      [[{ account: 'acct_nobody', amount: 100 }], 'refund_splits[0].account', 'account_invalid'],
      [[{ account: `${uno}x`, amount: 100 }], 'refund_splits[0].account', 'account_invalid'],
      [[{ account: uno.slice(0, -1), amount: 100 }], 'refund_splits[0].account', 'account_invalid'],
      [[{ account: 'acct_', amount: 100 }], 'refund_splits[0].account', 'account_invalid'],
      // Well formed, of no seller of this voucher.
      [[{ account: `${uno.slice(0, -1)}${uno.endsWith('a') ? 'b' : 'a'}`, amount: 100 }], 'refund_splits[0].account', 'account_not_in_split'],
      [[{ account: uno, amount: 0 }], 'refund_splits[0].amount', 'amount_invalid'],
      [[{ account: uno, amount: 1.5 }], 'refund_splits[0].amount', 'amount_invalid'],
      [[{ account: uno, amount: 100, fee: 1 }], 'refund_splits[0].fee', 'parameter_unknown'],
      [[], 'refund_splits', 'parameter_invalid'],
      ['uno', 'refund_splits', 'parameter_invalid'],
    ]) {
      const r = await refund(splits, amount);
      assert.equal(r.status, 400, `${JSON.stringify(splits)}: ${r.text}`);
      assert.equal(r.json.error.param, param, r.text);
      assert.equal(r.json.error.code, code, r.text);
    }
    assert.equal((await refundsOf(platform, v.id)).length, 1, 'no refund was made');
    // Exactly what Uno still holds is fine.
    const rest = await refund([{ account: uno, amount: 4_000 }], 4_000);
    assert.equal(rest.status, 201, rest.text);
    await holdsExactly(v.id, { [dos]: 3_000, platform: 1_000 }, 'both refunds as given');
    // A merchant that is no platform: refund_splits stays unknown.
    const plain = await local.post('/v1/vouchers', pen(2_500));
    await local.post(`/v1/sandbox/vouchers/${plain.json.id}/pay`);
    const unknown = await local.post('/v1/refunds', {
      voucher: plain.json.id, reason: 'requested_by_customer', refund_splits: [{ account: uno, amount: 100 }],
    });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.json.error.code, 'parameter_unknown');
    assert.equal(unknown.json.error.param, 'refund_splits');
  });

  test('acting for a seller (Vale-Account): its refund comes out of its share alone, of its vouchers only', async () => {
    const v = await paidVoucher(pen(10_000, { splits: [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }] }));
    await holdsExactly(v.id, { [uno]: 6_000, [dos]: 3_000, platform: 1_000 }, 'the payment');
    const refund = (account, body, headers = {}) => platform.call('POST', '/v1/refunds', {
      body: { voucher: v.id, reason: 'requested_by_customer', ...body }, headers: { 'vale-account': account, ...headers },
    });
    // A seller without a share in it does not see the voucher.
    const stranger = await refund(tres, { amount: 100 });
    assert.equal(stranger.status, 404, stranger.text);
    assert.equal(stranger.json.error.code, 'resource_missing');
    // It names no other seller, and gives no more than it holds.
    const other = await refund(dos, { amount: 100, refund_splits: [{ account: uno, amount: 100 }] });
    assert.equal(other.status, 400, other.text);
    assert.equal(other.json.error.code, 'account_invalid');
    assert.equal(other.json.error.param, 'refund_splits[0].account');
    const tooMuch = await refund(dos, { amount: 3_100 });
    assert.equal(tooMuch.status, 400, tooMuch.text);
    assert.equal(tooMuch.json.error.code, 'refund_split_exceeds_share');
    assert.equal(tooMuch.json.error.param, 'amount');
    // No amount: all that the seller still holds; with a key, the same body for another
    // seller is another request.
    const r = await refund(dos, {}, { 'idempotency-key': `dos-${v.id}` });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.amount, 3_000);
    assert.deepEqual(r.json.refund_splits, [{ account: dos, amount: 3_000 }]);
    const replay = await refund(dos, {}, { 'idempotency-key': `dos-${v.id}` });
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.json.id, r.json.id);
    const reused = await refund(uno, {}, { 'idempotency-key': `dos-${v.id}` });
    assert.equal(reused.status, 422, reused.text);
    await holdsExactly(v.id, { [uno]: 6_000, platform: 1_000 }, 'Dos gave back its share alone');
    // Nothing more to give back.
    const none = await refund(dos, { amount: 100 });
    assert.equal(none.status, 400, none.text);
    assert.equal(none.json.error.code, 'voucher_not_refundable');
    // Uno gives part of its share by hand, with the header.
    const part = await refund(uno, { amount: 1_500, refund_splits: [{ account: uno, amount: 1_500 }] });
    assert.equal(part.status, 201, part.text);
    await holdsExactly(v.id, { [uno]: 4_500, platform: 1_000 }, 'Uno gave part');
    assert.equal((await refundsOf(platform, v.id)).length, 2);
    // A merchant that is no platform cannot act for a seller.
    const plain = await local.call('POST', '/v1/refunds', {
      body: { voucher: v.id, reason: 'requested_by_customer' }, headers: { 'vale-account': uno },
    });
    assert.equal(plain.status, 403, plain.text);
    assert.equal(plain.json.error.code, 'platform_required');
    const unknownSeller = await refund('acct_nobody', {});
    assert.equal(unknownSeller.status, 400, unknownSeller.text);
    assert.equal(unknownSeller.json.error.param, 'Vale-Account');
  });

  test('a one-seller voucher refunded for its seller: the seller gives its net, the platform keeps its fee', async () => {
    const v = await paidVoucher(pen(10_000, { application_fee_amount: 1_000 }), as(uno));
    await holdsExactly(v.id, { [uno]: 9_000, platform: 1_000 }, 'the payment');
    const r = await platform.call('POST', '/v1/refunds', {
      body: { voucher: v.id, reason: 'order_cancelled' }, headers: { 'vale-account': uno },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.amount, 9_000);
    await holdsExactly(v.id, { platform: 1_000 }, 'the seller gave its whole share');
    // The platform refunds its fee itself (in proportion: it is all that is left).
    const fee = await platform.post('/v1/refunds', { voucher: v.id, reason: 'order_cancelled' });
    assert.equal(fee.status, 201, fee.text);
    assert.equal(fee.json.amount, 1_000);
    assert.equal(fee.json.refund_splits, undefined, 'a proportional refund shows no refund_splits');
    await holdsExactly(v.id, {}, 'everything given back');
  });
});

describe('one payment of a split voucher from two sources, in either order', () => {
  const PE_PLATFORM = 'pe_platform_secret';
  const EFECTY_PLATFORM = 'whsec_ZWZlY3R5X3BsYXRmb3JtX3NlY3JldF9rZXk=';
  /** Posts a settlement file with the platform's key; answers the reconciled settlement. */
  const settleFile = async (network, body) => {
    const r = await platform.call('POST', `/v1/settlements?network=${network}`,
      { raw: body, headers: { 'content-type': 'text/plain' } });
    assert.ok([200, 201, 202].includes(r.status), r.text);
    return waitFor(async () => {
      const s = (await platform.get(`/v1/settlements/${r.json.id}`)).json;
      return s.status === 'reconciled' && s;
    }, 'the settlement to be reconciled', 120_000);
  };
  const notifyPe = async (v, operation) => {
    const body = peBody({ cip: v.payment_code, amount: (v.amount / 100).toFixed(2), operation, transactionCode: v.id });
    const r = await postPe(edge.base, body, peSign(body, PE_PLATFORM));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  const notifyEfecty = async (v, authorization) => {
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_code: v.payment_code, amount: v.amount,
      currency: 'COP', paid_at: lima(), agent_id: 'efecty-bog-1', authorization } });
    const r = await postEfecty(edge.base, body, { secret: EFECTY_PLATFORM });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  // The platform's Efecty GLN (edge/.dev.vars) in the file's 05 record.
  const efectyFile = (details) => asobancaria(details).replace('7709998000018', '7709998000025');

  /** Every row of `voucher`: one payment row per party, each available, none twice. */
  const bookedOnceAndAvailable = async (voucher, want) => {
    await holdsExactly(voucher.id, want, `${voucher.id} booked`);
    await waitFor(async () => (await holdings(voucher.id)).rows.every((t) => t.status === 'available'),
      `${voucher.id} available`);
    const { rows } = await holdings(voucher.id);
    assert.equal(new Set(rows.map((t) => t.id)).size, rows.length, 'no row twice');
    assert.deepEqual(rows.map((t) => t.type), Object.keys(want).map(() => 'payment'), 'one payment row per party');
    for (const t of rows) assert.ok(t.available_at, `${t.id} has available_at`);
  };

  for (const network of ['pagoefectivo', 'efecty']) {
    test(`Regression (issue #23): ${network}: file then notification, and notification then file, book each share once, available once`, async () => {
      const pe = network === 'pagoefectivo';
      const [a, b] = pe
        ? await Promise.all([seller('Fuente Uno'), seller('Fuente Dos')])
        : await Promise.all([coSeller('Fuente Uno'), coSeller('Fuente Dos')]);
      const [amount, shareA, shareB] = pe ? [10_000, 6_000, 3_000] : [5_000_000, 3_000_000, 1_500_000];
      const body = () => ({ network, amount, currency: pe ? 'PEN' : 'COP', reference: reference(),
        splits: [{ account: a, amount: shareA }, { account: b, amount: shareB }] });
      const want = { [a]: shareA, [b]: shareB, platform: amount - shareA - shareB };
      const [fileFirst, notifiedFirst] = await Promise.all([body(), body()].map(async (o) => {
        const r = await platform.post('/v1/vouchers', o);
        assert.equal(r.status, 201, r.text);
        return r.json;
      }));
      // Identifiers of the payment as each source writes them: PagoEfectivo's operation
      // number whole in both; Efecty's authorization whole in the notification, its last
      // six characters in the file.
      const ids = pe
        ? [`op${Date.now()}a`, `op${Date.now()}b`].map((op) => ({ full: op, file: op }))
        : ['A123456', 'B98765432'].map((full) => ({ full, file: full.slice(-6) }));
      const file = (v, id) => (pe
        ? peCsv([{ cip: v.payment_code, amount: (v.amount / 100).toFixed(2), operation: id.file }])
        : efectyFile([{ reference: v.payment_code, amount: v.amount, authorization: id.file }]));
      const notify = (v, id) => (pe ? notifyPe(v, id.full) : notifyEfecty(v, id.full));

      // The file first: the payment is born available; the notification after is the same payment.
      const s1 = await settleFile(network, file(fileFirst, ids[0]));
      assert.equal(s1.counts.paid_without_notification, 1, JSON.stringify(s1.counts));
      await bookedOnceAndAvailable(fileFirst, want);
      const late = await notify(fileFirst, ids[0]);
      assert.equal(late.duplicate, true, JSON.stringify(late));

      // The notification first: pending; the file after makes the same rows available.
      const early = await notify(notifiedFirst, ids[1]);
      assert.notEqual(early.duplicate, true, JSON.stringify(early));
      await holdsExactly(notifiedFirst.id, want, 'the notified payment');
      assert.ok((await holdings(notifiedFirst.id)).rows.every((t) => t.status === 'pending'));
      const s2 = await settleFile(network, file(notifiedFirst, ids[1]));
      assert.equal(s2.counts.matched, 1, JSON.stringify(s2.counts));
      await bookedOnceAndAvailable(notifiedFirst, want);
      // The first voucher's rows are still once each, after its late notification was
      // told to the ledger (it was, long before the second file was reconciled).
      await bookedOnceAndAvailable(fileFirst, want);
      for (const v of [fileFirst, notifiedFirst]) {
        assert.equal((await platform.get(`/v1/vouchers/${v.id}`)).json.status, 'paid');
      }

      // Each seller's balance is exactly its two shares, all available.
      for (const [account, share] of [[a, shareA], [b, shareB]]) {
        const r = await platform.get('/v1/balance', as(account));
        assert.equal(r.status, 200, r.text);
        assert.deepEqual([r.json.available[0].amount, r.json.pending[0].amount], [2 * share, 0], account);
      }
    });
  }
});

describe('events with account', () => {
  let receiver;
  const received = [];
  before(async () => {
    receiver = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = await platform.post('/v1/webhook_endpoints', { url: `http://127.0.0.1:${receiver.address().port}/`,
      events: ['account.updated', 'payout.created', 'payout.paid', 'payout.failed', 'voucher.paid', 'refund.created'] });
    assert.equal(hook.status, 201, hook.text);
  });
  after(async () => {
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  });
  /** The one delivered event that `match` picks (waits for it, and that no second one came). */
  const delivered = async (what, match) => {
    const got = await waitFor(() => received.find(match), what);
    assert.equal(received.filter(match).length, 1, `${what}: delivered once`);
    return got;
  };
  const manual = (schedule) => platform.post(`/v1/accounts/${schedule}`, { payout_schedule: { interval: 'manual' } });

  test('account.updated, payout.created, payout.paid and payout.failed carry the seller; voucher events of one seller too', async () => {
    const [uno, dos] = await Promise.all([seller('Eventos Uno'), seller('Eventos Dos')]);
    // An update is account.updated with the account; the same update again changes nothing.
    assert.equal((await manual(uno)).status, 200);
    const updated = await delivered('account.updated', (e) => e.type === 'account.updated' && e.data.id === uno);
    assert.equal(updated.account, uno);
    assert.deepEqual(updated.data.payout_schedule, { interval: 'manual' });
    assert.equal((await manual(uno)).status, 200);
    const disabled = await platform.post(`/v1/accounts/${dos}/disable`);
    assert.equal(disabled.status, 200, disabled.text);
    const off = await delivered('account.updated (disabled)', (e) => e.type === 'account.updated' && e.data.id === dos);
    assert.equal(off.data.status, 'disabled');
    assert.equal(received.filter((e) => e.type === 'account.updated' && e.data.id === uno).length, 1,
      'an update that changes nothing is no event');

    // A voucher wholly Uno's (less the fee): its events are about Uno; the platform's own are not.
    const mine = await paidVoucher(pen(10_000, { application_fee_amount: 1_000 }), as(uno));
    const paidEvent = await delivered('voucher.paid', (e) => e.type === 'voucher.paid' && e.data.id === mine.id);
    assert.equal(paidEvent.account, uno);
    const own = await paidVoucher(pen(2_000));
    const ownEvent = await delivered('voucher.paid (own)', (e) => e.type === 'voucher.paid' && e.data.id === own.id);
    assert.equal(ownEvent.account, null);
    const listed = await platform.get('/v1/events?type=voucher.paid&limit=100');
    assert.equal(listed.json.data.find((e) => e.data.id === mine.id).account, uno);

    // Settled, then paid out by hand twice: one payout paid, one failed.
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const applied = await platform.post(`/v1/sandbox/settlements/${day}/apply?network=pagoefectivo`);
    assert.ok([200, 201, 202].includes(applied.status), applied.text);
    await waitFor(async () => (await platform.get('/v1/balance', as(uno))).json.available[0].amount === 9_000,
      'the share available');
    const first = await platform.post('/v1/payouts', { account: uno, amount: 4_000 });
    assert.equal(first.status, 201, first.text);
    const second = await platform.post('/v1/payouts', { account: uno, amount: 5_000 });
    assert.equal(second.status, 201, second.text);
    assert.equal((await platform.post(`/v1/payouts/${first.json.id}/paid`, { reference: 'BANCO-1' })).status, 200);
    assert.equal((await platform.post(`/v1/payouts/${second.json.id}/failed`, { failure_reason: 'invalid_destination' })).status, 200);
    // Closing again the same way is no new event.
    assert.equal((await platform.post(`/v1/payouts/${first.json.id}/paid`, { reference: 'BANCO-1' })).status, 200);
    for (const [type, payout, status] of [
      ['payout.created', first.json.id, 'pending'], ['payout.created', second.json.id, 'pending'],
      ['payout.paid', first.json.id, 'paid'], ['payout.failed', second.json.id, 'failed'],
    ]) {
      const e = await delivered(`${type} ${payout}`, (x) => x.type === type && x.data.id === payout);
      assert.equal(e.account, uno);
      assert.equal(e.data.object, 'payout');
      assert.equal(e.data.status, status);
      assert.ok(!JSON.stringify(e).includes('987654321') && !JSON.stringify(e).includes('987 654 321'),
        'the destination is masked in events');
    }
    const one = await platform.get(`/v1/events?type=payout.failed&limit=10`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.data.find((e) => e.data.id === second.json.id).account, uno);
  });

  test('refund events of a one-seller voucher carry the seller, made by the platform or for the seller; a cart\'s refunds carry null', async () => {
    const [uno, dos] = await Promise.all([seller('Reembolsos Uno'), seller('Reembolsos Dos')]);
    const mine = await paidVoucher(pen(10_000, { application_fee_amount: 1_000 }), as(uno));
    const cart = await paidVoucher(pen(10_000, { splits: [{ account: uno, amount: 6_000 }, { account: dos, amount: 3_000 }] }));
    const byPlatform = await platform.post('/v1/refunds', { voucher: mine.id, amount: 2_000, reason: 'requested_by_customer' });
    assert.equal(byPlatform.status, 201, byPlatform.text);
    const forSeller = await platform.post('/v1/refunds', { voucher: mine.id, amount: 1_000, reason: 'requested_by_customer' }, as(uno));
    assert.equal(forSeller.status, 201, forSeller.text);
    const ofCart = await platform.post('/v1/refunds', { voucher: cart.id, amount: 1_000, reason: 'requested_by_customer' });
    assert.equal(ofCart.status, 201, ofCart.text);
    for (const [refund, account] of [[byPlatform.json.id, uno], [forSeller.json.id, uno], [ofCart.json.id, null]]) {
      const e = await delivered(`refund.created ${refund}`, (x) => x.type === 'refund.created' && x.data.id === refund);
      assert.equal(e.account, account, `refund.created ${refund}`);
      const listed = await platform.get('/v1/events?type=refund.created&limit=100');
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.json.data.find((x) => x.data.id === refund).account, account);
    }
  });
});
