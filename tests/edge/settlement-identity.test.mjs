// One payment is one payment across notifications and settlement files, against workerd
// (issue #19, review findings H1, M2 and M5). The merchant refunds unexpected payments
// automatically, so a payment counted twice would also be refunded twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useEdge } from '../support/fixtures.mjs';
import { EFECTY_SECRET, PE_SECRET, efectyOrder, peBody, peOrder, postPe } from '../support/vale.mjs';
import { asobancaria, efectyPaid, peCsv, settle, today } from '../support/settlement.mjs';

const merchants = JSON.stringify([{ id: 'mer_local', name: 'Tienda Local',
  keys: [{ sha256: createHash('sha256').update('sk_test_local').digest('hex'), mode: 'test', role: 'secret' }],
  test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET }, unexpected_payments: 'refund' }]);
const edge = useEdge({ reports: true, vars: { MERCHANTS: merchants } });
const merchant = edge.api();

const voucher = async (id) => (await merchant.get(`/v1/vouchers/${id}`)).json;
const refunds = async (id) => (await merchant.get(`/v1/refunds?voucher=${id}`)).json.data;
// The file's own lines (vouchers paid today by other tests are notified_not_settled here).
const counts = (s) => Object.fromEntries(Object.entries(s.counts)
  .filter(([category, n]) => n > 0 && category !== 'notified_not_settled'));

/** A settlement's lines that are lines of its file. */
const fileLines = async (id) => (await merchant.get(`/v1/settlements/${id}/lines`)).json.data
  .filter((l) => l.line !== null);

