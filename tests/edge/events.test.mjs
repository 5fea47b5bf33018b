// Events to the merchant, the outbox half (delivery to webhook endpoints is not built
// yet): every change of a voucher is one event, written with the change and forwarded to
// the events API, however many notifications reported it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEdge } from '../support/edge.mjs';
import { api, efectyOrder, peBody, peOrder, postPe } from '../support/vale.mjs';

let edge;
let merchant;
before(async () => {
  edge = await startEdge();
  merchant = api(edge.base);
});
after(async () => {
  await edge?.stop();
});

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
