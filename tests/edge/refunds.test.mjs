// Refunds against workerd: partial refunds that never exceed the payment (20 at once
// included), approval above a threshold by a restricted key that is not the creator, the
// refund window, refunds of an unexpected payment, the shopper's destination checked field
// by field with the refund's own client secret, cash pickup's withdrawal code and its
// collection deadline, a destination never chosen, the payout file, and the events
// verified with the official `standardwebhooks` package.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startEdge } from '../support/edge.mjs';
import { EFECTY_SECRET, PE_SECRET, api, efectyOrder, peBody, peOrder, peSign, postPe } from '../support/vale.mjs';

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
}]);

let edge;
let merchant;
let restricted;
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
  edge = await startEdge({ vars: { MERCHANTS } });
  merchant = api(edge.base);
  restricted = api(edge.base, 'rk_test_local');
});
after(async () => {
  await edge?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

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
    assert.equal(rest.json.status, 'requires_action', 'exactly the threshold does not wait');
    await asShopper(rest.json).post(`/v1/refunds/${rest.json.id}/destination`,
      { destination: { type: 'wallet', provider: 'nequi', phone: '+57 310 000 0001' } });
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
  test('above the threshold: waits; the creating key may not approve; a restricted key does', async () => {
    const v = await paid(efectyOrder({ amount: 5_000_000 }));
    const r = (await refund({ voucher: v.id, reason: 'requested_by_customer' })).json;
    assert.equal(r.status, 'pending_approval');
    assert.equal((await merchant.post(`/v1/refunds/${r.id}/approve`)).status, 403);
    assert.equal((await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: cash })).status, 409);
    const ok = await restricted.post(`/v1/refunds/${r.id}/approve`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, 'requires_action');
    assert.equal((await restricted.post(`/v1/refunds/${r.id}/approve`)).status, 409);
    const other = (await refund({ voucher: v.id, amount: 3_000_001, reason: 'fraudulent' }));
    assert.equal(other.status, 400, 'the first holds 5.000.000 already');
    const v2 = await paid(efectyOrder({ amount: 5_000_000 }));
    const r2 = (await refund({ voucher: v2.id, reason: 'fraudulent' })).json;
    assert.equal((await restricted.post(`/v1/refunds/${r2.id}/reject`)).json.status, 'cancelled');
    assert.equal((await read(v2.id)).amount_refundable, 5_000_000);
    assert.equal((await restricted.post('/v1/refunds', { voucher: v2.id, reason: 'fraudulent' })).status, 403, 'a restricted key cannot create');
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
  test('a cash pickup not collected in time fails, and its amount is refundable again', async () => {
    const v = await paid(efectyOrder());
    const r = (await refund({ voucher: v.id, amount: 1_000_000, reason: 'requested_by_customer' })).json;
    await asShopper(r).post(`/v1/refunds/${r.id}/destination`, { destination: cash });
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/advance`, { seconds: 31 * 86_400 });
    let now;
    for (const stop = Date.now() + 15_000; Date.now() < stop;) {
      now = (await merchant.get(`/v1/refunds/${r.id}`)).json;
      if (now.status !== 'processing') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(now.status, 'failed');
    assert.equal(now.failure_reason, 'collection_expired');
    assert.equal((await read(v.id)).amount_refundable, v.amount);
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
