// Webhook endpoints and deliveries against workerd, with a store's receiver on 127.0.0.1:
// every delivery is checked with the official `standardwebhooks` package (not Vale's own
// code), retries keep their webhook-id, a rotation signs with both secrets, many payments
// at once reach every endpoint exactly once, and bad endpoints are refused or recorded.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { useEdge } from '../support/fixtures.mjs';
import { api, peOrder } from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();
let receiver;
let base;
/** Every delivery received: {path, headers, body}. */
const received = [];
/** Per path: how to answer (a function of how many times this webhook-id came). */
const behaviour = new Map();

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = req.headers['webhook-id'];
      const seen = received.filter((r) => r.path === req.url && r.headers['webhook-id'] === id).length;
      received.push({ path: req.url, headers: req.headers, body });
      const answer = (behaviour.get(req.url) ?? (() => 200))(seen);
      if (answer === 'hang') return; // never answers
      if (answer === 302) res.setHeader('location', `${base}/ok`);
      res.writeHead(answer);
      res.end('x'.repeat(4000));
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${receiver.address().port}`;
});
after(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Endpoints this file made: deleted after each test even when it failed before its own delete. */
const made = [];
afterEach(async () => {
  for (const id of made.splice(0)) await merchant.call('DELETE', `/v1/webhook_endpoints/${id}`);
});
const endpoint = async (path, events) => {
  const r = await merchant.post('/v1/webhook_endpoints', { url: `${base}${path}`, ...(events ? { events } : {}) });
  assert.equal(r.status, 201, r.text);
  made.push(r.json.id);
  return r.json;
};
const paidVoucher = async () => {
  const v = (await merchant.post('/v1/vouchers', peOrder())).json;
  const paid = await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
  assert.equal(paid.status, 200, paid.text);
  return v;
};
/** Deliveries to `path` matching `pred`, waiting (bounded) until there are `count`. */
async function deliveries(path, count, pred = () => true, ms = 20_000) {
  let found = [];
  for (const stop = Date.now() + ms; Date.now() < stop;) {
    found = received.filter((r) => r.path === path && pred(r));
    if (found.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return found;
}
const about = (id) => (r) => JSON.parse(r.body).data.id === id;

describe('webhook endpoints', () => {
  test('create shows the secret once; get and list never do', async () => {
    const ep = await endpoint('/create');
    assert.match(ep.id, /^we_[0-9a-z]{24}$/);
    assert.match(ep.secret, /^whsec_/);
    assert.deepEqual([ep.status, ep.events, ep.livemode], ['enabled', ['*'], false]);
    const got = await merchant.get(`/v1/webhook_endpoints/${ep.id}`);
    assert.equal(got.json.url, `${base}/create`);
    assert.ok(!got.text.includes('whsec_'), got.text);
    const list = await merchant.get('/v1/webhook_endpoints');
    assert.ok(list.json.data.some((e) => e.id === ep.id) && !list.text.includes('whsec_'));
    const gone = await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
    assert.deepEqual(gone.json, { id: ep.id, object: 'webhook_endpoint', deleted: true });
    assert.equal((await merchant.get(`/v1/webhook_endpoints/${ep.id}`)).status, 404);
  });

  test('bad endpoints are a clear 400 at create', async () => {
    for (const [body, param] of [
      [{}, 'url'], [{ url: 'not a url' }, 'url'], [{ url: 'ftp://127.0.0.1/x' }, 'url'],
      [{ url: `${base}/x`, events: ['voucher.lost'] }, 'events'], [{ url: `${base}/x`, events: [] }, 'events'],
      [{ url: `${base}/x`, colour: 'red' }, 'colour'],
    ]) {
      const r = await merchant.post('/v1/webhook_endpoints', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.param, param, JSON.stringify(body));
    }
    const client = api(edge.base, 'rk_test_local');
    assert.equal((await client.post('/v1/webhook_endpoints', { url: `${base}/x` })).status, 403);
  });
});

describe('deliveries', () => {
  test('a payment reaches the endpoint, signed as Standard Webhooks, and the event settles', async () => {
    const ep = await endpoint('/ok');
    const v = await paidVoucher();
    const [delivery] = await deliveries('/ok', 1, about(v.id));
    assert.ok(delivery, 'the delivery arrived');
    const payload = new Webhook(ep.secret).verify(delivery.body, delivery.headers);
    assert.equal(payload.type, 'voucher.paid');
    assert.equal(payload.data.status, 'paid');
    assert.equal(delivery.headers['webhook-id'], payload.id);
    let event;
    for (const stop = Date.now() + 10_000; Date.now() < stop;) {
      event = (await merchant.get(`/v1/events/${payload.id}`)).json;
      if (event.pending_webhooks === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(event.pending_webhooks, 0);
    await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('a 500 is retried with the same webhook-id within a minute, then a 2xx ends it', async () => {
    behaviour.set('/flaky', (seen) => (seen === 0 ? 500 : 200));
    const ep = await endpoint('/flaky', ['voucher.paid']);
    const v = await paidVoucher();
    const tries = await deliveries('/flaky', 2, about(v.id), 30_000);
    assert.equal(tries.length, 2, 'one failure, one retry');
    assert.equal(tries[0].headers['webhook-id'], tries[1].headers['webhook-id']);
    assert.ok(Number(tries[1].headers['webhook-timestamp']) - Number(tries[0].headers['webhook-timestamp']) < 60);
    for (const t of tries) new Webhook(ep.secret).verify(t.body, t.headers);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.equal(received.filter((r) => r.path === '/flaky' && about(v.id)(r)).length, 2, 'no third attempt');
    await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('after rotate_secret, deliveries verify with the new secret and the old one', async () => {
    const ep = await endpoint('/rotate');
    const rotated = await merchant.post(`/v1/webhook_endpoints/${ep.id}/rotate_secret`);
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.json.secret, ep.secret);
    const v = await paidVoucher();
    const [delivery] = await deliveries('/rotate', 1, about(v.id));
    assert.equal(delivery.headers['webhook-signature'].split(' ').length, 2);
    new Webhook(rotated.json.secret).verify(delivery.body, delivery.headers);
    new Webhook(ep.secret).verify(delivery.body, delivery.headers);
    await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('200 vouchers paid at once across two endpoints: exactly 400 deliveries, none twice', { timeout: 180_000 }, async () => {
    const a = await endpoint('/a', ['voucher.paid']);
    const b = await endpoint('/b', ['voucher.paid']);
    const vouchers = [];
    for (let i = 0; i < 200; i += 20) {
      vouchers.push(...await Promise.all([...Array(20)].map(() => merchant.post('/v1/vouchers', peOrder()).then((r) => r.json))));
    }
    const pays = await Promise.all(vouchers.map((v) => merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)));
    assert.ok(pays.every((p) => p.status === 200), pays.map((p) => p.status).join());
    const ids = new Set(vouchers.map((v) => v.id));
    const mine = (r) => ids.has(JSON.parse(r.body).data.id);
    const [toA, toB] = [await deliveries('/a', 200, mine, 90_000), await deliveries('/b', 200, mine, 90_000)];
    for (const [got, ep] of [[toA, a], [toB, b]]) {
      assert.equal(got.length, 200);
      assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 200, 'no webhook-id twice');
      assert.equal(new Set(got.map((r) => JSON.parse(r.body).data.id)).size, 200, 'every voucher');
      for (const r of got.slice(0, 5)) new Webhook(ep.secret).verify(r.body, r.headers);
    }
    for (const ep of [a, b]) await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('unreachable, redirecting and silent endpoints are recorded failures, never a 5xx', { timeout: 60_000 }, async () => {
    behaviour.set('/moved', () => 302);
    behaviour.set('/silent', () => 'hang');
    const moved = await endpoint('/moved', ['voucher.paid']);
    const silent = await endpoint('/silent', ['voucher.paid']);
    const nowhere = (await merchant.post('/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/nothing', events: ['voucher.paid'] })).json;
    made.push(nowhere.id);
    const v = await paidVoucher();
    const [redirected] = await deliveries('/moved', 1, about(v.id));
    assert.ok(redirected, 'the redirecting endpoint was called');
    assert.equal(received.filter((r) => r.path === '/ok' && about(v.id)(r)).length, 0, 'the redirect was not followed');
    await deliveries('/silent', 1, about(v.id));
    // The event stays pending for the three: none of them answered a 2xx.
    const events = (await merchant.get('/v1/events?type=voucher.paid&limit=100')).json.data;
    const event = events.find((e) => e.data.id === v.id);
    assert.ok(event.pending_webhooks >= 2, JSON.stringify(event.pending_webhooks));
    const health = await merchant.get('/v1/webhook_endpoints');
    assert.equal(health.status, 200);
    for (const ep of [moved, silent, nowhere]) await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('retry delivers an event again; a disabled endpoint can be enabled', async () => {
    const ep = await endpoint('/again', ['voucher.paid']);
    const v = await paidVoucher();
    const [first] = await deliveries('/again', 1, about(v.id));
    const id = first.headers['webhook-id'];
    const retried = await merchant.post(`/v1/events/${id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    const both = await deliveries('/again', 2, about(v.id));
    assert.deepEqual(both.map((r) => r.headers['webhook-id']), [id, id]);
    const enabled = await merchant.post(`/v1/webhook_endpoints/${ep.id}/enable`);
    assert.equal(enabled.json.status, 'enabled');
    await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });

  test('an endpoint failing every delivery for 5 days is disabled, says why, and enable delivers what waited', { timeout: 60_000 }, async () => {
    let failing = true;
    behaviour.set('/down', () => (failing ? 500 : 200));
    const ep = await endpoint('/down', ['voucher.paid']);
    const v = await paidVoucher();
    await deliveries('/down', 1, about(v.id)); // the first attempt fails
    const advance = (seconds) => merchant.post(`/v1/sandbox/webhook_endpoints/${ep.id}/advance`, { seconds });
    // Four days in: still failing, still enabled.
    assert.equal((await advance(4 * 86_400)).status, 200);
    await deliveries('/down', 2, about(v.id));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await merchant.get(`/v1/webhook_endpoints/${ep.id}`)).json.status, 'enabled');
    // Past five days: the next failure disables it.
    await advance(86_400 + 60);
    await deliveries('/down', 3, about(v.id));
    let got;
    for (const stop = Date.now() + 30_000; Date.now() < stop;) {
      got = (await merchant.get(`/v1/webhook_endpoints/${ep.id}`)).json;
      if (got.status === 'disabled') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(got.status, 'disabled');
    assert.match(got.disabled_reason, /5 days.*HTTP 500/);
    // Bad input is a 400.
    assert.equal((await advance(0)).status, 400);
    failing = false;
    await merchant.post(`/v1/webhook_endpoints/${ep.id}/enable`);
    const all = await deliveries('/down', 4, about(v.id));
    assert.equal(all.length, 4);
    await merchant.call('DELETE', `/v1/webhook_endpoints/${ep.id}`);
  });
});