/** A voucher in `state` (pending, expired or cancelled), Efecty or PagoEfectivo. */
async function make(state, order = efectyOrder()) {
  const v = (await merchant.post('/v1/vouchers', order)).json;
  if (state === 'expired') assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire`)).status, 200);
  if (state === 'cancelled') assert.equal((await merchant.post(`/v1/vouchers/${v.id}/cancel`)).status, 200);
  return v;
}

// Authorizations of every length, and the six characters the file has of each.
const hex = createHash('sha256').update('h1').digest('hex').slice(0, 24);
const AUTHORIZATIONS = [
  ['A123456', '123456'],
  [hex, hex.slice(-6)],
  ['ABC', '000ABC'],
];
const CASES = ['pending', 'expired', 'cancelled'].flatMap((state) =>
  AUTHORIZATIONS.map(([full, six]) => ({ state, full, six })));

/** What each voucher must end as, after one payment whatever reported it. */
async function onePayment(v, state) {
  const after = await voucher(v.id);
  if (state === 'pending') {
    assert.equal(after.status, 'paid', v.id);
    assert.deepEqual(after.unexpected_payments ?? [], [], v.id);
    assert.deepEqual(await refunds(v.id), [], v.id);
  } else {
    assert.equal(after.status, state, v.id);
    assert.deepEqual(after.unexpected_payments.map((u) => u.reason),
      [state === 'expired' ? 'paid_after_expiry' : 'paid_after_cancel'], v.id);
    assert.equal((await refunds(v.id)).length, 1, `one automatic refund for ${v.id}`);
  }
}

describe('Efecty: the notification\'s authorization and the file\'s six characters are one payment', () => {
  test('Regression (review H1): file first, then the notification, on pending, expired and cancelled vouchers', async () => {
    const vouchers = [];
    for (const c of CASES) vouchers.push({ ...c, v: await make(c.state) });
    const file = asobancaria(vouchers.map(({ v, six }) =>
      ({ reference: v.payment_code, amount: v.amount, authorization: six })));
    const s = await settle(edge.base, 'efecty', file);
    assert.equal(s.status, 201, JSON.stringify(s.json));
    assert.deepEqual(counts(s.json), { paid_without_notification: 3, late_payment: 6 });
    for (const { v, full, state } of vouchers) {
      const late = await efectyPaid(edge.base, { code: v.payment_code, authorization: full });
      assert.equal(late.status, 200, JSON.stringify(late.json));
      assert.equal(late.json.duplicate, true, `${state} ${full}: the same payment`);
      await onePayment(v, state);
    }
  });

  test('Regression (review H1, M2): the notification first, then the file, on pending, expired and cancelled vouchers', async () => {
    const vouchers = [];
    for (const c of CASES) vouchers.push({ ...c, v: await make(c.state) });
    for (const { v, full } of vouchers) {
      const first = await efectyPaid(edge.base, { code: v.payment_code, authorization: full });
      assert.equal(first.json.duplicate, false);
    }
    const file = asobancaria(vouchers.map(({ v, six }) =>
      ({ reference: v.payment_code, amount: v.amount, authorization: six })));
    const s = await settle(edge.base, 'efecty', file);
    assert.equal(s.status, 201, JSON.stringify(s.json));
    // Late payments are their own category, not paid_without_notification.
    assert.deepEqual(counts(s.json), { matched: 3, late_payment: 6 });
    for (const { v, state } of vouchers) await onePayment(v, state);
    // The next day's file lists them all again: duplicates, nothing new.
    const again = await settle(edge.base, 'efecty', asobancaria(vouchers.map(({ v, six }) =>
      ({ reference: v.payment_code, amount: v.amount, authorization: six, operation: 77 }))));
    assert.equal(again.status, 201);
    assert.deepEqual(counts(again.json), { duplicate: 9 });
    for (const { v, state } of vouchers) await onePayment(v, state);
  });

  test('Regression (review H1): a blank authorization is never a line number: listed twice and notified, one payment', async () => {
    const v = await make('expired');
    const file = asobancaria([0, 1].map(() => ({ reference: v.payment_code, amount: v.amount, authorization: '' })));
    const s = await settle(edge.base, 'efecty', file);
    assert.deepEqual(counts(s.json), { late_payment: 1, duplicate: 1 });
    const late = await efectyPaid(edge.base, { code: v.payment_code, authorization: 'Z7' });
    assert.equal(late.json.duplicate, true);
    await onePayment(v, 'expired');
  });

  test('Regression (review M2): one code listed twice with two authorizations: the second is a paid_twice payment', async () => {
    const v = await make('pending');
    const file = asobancaria([
      { reference: v.payment_code, amount: v.amount, authorization: '111111' },
      { reference: v.payment_code, amount: v.amount, authorization: '222222' },
    ]);
    const s = await settle(edge.base, 'efecty', file);
    assert.equal(s.status, 201, JSON.stringify(s.json));
    assert.deepEqual(counts(s.json), { paid_without_notification: 1, unexpected_payment: 1 });
    const lines = await fileLines(s.json.id);
    assert.deepEqual(lines.map((l) => [l.line, l.category, l.operation]),
      [[3, 'paid_without_notification', '111111'], [4, 'unexpected_payment', '222222']]);
    let after = await voucher(v.id);
    assert.equal(after.status, 'paid');
    assert.deepEqual(after.unexpected_payments.map((u) => [u.reason, u.amount]), [['paid_twice', v.amount]]);
    assert.equal((await refunds(v.id)).length, 1, 'one automatic refund, of the second payment');
    // Efecty's notifications of both, later: the same two payments.
    for (const authorization of ['X111111', 'Y222222']) {
      assert.equal((await efectyPaid(edge.base, { code: v.payment_code, authorization })).json.duplicate, true);
    }
    // The same file twice is the same settlement, and changes nothing.
    const twice = await settle(edge.base, 'efecty', file);
    assert.equal(twice.status, 200);
    assert.equal(twice.json.id, s.json.id);
    assert.deepEqual(twice.json.counts, s.json.counts);
    after = await voucher(v.id);
    assert.equal(after.unexpected_payments.length, 1);
    assert.equal((await refunds(v.id)).length, 1);
  });

  test('Regression (review H1): two late payments in one file are two payments, each refunded once', async () => {
    const v = await make('expired');
    const s = await settle(edge.base, 'efecty', asobancaria([
      { reference: v.payment_code, amount: v.amount, authorization: '111111' },
      { reference: v.payment_code, amount: v.amount, authorization: '222222' },
      { reference: v.payment_code, amount: v.amount, authorization: '111111' },
    ]));
    assert.deepEqual(counts(s.json), { late_payment: 2, duplicate: 1 });
    assert.deepEqual((await voucher(v.id)).unexpected_payments.map((u) => u.reason),
      ['paid_after_expiry', 'paid_after_expiry']);
    const opened = await refunds(v.id);
    assert.equal(opened.length, 2, JSON.stringify(opened));
    assert.ok(opened.every((r) => r.amount === v.amount && r.reason === 'paid_after_expiry'));
  });

  test('a code nobody has, listed again with the same authorization, is unknown_reference then duplicate', async () => {
    const nobody = { reference: '999999999999', amount: 5_000_000, authorization: '123456' };
    const s = await settle(edge.base, 'efecty', asobancaria([nobody, { ...nobody }, { ...nobody, authorization: '654321' }]));
    assert.deepEqual(counts(s.json), { unknown_reference: 2, duplicate: 1 });
    assert.deepEqual((await fileLines(s.json.id)).map((l) => l.category),
      ['unknown_reference', 'duplicate', 'unknown_reference']);
  });

  test('Review M2 (decided): a paid voucher whose file line has another authorization, its own payment not listed, is matched by amount and day', async () => {
    const v = await make('pending');
    await efectyPaid(edge.base, { code: v.payment_code, authorization: 'A111111' });
    const s = await settle(edge.base, 'efecty',
      asobancaria([{ reference: v.payment_code, amount: v.amount, authorization: '999999', operation: 5 }]));
    assert.deepEqual(counts(s.json), { matched: 1 });
    const after = await voucher(v.id);
    assert.equal(after.status, 'paid');
    assert.deepEqual(after.unexpected_payments ?? [], []);
    // With its own payment listed too, the other authorization is a second payment.
    const w = await make('pending');
    await efectyPaid(edge.base, { code: w.payment_code, authorization: 'A111111' });
    const both = await settle(edge.base, 'efecty', asobancaria([
      { reference: w.payment_code, amount: w.amount, authorization: '999999' },
      { reference: w.payment_code, amount: w.amount, authorization: '111111' },
    ]));
    assert.deepEqual(counts(both.json), { matched: 1, unexpected_payment: 1 });
    const lines = await fileLines(both.json.id);
    assert.deepEqual(lines.map((l) => [l.operation, l.category]),
      [['999999', 'unexpected_payment'], ['111111', 'matched']], 'identity first, whatever the line order');
    assert.deepEqual((await voucher(w.id)).unexpected_payments.map((u) => u.reason), ['paid_twice']);
  });
});

describe('PagoEfectivo: operation_number and operationNumber are one payment', () => {
  test('Regression (review H1): the file first, then the notification, and the notification first, then the file', async () => {
    const [fileFirst, notifiedFirst, late] = [await make('pending', peOrder()), await make('pending', peOrder()),
      await make('expired', peOrder())];
    const op = (v) => `op-${v.id.slice(-8)}`;
    const notify = (v) => postPe(edge.base, peBody({ cip: v.payment_code, operation: op(v) }));
    assert.equal((await notify(notifiedFirst)).json.duplicate, false);
    assert.equal((await notify(late)).json.duplicate, false);
    const s = await settle(edge.base, 'pagoefectivo',
      peCsv([fileFirst, notifiedFirst, late].map((v) => ({ cip: v.payment_code, operation: op(v) }))));
    assert.equal(s.status, 201, JSON.stringify(s.json));
    assert.deepEqual(counts(s.json), { paid_without_notification: 1, matched: 1, late_payment: 1 });
    const after = await notify(fileFirst);
    assert.equal(after.status, 200);
    assert.equal(after.json.duplicate, true);
    assert.equal((await voucher(fileFirst.id)).status, 'paid');
    assert.deepEqual((await voucher(fileFirst.id)).unexpected_payments ?? [], []);
    assert.equal((await voucher(late.id)).unexpected_payments.length, 1);
  });
});

describe('a settlement file is checked whole, dates included, before any line is applied', () => {
  test('Regression (review M5): a far paid_at is a 400 naming its line, and the voucher listed before it stays pending', async () => {
    const v = await make('pending', peOrder());
    const far = await settle(edge.base, 'pagoefectivo', peCsv([
      { cip: v.payment_code, operation: 'op-before' },
      { cip: '2592254', operation: 'op-far', paid_at: '9999-12-31T10:00:00-05:00' },
    ]));
    assert.equal(far.status, 400, JSON.stringify(far.json));
    assert.equal(far.json.error.code, 'settlement_invalid');
    assert.equal(far.json.error.param, 'line:3');
    assert.equal((await voucher(v.id)).status, 'pending');
    assert.equal((await merchant.get(`/v1/vouchers/${v.id}/notifications`)).json.data.length, 0);
  });

  test('Regression (review M5): an Efecty file dated 9999-12-31 is a 400 naming its header, and nothing is applied', async () => {
    const v = await make('pending');
    for (const date of ['99991231', '19991231']) {
      const r = await settle(edge.base, 'efecty',
        asobancaria([{ reference: v.payment_code, amount: v.amount, authorization: '123456' }], { date }));
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.param, 'line:1');
      assert.match(r.json.error.message, /outside the years 2000 to 2100/);
    }
    assert.equal((await voucher(v.id)).status, 'pending');
  });

  test('Regression (review M5): the sandbox\'s file for a far day is a 400, never a panic', async () => {
    for (const day of ['9999-12-31', '1999-12-31']) {
      const r = await merchant.get(`/v1/sandbox/settlements/${day}?network=efecty`);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.param, 'date');
    }
    // And the edge still answers the same route for a sane day.
    assert.equal((await merchant.get(`/v1/sandbox/settlements/${today()}?network=efecty`)).status, 200);
  });
});
