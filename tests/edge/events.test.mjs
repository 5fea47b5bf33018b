// Events to the merchant, the outbox half (delivery to webhook endpoints is not built
// yet): every change of a voucher is one event, written with the change and forwarded to
// the events API, however many notifications reported it. Also: an event's customer is
// emptied after the retention (30 days; 6 s here through VALE_EVENT_CUSTOMER_RETENTION_SECONDS),
// and every time stamp of a voucher's life, in every answer, is to the second.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEdge } from '../support/fixtures.mjs';
import { api, efectyOrder, peBody, peOrder, postPe, swSign } from '../support/vale.mjs';

const RETENTION_SECONDS = 6;
const edge = useEdge({ vars: { VALE_EVENT_CUSTOMER_RETENTION_SECONDS: String(RETENTION_SECONDS) } });
const merchant = edge.api();

const create = async (order) => {
  const r = await merchant.post('/v1/vouchers', order);
  assert.equal(r.status, 201, r.text);
  return r.json;
};

/** The events about voucher `id`, waiting (bounded) until `count` of them are there. */
async function eventsOf(id, count, type) {
  let found = [];
  for (const stop = Date.now() + 15_000; Date.now() < stop;) {
    const query = type ? `?type=${type}&limit=100` : '?limit=100';
    const r = await merchant.get(`/v1/events${query}`);
    assert.equal(r.status, 200, r.text);
    found = r.json.data.filter((e) => e.data.id === id);
    if (found.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return found;
}

describe('events', () => {
  test('a payment is one voucher.paid, however many notifications report it (30 at once)', async () => {
    const v = await create(peOrder());
    const body = peBody({ cip: v.payment_code, operation: `evt-op-${Date.now()}` });
    const answers = await Promise.all([...Array(30)].map(() => postPe(edge.base, body)));
    assert.ok(answers.every((a) => a.status === 200), answers.map((a) => a.status).join());
    assert.equal(answers.filter((a) => a.json.duplicate === false).length, 1);
    const [paid, ...more] = await eventsOf(v.id, 1, 'voucher.paid');
    // Give a stray duplicate the time to show up before saying there is none.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await eventsOf(v.id, 2, 'voucher.paid')).length, 1);
    assert.deepEqual(more, []);
    assert.match(paid.id, /^evt_[0-9a-z]{24}$/);
    assert.equal(paid.object, 'event');
    assert.equal(paid.livemode, false);
    assert.equal(paid.data.status, 'paid');
    assert.equal(paid.data.client_secret, v.client_secret);
    assert.equal(paid.pending_webhooks, 0);
    const one = await merchant.get(`/v1/events/${paid.id}`);
    assert.deepEqual(one.json, paid);
  });

  test('cancel, expiry and an unexpected payment each emit their event', async () => {
    const cancelled = await create(efectyOrder());
    await merchant.post(`/v1/vouchers/${cancelled.id}/cancel`);
    assert.equal((await eventsOf(cancelled.id, 1, 'voucher.cancelled')).length, 1);

    const expired = await create(peOrder());
    await merchant.post(`/v1/sandbox/vouchers/${expired.id}/expire`);
    assert.equal((await eventsOf(expired.id, 1, 'voucher.expired')).length, 1);
    await postPe(edge.base, peBody({ cip: expired.payment_code }));
    const [late] = await eventsOf(expired.id, 1, 'voucher.payment_unexpected');
    assert.deepEqual(late.data.unexpected_payments.map((p) => p.reason), ['paid_after_expiry']);
    assert.deepEqual((await eventsOf(expired.id, 2)).map((e) => e.type),
      ['voucher.payment_unexpected', 'voucher.expired'], 'newest first');
  });

  test('the events API refuses bad parameters and unknown ids, and keeps modes apart', async () => {
    assert.equal((await merchant.get('/v1/events?type=voucher.lost')).json.error.param, 'type');
    assert.equal((await merchant.get('/v1/events?limit=0')).json.error.param, 'limit');
    assert.equal((await merchant.get(`/v1/events/evt_${'0'.repeat(24)}`)).status, 404);
    assert.equal((await merchant.get('/v1/events/nope')).status, 404);
    const v = await create(peOrder());
    assert.equal((await api(edge.base, v.client_secret).get('/v1/events')).status, 403);
    assert.equal((await api(edge.base, 'rk_test_local').get('/v1/events')).status, 200);
  });
});

const customer = {
  name: 'Ana Pérez', email: 'ana@example.co', phone: '+573001234567', document_type: 'CC', document_number: '1020304050',
};

describe('retention', () => {
  test('Regression (review L7): a voucher event loses its customer after the retention; nothing else of it changes', { timeout: 60_000 }, async () => {
    const v = await create(efectyOrder({ customer, metadata: { order: '1001' } }));
    await merchant.post(`/v1/vouchers/${v.id}/cancel`);
    const [first] = await eventsOf(v.id, 1, 'voucher.cancelled');
    assert.ok(first, 'the event arrived');
    let now = first;
    for (const stop = Date.now() + 40_000; Date.now() < stop && Object.keys(now.data.customer).length > 0;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      now = (await merchant.get(`/v1/events/${first.id}`)).json;
    }
    assert.deepEqual(now.data.customer, {}, 'the customer is gone from the event');
    const text = JSON.stringify(now);
    for (const pii of [customer.email, customer.document_number, '3001234567', 'Ana']) {
      assert.ok(!text.includes(pii), `${pii} is gone`);
    }
    // Everything else is as it was (the event read before may already have lost it too).
    assert.deepEqual({ ...now, data: { ...now.data, customer: {} } }, { ...first, data: { ...first.data, customer: {} } });
    assert.ok(Date.parse(now.created_at) <= Date.now() - (RETENTION_SECONDS - 1) * 1000, 'not before its time');
    // The voucher itself keeps its customer: only events are purged.
    assert.deepEqual((await merchant.get(`/v1/vouchers/${v.id}`)).json.customer, customer);
  });
});

/** Every string in `value` (at any depth) that looks like a time stamp, with its path. */
function stamps(value, path = '$', found = []) {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) found.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => stamps(v, `${path}[${i}]`, found));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) stamps(v, `${path}.${k}`, found);
  }
  return found;
}