describe('a voucher\'s events and their deliveries (issue #24, the dashboard\'s timeline)', () => {
  test('GET /v1/events?voucher= lists only that voucher\'s events; /deliveries gives each endpoint\'s last response code', async () => {
    const ok = await endpoint('/timeline-ok');
    const down = await endpoint('/timeline-down');
    behaviour.set('/timeline-down', () => 503);
    const other = await paidVoucher();
    const v = await paidVoucher();
    await deliveries('/timeline-ok', 1, about(v.id));
    await deliveries('/timeline-down', 1, about(v.id));
    const listed = await merchant.get(`/v1/events?voucher=${v.id}`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.data.map((e) => [e.type, e.data.id]), [['voucher.paid', v.id]], `not ${other.id}'s`);
    const evt = listed.json.data[0].id;
    // Written once the endpoint answered: wait for both outcomes.
    let rows = [];
    for (const stop = Date.now() + 20_000; Date.now() < stop;) {
      rows = (await merchant.get(`/v1/events/${evt}/deliveries`)).json.data;
      if (rows.length === 2 && rows.every((d) => d.attempts >= 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const by = Object.fromEntries(rows.map((d) => [d.endpoint, d]));
    assert.deepEqual(by[ok.id], { object: 'webhook_delivery', event: evt, endpoint: ok.id, url: ok.url,
      status: 'succeeded', attempts: 1, last_response_status: 200, next_attempt_at: null });
    assert.equal(by[down.id].status, 'pending');
    assert.equal(by[down.id].last_response_status, 503);
    assert.match(by[down.id].next_attempt_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    assert.ok(!JSON.stringify(rows).includes('xxxx'), 'the endpoint\'s answer body is not shown');
    // The restricted key reads them too; bad input names the field; unknown ids are 404.
    const reader = api(edge.base, 'rk_test_local');
    assert.equal((await reader.get(`/v1/events/${evt}/deliveries`)).json.data.length, 2);
    assert.equal((await reader.get(`/v1/events?voucher=${v.id}&type=voucher.expired`)).json.data.length, 0);
    const bad = await merchant.get('/v1/events?voucher=ref_1');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'voucher');
    assert.equal((await merchant.get(`/v1/events/evt_${'0'.repeat(24)}/deliveries`)).status, 404);
    behaviour.delete('/timeline-down');
  });
});
