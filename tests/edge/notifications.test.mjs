// The networks' inbound notifications, the sandbox and expiry, against the real Workers
// runtime: signatures checked on the raw bytes before anything is parsed, exactly-once
// application, and late payments recorded and flagged rather than dropped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEdge } from '../support/fixtures.mjs';
import {
  api, efectyBody, efectyOrder, peBody, peOrder, peSign, postEfecty, postPe, swSign,
} from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();

const create = async (order) => {
  const r = await merchant.post('/v1/vouchers', order);
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const read = async (id) => (await merchant.get(`/v1/vouchers/${id}`)).json;

describe('POST /v1/notifications/pagoefectivo', () => {
  test('a signed cip.paid pays the voucher found by its CIP', async () => {
    const v = await create(peOrder());
    const r = await postPe(edge.base, peBody({ cip: v.payment_code, transactionCode: v.id }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const paid = await read(v.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.paid_at, '2026-11-25T10:30:00-05:00');
  });

  test('the same notification twice changes the voucher once', async () => {
    const v = await create(peOrder());
    const body = peBody({ cip: v.payment_code, operation: `op-twice-${v.id}` });
    const first = await postPe(edge.base, body);
    assert.equal(first.status, 200);
    const afterFirst = await read(v.id);
    const second = await postPe(edge.base, body);
    assert.equal(second.status, 200);
    assert.equal(second.json.duplicate, true);
    assert.deepEqual(await read(v.id), afterFirst);
  });

  test('an amount is read exactly from its decimal text (25, 25.0 and 25.00 are the same)', async () => {
    const v = await create(peOrder({ amount: 2500 }));
    const r = await postPe(edge.base, peBody({ cip: v.payment_code, amount: '25' }));
    assert.equal(r.status, 200);
    assert.equal((await read(v.id)).status, 'paid');
  });

  const refused = [
    ['a signature under another secret', (v) => {
      const body = peBody({ cip: v.payment_code });
      return [body, peSign(body, 'not_the_secret')];
    }, 401],
    ['a body changed after signing', (v) => {
      const body = peBody({ cip: v.payment_code });
      return [body.replace('25.00', '25.01'), peSign(body)];
    }, 401],
    ['no PE-Signature header', (v) => [peBody({ cip: v.payment_code }), null], 401],
    ['a signature that is not hex', (v) => [peBody({ cip: v.payment_code }), 'zz'], 401],
    ['an amount that is not the voucher\'s', (v) => {
      const body = peBody({ cip: v.payment_code, amount: '24.99' });
      return [body, peSign(body)];
    }, 400],
    ['a currency that is not the voucher\'s', (v) => {
      const body = peBody({ cip: v.payment_code, currency: 'USD' });
      return [body, peSign(body)];
    }, 400],
    ['an unknown CIP', () => {
      const body = peBody({ cip: '9999999999' });
      return [body, peSign(body)];
    }, 404],
    ['a signed body that is not a notification', () => ['{"hello":"world"}', peSign('{"hello":"world"}')], 400],
  ];
  for (const [what, make, status] of refused) {
    test(`refuses ${what} (${status}) and leaves the voucher pending`, async () => {
      const v = await create(peOrder());
      const [body, signature] = make(v);
      const r = await postPe(edge.base, body, signature);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.ok(r.json.error.type && r.json.error.code && r.json.error.message);
      assert.equal((await read(v.id)).status, 'pending');
    });
  }

  test('refuses a body over 64 KiB before verifying anything (413)', async () => {
    const v = await create(peOrder());
    const body = peBody({ cip: v.payment_code }).replace('}}', `,"pad":"${'x'.repeat(66_000)}"}}`);
    const r = await postPe(edge.base, body);
    assert.equal(r.status, 413);
    assert.equal((await read(v.id)).status, 'pending');
  });

  test('cip.expired expires a pending voucher', async () => {
    const v = await create(peOrder());
    const r = await postPe(edge.base, peBody({ cip: v.payment_code, event: 'cip.expired' }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await read(v.id)).status, 'expired');
  });
});

describe('POST /v1/notifications/efecty (Standard Webhooks)', () => {
  test('a signed payment.succeeded pays the voucher found by its reference', async () => {
    const v = await create(efectyOrder());
    const r = await postEfecty(edge.base, efectyBody({ code: v.payment_code }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const paid = await read(v.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.paid_at, '2026-11-24T16:05:00-05:00');
  });

  test('the same webhook-id twice changes the voucher once', async () => {
    const v = await create(efectyOrder());
    const body = efectyBody({ code: v.payment_code });
    const id = `msg_twice_${v.id}`;
    const timestamp = Math.floor(Date.now() / 1000);
    assert.equal((await postEfecty(edge.base, body, { id, timestamp })).status, 200);
    const afterFirst = await read(v.id);
    const second = await postEfecty(edge.base, body, { id, timestamp });
    assert.equal(second.status, 200);
    assert.equal(second.json.duplicate, true);
    assert.deepEqual(await read(v.id), afterFirst);
  });

  test('takes a timestamp 300 s old', async () => {
    const v = await create(efectyOrder());
    const r = await postEfecty(edge.base, efectyBody({ code: v.payment_code }),
      { timestamp: Math.floor(Date.now() / 1000) - 295 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refused = [
    ['a timestamp 301 s old', (v) => [efectyBody({ code: v.payment_code }), { timestamp: now() - 301 }], 401, 'timestamp_too_old'],
    // 305 s: the ±300 s bound with a few seconds of margin for a loaded machine.
    ['a timestamp 305 s ahead', (v) => [efectyBody({ code: v.payment_code }), { timestamp: now() + 305 }], 401, 'timestamp_in_future'],
    ['a signature under another secret', (v) => [efectyBody({ code: v.payment_code }),
      { secret: 'whsec_b3RoZXJfc2VjcmV0X2tleV9mb3JfdGVzdHM=' }], 401, 'signature_invalid'],
    ['a body changed after signing', (v) => {
      const id = 'msg_tampered';
      const timestamp = now();
      const signed = efectyBody({ code: v.payment_code });
      return [signed.replace('5000000', '5000100'), { id, timestamp, signature: swSign(id, timestamp, signed) }];
    }, 401, 'signature_invalid'],
    ['a signature over another webhook-id', (v) => {
      const body = efectyBody({ code: v.payment_code });
      const timestamp = now();
      return [body, { id: 'msg_a', timestamp, signature: swSign('msg_b', timestamp, body) }];
    }, 401, 'signature_invalid'],
    ['an amount that is not the voucher\'s', (v) => [efectyBody({ code: v.payment_code, amount: 4_900_000 }), {}], 400, 'amount_mismatch'],
    ['an unknown reference', () => [efectyBody({ code: '100000000420' }), {}], 404, null],
  ];
  for (const [what, make, status, code] of refused) {
    test(`refuses ${what} (${status}) and leaves the voucher pending`, async () => {
      const v = await create(efectyOrder());
      const [body, opts] = make(v);
      const r = await postEfecty(edge.base, body, opts);
      assert.equal(r.status, status, JSON.stringify(r.json));
      if (code) assert.equal(r.json.error.code, code);
      assert.equal((await read(v.id)).status, 'pending');
    });
  }

  test('refuses missing webhook headers (401) and a body over 64 KiB (413)', async () => {
    const v = await create(efectyOrder());
    const resp = await fetch(`${edge.base}/v1/notifications/efecty`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: efectyBody({ code: v.payment_code }),
    });
    assert.equal(resp.status, 401);
    const big = efectyBody({ code: v.payment_code }).replace('}}', `,"pad":"${'x'.repeat(66_000)}"}}`);
    assert.equal((await postEfecty(edge.base, big)).status, 413);
    assert.equal((await read(v.id)).status, 'pending');
  });
});

describe('sandbox', () => {
  test('pay sends PagoEfectivo\'s own signed notification through the real route', async () => {
    const v = await create(peOrder());
    const r = await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'paid');
    assert.ok(r.json.paid_at);
    assert.deepEqual(await read(v.id), r.json);
  });

  test('pay sends Efecty\'s own Standard Webhooks notification through the real route', async () => {
    const v = await create(efectyOrder());
    const r = await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'paid');
    const listed = await merchant.get(`/v1/vouchers?reference=${v.reference}&status=paid`);
    assert.deepEqual(listed.json.data.map((x) => x.id), [v.id]);
  });

  test('expire moves pending → expired now, then 409', async () => {
    const v = await create(efectyOrder());
    const r = await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'expired');
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire`)).status, 409);
    const listed = await merchant.get(`/v1/vouchers?reference=${v.reference}&status=expired`);
    assert.equal(listed.json.data.length, 1);
  });

  test('a pending voucher expires by its own alarm, with no request (?via=alarm fires the real alarm)', async () => {
    const v = await create(peOrder());
    const r = await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire?via=alarm`);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.status, 'pending');
    const deadline = Date.now() + 15_000;
    let status = 'pending';
    while (status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await read(v.id)).status;
    }
    assert.equal(status, 'expired');
    // The alarm also brought the merchant's index up to date.
    const listed = await merchant.get(`/v1/vouchers?reference=${v.reference}&status=expired`);
    assert.deepEqual(listed.json.data.map((x) => x.id), [v.id]);
    // Only a pending voucher can be expired.
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire?via=alarm`)).status, 409);
  });

  test('unknown vouchers are 404', async () => {
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/vch_${'3'.repeat(24)}/pay`)).status, 404);
  });
});