describe('time stamps', () => {
  test('Regression (issue #19): every time stamp of a voucher\'s life is RFC 3339 in the network\'s offset, to the second', async () => {
    const seen = [];
    const keep = (what, r) => {
      assert.ok(r.status < 300, `${what}: ${r.status} ${r.text}`);
      // No fraction anywhere in the answer, whatever its field, but in the audit trail's
      // raw bodies: those are the network's bytes as received (a fraction included).
      const ours = JSON.stringify(r.json, (k, v) => (k === 'body' && typeof v === 'string' ? '(as received)' : v));
      assert.doesNotMatch(ours, /T\d{2}:\d{2}:\d{2}[.,]\d/, `${what} has a fraction of a second: ${ours}`);
      seen.push(...stamps(r.json).map(([path, value]) => [`${what} ${path}`, value]));
      return r.json;
    };
    const full = { customer, metadata: { order: '1001' } };
    // Created.
    const e = keep('create efecty', await merchant.post('/v1/vouchers', efectyOrder(full)));
    const p = keep('create pagoefectivo', await merchant.post('/v1/vouchers', peOrder(full)));
    // Expired by the sandbox (now, at a millisecond), then paid late (an unexpected payment).
    keep('sandbox expire', await merchant.post(`/v1/sandbox/vouchers/${p.id}/expire`));
    await postPe(edge.base, peBody({ cip: p.payment_code, transactionCode: p.id }));
    // Cancelled.
    const c = keep('create to cancel', await merchant.post('/v1/vouchers', efectyOrder(full)));
    keep('cancel', await merchant.post(`/v1/vouchers/${c.id}/cancel`));
    // Paid by the sandbox, and by a network that stamps its payment with milliseconds.
    const s = keep('create to pay', await merchant.post('/v1/vouchers', peOrder(full)));
    keep('sandbox pay', await merchant.post(`/v1/sandbox/vouchers/${s.id}/pay`));
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_code: e.payment_code, amount: e.amount,
      currency: 'COP', paid_at: `${new Date(Date.now() - 5 * 3600_000 - 60_000).toISOString().slice(0, 23)}-05:00`,
      agent_id: 'efecty-bog-0042', authorization: `A${Date.now()}` } });
    assert.match(body, /:\d{2}\.\d{3}-05:00/, 'the network\'s own stamp has milliseconds');
    const id = `msg_stamp_${Date.now()}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const paid = await fetch(`${edge.base}/v1/notifications/efecty`, { method: 'POST', body, headers: {
      'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': swSign(id, ts, body) } });
    assert.equal(paid.status, 200, await paid.text());
    // Every read of each: the merchant's voucher, the display view, the audit trail.
    for (const v of [e, p, c, s]) {
      keep(`get ${v.id}`, await merchant.get(`/v1/vouchers/${v.id}`));
      keep(`display ${v.id}`, await api(edge.base, v.client_secret).get(`/v1/vouchers/${v.id}`));
      keep(`notifications ${v.id}`, await merchant.get(`/v1/vouchers/${v.id}/notifications`));
    }
    keep('list', await merchant.get('/v1/vouchers?limit=100'));
    // The events of all four, as listed and one by one.
    await eventsOf(p.id, 2);
    await eventsOf(e.id, 1);
    const events = keep('events', await merchant.get('/v1/events?limit=100'));
    const ours = events.data.filter((ev) => [e.id, p.id, c.id, s.id].includes(ev.data.id));
    assert.ok(ours.length >= 5, `events: ${ours.map((ev) => ev.type)}`);
    for (const ev of ours) keep(`event ${ev.type}`, await merchant.get(`/v1/events/${ev.id}`));

    const kinds = new Set(seen.map(([what]) => what.replace(/^.* \$/, '$').replace(/\[\d+\]/g, '[]')));
    for (const field of ['$.created_at', '$.expires_at', '$.expired_at', '$.cancelled_at', '$.paid_at',
      '$.data.expired_at', '$.data.paid_at', '$.data[].received_at', '$.server_time']) {
      assert.ok(kinds.has(field), `${field} was seen (${[...kinds].join(', ')})`);
    }
    const wrong = seen.filter(([, value]) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/.test(value));
    assert.deepEqual(wrong, [], 'every time stamp is YYYY-MM-DDTHH:MM:SS-05:00');
  });
});