describe('payments that arrive too late', () => {
  test('a payment after expiry is recorded and flagged on the voucher, answered 200', async () => {
    const v = await create(efectyOrder());
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/expire`);
    const r = await postEfecty(edge.base, efectyBody({ code: v.payment_code }), { id: `msg_late_${v.id}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const late = await read(v.id);
    assert.equal(late.status, 'expired');
    assert.equal(late.paid_at, null);
    assert.equal(late.unexpected_payments.length, 1);
    assert.equal(late.unexpected_payments[0].reason, 'paid_after_expiry');
    assert.equal(late.unexpected_payments[0].amount, 5_000_000);
    assert.equal(late.unexpected_payments[0].notification_id, `msg_late_${v.id}`);
    // Delivered again: still one record.
    const again = await postEfecty(edge.base, efectyBody({ code: v.payment_code }), { id: `msg_late_${v.id}` });
    assert.equal(again.status, 200);
    assert.equal((await read(v.id)).unexpected_payments.length, 1);
  });

  test('a payment after cancellation is flagged; a second payment of a paid voucher too', async () => {
    const cancelled = await create(peOrder());
    await merchant.post(`/v1/vouchers/${cancelled.id}/cancel`);
    const r = await merchant.post(`/v1/sandbox/vouchers/${cancelled.id}/pay`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'cancelled');
    assert.equal(r.json.unexpected_payments[0].reason, 'paid_after_cancel');

    const paid = await create(peOrder());
    await postPe(edge.base, peBody({ cip: paid.payment_code, operation: `first-${paid.id}` }));
    const twice = await postPe(edge.base, peBody({ cip: paid.payment_code, operation: `second-${paid.id}` }));
    assert.equal(twice.status, 200);
    const after = await read(paid.id);
    assert.equal(after.status, 'paid');
    assert.equal(after.unexpected_payments[0].reason, 'paid_twice');
  });
});
