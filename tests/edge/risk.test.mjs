// Risk rules on create, against workerd: the default rules trip at their boundary and
// not before, a block is a 402 that names no rule (the merchant sees the rule in
// GET /v1/reviews), a review holds the payment code back until a restricted key approves
// (the display view then has it) or rejects (the voucher is cancelled), counters are kept
// current when a voucher is paid, stay exact under 40 concurrent creates, never mix test
// and live, and a create without signals touches no counter object at all. At the door:
// 500 creates from one IP in a burst are limited (reviewed past the third) without a 5xx,
// and an address over its rate limit gets 429 with Retry-After while keys count apart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useEdge } from '../support/fixtures.mjs';
import { EFECTY_SECRET, PE_SECRET, api, efectyOrder, peOrder } from '../support/vale.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const OTHER = 'sk_test_risky';
const OTHER_LIVE = 'sk_live_risky';
const LOCAL_LIVE = 'sk_live_local_default_limit';
// mer_local as in local development (no risk_rules: the documented defaults), and a store
// that blocks the 41st voucher of one device in an hour.
const MERCHANTS = JSON.stringify([{
  id: 'mer_local', name: 'Tienda Local',
  keys: [{ sha256: sha256('sk_test_local'), mode: 'test', role: 'secret' },
    { sha256: sha256('rk_test_local'), mode: 'test', role: 'restricted' },
    { sha256: sha256(LOCAL_LIVE), mode: 'live', role: 'secret' }],
  test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET },
}, {
  id: 'mer_000000000000000000000012', name: 'Tienda Vigilada',
  keys: [{ sha256: sha256(OTHER), mode: 'test', role: 'secret' },
    { sha256: sha256(OTHER_LIVE), mode: 'live', role: 'secret' }],
  risk_rules: [{ signal: 'device', metric: 'created', window: '1h', comparison: 'gt', threshold: 40, action: 'block' }],
  live_rate_limit_per_second: 50,
}]);

const edge = useEdge({ vars: { MERCHANTS } });
const merchant = edge.api();
const restricted = edge.api('rk_test_local');
const other = edge.api(OTHER);
const otherLive = edge.api(OTHER_LIVE);

const countersDir = () => join(edge.persist, 'v3', 'do', 'vale-edge-RiskCounter');
/** The counter objects' database files (workerd names each by the object's id). */
const counterObjects = () => (existsSync(countersDir())
  ? readdirSync(countersDir()).filter((f) => /^[0-9a-f]{64}\.sqlite/.test(f))
  : []);
const counterFiles = () => counterObjects()
  .map((f) => readFileSync(join(countersDir(), f)).toString('latin1')).join('');
let documents = 0;
/** A document number no other test uses. */
const newDocument = () => `${process.pid}${Date.now()}${++documents}`.slice(-12);

describe('risk rules on create', () => {
  test('a create with no signal a rule uses touches no counter object', async () => {
    for (const order of [efectyOrder(), efectyOrder({ customer: { email: 'ana@example.co', phone: '3001234567' } })]) {
      assert.equal((await merchant.post('/v1/vouchers', order)).status, 201);
    }
    assert.deepEqual(counterObjects(), [], 'no RiskCounter object has storage');
  });

  test('risk fields are checked and a bad one is a 400 naming it', async () => {
    for (const [risk, param] of [
      [{ ip_address: '999.1.1.1' }, 'risk.ip_address'],
      [{ ip_country: 'Colombia' }, 'risk.ip_country'],
      [{ account_created_at: 'ayer' }, 'risk.account_created_at'],
      [{ fingerprint: 'x' }, 'risk.fingerprint'],
      ['1.2.3.4', 'risk'],
    ]) {
      const r = await merchant.post('/v1/vouchers', efectyOrder({ risk }));
      assert.equal(r.status, 400, JSON.stringify(risk));
      assert.equal(r.json.error.param, param);
    }
    const all = { ip_address: '203.0.113.1', device_id: 'dev-all', user_agent: 'Mozilla/5.0',
      shipping_address: 'Cra 7 # 12-34, Bogotá', account_created_at: '2026-12-01T10:00:00-05:00', ip_country: 'CO' };
    const ok = await merchant.post('/v1/vouchers', efectyOrder({ risk: all }));
    assert.equal(ok.status, 201);
    assert.equal(ok.json.risk, undefined, 'risk signals are not echoed or stored on the voucher');
  });

  test('document: the 5th unpaid voucher in 24 h passes, the 6th is a 402 naming no rule', async () => {
    const customer = { name: 'Ana', document_type: 'CC', document_number: newDocument() };
    for (let i = 0; i < 5; i += 1) {
      const r = await merchant.post('/v1/vouchers', efectyOrder({ customer }));
      assert.equal(r.status, 201, `voucher ${i + 1}: ${r.text}`);
    }
    // The same document written another way is the same document.
    const sixth = await merchant.post('/v1/vouchers', efectyOrder({
      customer: { ...customer, document_type: 'cc', document_number: ` ${customer.document_number} ` },
    }));
    assert.equal(sixth.status, 402);
    assert.equal(sixth.json.error.type, 'invalid_request_error');
    assert.equal(sixth.json.error.code, 'risk_blocked');
    assert.doesNotMatch(sixth.text, /document|unpaid|24h|rule_/i, 'the caller is not told which rule');
    // The merchant sees it, with the rule, to its secret and restricted keys.
    for (const reader of [merchant, restricted]) {
      const list = await reader.get('/v1/reviews?status=blocked&limit=1');
      assert.equal(list.status, 200);
      const [review] = list.json.data;
      assert.match(review.id, /^rev_/);
      assert.equal(review.status, 'blocked');
      assert.equal(review.reason, 'document_unpaid_24h');
      assert.equal(review.voucher, null);
      assert.equal(review.amount, 5_000_000);
      assert.deepEqual((await reader.get(`/v1/reviews/${review.id}`)).json, review);
    }
    // A blocked attempt is not counted: still blocked, never more.
    assert.equal((await merchant.post('/v1/vouchers', efectyOrder({ customer }))).status, 402);
    // No counter holds the document in clear.
    assert.ok(counterObjects().length > 0, 'counter objects have storage');
    assert.ok(!counterFiles().includes(customer.document_number), 'counters hold no document number');
  });

  test('a paid voucher stops counting as unpaid: the counters follow the voucher', async () => {
    const customer = { document_type: 'DNI', document_number: newDocument() };
    const made = [];
    for (let i = 0; i < 5; i += 1) {
      made.push((await merchant.post('/v1/vouchers', peOrder({ customer }))).json);
    }
    assert.equal((await merchant.post('/v1/vouchers', peOrder({ customer }))).status, 402);
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${made[0].id}/pay`)).status, 200);
    // The voucher tells its counters after its write; wait for it (a blocked try counts nothing).
    let status = 0;
    for (let i = 0; i < 50 && status !== 201; i += 1) {
      status = (await merchant.post('/v1/vouchers', peOrder({ customer }))).status;
      if (status !== 201) await sleep(100);
    }
    assert.equal(status, 201, 'four unpaid and this one: not more than five');
    assert.equal((await merchant.post('/v1/vouchers', peOrder({ customer }))).status, 402);
  });

  test('counters stay exact under 40 concurrent creates; the 41st is blocked', async () => {
    const risk = { device_id: `dev-${process.pid}-${Date.now()}` };
    const made = await Promise.all([...Array(40)].map(() => other.post('/v1/vouchers', efectyOrder({ risk }))));
    assert.deepEqual(made.map((r) => r.status), Array(40).fill(201), made.find((r) => r.status !== 201)?.text);
    assert.equal(new Set(made.map((r) => r.json.id)).size, 40);
    assert.equal((await other.post('/v1/vouchers', efectyOrder({ risk }))).status, 402);
    // The same device in live mode is another counter: test counts never reach it.
    const live = await otherLive.post('/v1/vouchers', efectyOrder({ risk }));
    assert.equal(live.status, 201, live.text);
    assert.equal(live.json.livemode, true);
    // And the live block lists only in live mode.
    assert.equal((await otherLive.get('/v1/reviews')).json.data.length, 0);
    assert.equal((await other.get('/v1/reviews')).json.data.length, 1);
  });

  test('an idempotent retry is counted once', async () => {
    const customer = { document_type: 'CC', document_number: newDocument() };
    const headers = { 'idempotency-key': `risk-${Date.now()}` };
    const body = efectyOrder({ customer });
    for (let i = 0; i < 7; i += 1) {
      const r = await merchant.post('/v1/vouchers', body, { headers });
      assert.equal(r.status, 201);
    }
    for (let i = 0; i < 4; i += 1) {
      assert.equal((await merchant.post('/v1/vouchers', efectyOrder({ customer }))).status, 201);
    }
    assert.equal((await merchant.post('/v1/vouchers', efectyOrder({ customer }))).status, 402);
  });

  test('ip_country: the network\'s own passes; another opens a review with no payment code', async () => {
    const home = await merchant.post('/v1/vouchers', efectyOrder({ risk: { ip_country: 'co' } }));
    assert.equal(home.status, 201);
    assert.equal(home.json.review, undefined);
    assert.equal(typeof home.json.payment_code, 'string');

    const away = await merchant.post('/v1/vouchers', efectyOrder({ risk: { ip_country: 'PE' } }));
    assert.equal(away.status, 201);
    const v = away.json;
    assert.equal(v.status, 'pending');
    assert.equal(v.payment_code, null);
    assert.equal(v.barcode, null);
    assert.match(v.review.id, /^rev_/);
    assert.deepEqual(v.review, { id: v.review.id, reason: 'ip_country_mismatch', status: 'open' });
    // The widget's view says so too, and has no code either.
    const shopper = api(edge.base, v.client_secret);
    const shown = (await shopper.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(shown.review.status, 'open');
    assert.equal(shown.payment_code, null);
    // Nothing can pay a code that was never issued.
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 409);
    // Listed and readable as an open review.
    const listed = (await restricted.get(`/v1/reviews/${v.review.id}`));
    for (let i = 0; i < 50 && listed.status !== 200; i += 1) {
      await sleep(100);
      Object.assign(listed, await restricted.get(`/v1/reviews/${v.review.id}`));
    }
    assert.equal(listed.json.status, 'open');
    assert.equal(listed.json.voucher, v.id);

    // A secret key may not close it; the restricted key approves, and the code appears.
    assert.equal((await merchant.post(`/v1/reviews/${v.review.id}/approve`)).status, 403);
    const approved = await restricted.post(`/v1/reviews/${v.review.id}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.review.status, 'approved');
    assert.equal(typeof approved.json.payment_code, 'string');
    assert.equal(approved.json.barcode.symbology.length > 0, true);
    const after = (await shopper.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(after.payment_code, approved.json.payment_code);
    assert.equal(after.review.status, 'approved');
    assert.equal((await restricted.post(`/v1/reviews/${v.review.id}/approve`)).json.error.code, 'review_closed');
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);

    // review.opened and review.closed reach the merchant's events.
    let types = [];
    for (let i = 0; i < 50 && types.length < 2; i += 1) {
      const events = (await merchant.get('/v1/events?limit=100')).json.data;
      types = events.filter((e) => e.data?.id === v.review.id).map((e) => e.type).sort();
      if (types.length < 2) await sleep(100);
    }
    assert.deepEqual(types, ['review.closed', 'review.opened']);
  });

  test('an open review is voided when a secret key cancels its voucher, or it expires', async () => {
    /** The review as GET /v1/reviews/{id} lists it once the index caught up with `status`. */
    const listed = async (id, status) => {
      let r;
      for (let i = 0; i < 50; i += 1) {
        r = await restricted.get(`/v1/reviews/${id}`);
        if (r.json.status === status) return r.json;
        await sleep(100);
      }
      assert.fail(`review ${id}: ${r.text}`);
    };
    const opened = async () => {
      const r = await merchant.post('/v1/vouchers', efectyOrder({ risk: { ip_country: 'PE' } }));
      assert.equal(r.json.review.status, 'open', r.text);
      await listed(r.json.review.id, 'open');
      return r.json;
    };

    const cancelled = await opened();
    const answer = await merchant.post(`/v1/vouchers/${cancelled.id}/cancel`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.review.status, 'voided');
    // Reviews keep whole seconds.
    const second = (iso) => Math.floor(Date.parse(iso) / 1000);
    const review = await listed(cancelled.review.id, 'voided');
    assert.equal(second(review.closed_at), second(answer.json.cancelled_at));
    assert.equal((await restricted.post(`/v1/reviews/${cancelled.review.id}/approve`)).json.error.code, 'review_closed');
    assert.equal((await restricted.post(`/v1/reviews/${cancelled.review.id}/reject`)).json.error.code, 'review_closed');
    const open = (await restricted.get('/v1/reviews?status=open&limit=100')).json.data.map((r) => r.id);
    assert.ok(!open.includes(cancelled.review.id), 'no longer listed as open');

    // Past its deadline and its confirmation window (Efecty: 12 h) by the sandbox clock.
    const expired = await opened();
    const moved = await merchant.post(`/v1/sandbox/vouchers/${expired.id}/advance`, { seconds: 5 * 24 * 3600 });
    assert.equal(moved.status, 200, moved.text);
    let now = moved.json;
    for (let i = 0; i < 50 && now.status !== 'expired'; i += 1) {
      await sleep(100);
      now = (await merchant.get(`/v1/vouchers/${expired.id}`)).json;
    }
    assert.equal(now.status, 'expired');
    assert.equal(now.review.status, 'voided');
    assert.equal(second((await listed(expired.review.id, 'voided')).closed_at), second(now.expired_at));

    // Each closing reached the merchant's events once.
    let closed = [];
    for (let i = 0; i < 50 && closed.length < 2; i += 1) {
      const events = (await merchant.get('/v1/events?type=review.closed&limit=100')).json.data;
      closed = events.filter((e) => [cancelled.review.id, expired.review.id].includes(e.data.id));
      if (closed.length < 2) await sleep(100);
    }
    assert.deepEqual(closed.map((e) => e.data.status), ['voided', 'voided']);
  });

  test('ip: the 3rd voucher of one IP in an hour passes, the 4th waits for review', async () => {
    const risk = { ip_address: `198.51.100.${process.pid % 250}` };
    for (let i = 0; i < 3; i += 1) {
      const r = await merchant.post('/v1/vouchers', peOrder({ risk }));
      assert.equal(r.status, 201);
      assert.equal(r.json.review, undefined, `voucher ${i + 1}`);
    }
    const fourth = (await merchant.post('/v1/vouchers', peOrder({ risk }))).json;
    assert.equal(fourth.review.reason, 'ip_created_1h');
    assert.equal(fourth.payment_code, null);
    // Rejected: the voucher is cancelled and never gets a code.
    const rejected = await restricted.post(`/v1/reviews/${fourth.review.id}/reject`);
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.json.status, 'cancelled');
    assert.equal(rejected.json.review.status, 'rejected');
    assert.equal(rejected.json.payment_code, null);
    assert.equal((await restricted.post(`/v1/reviews/${fourth.review.id}/approve`)).status, 409);
    assert.equal((await merchant.get(`/v1/vouchers/${fourth.id}`)).json.status, 'cancelled');
  });

  test('500 creates from one IP in a burst are limited without a 5xx', async () => {
    const risk = { ip_address: '2001:db8::bad' };
    const statuses = [];
    const shown = [];
    await Promise.all([...Array(500)].map(async () => {
      const r = await merchant.post('/v1/vouchers', efectyOrder({ risk }));
      statuses.push(r.status);
      if (r.status === 201) shown.push(r.json.payment_code !== null);
    }));
    assert.ok(statuses.every((s) => s === 201 || s === 429), `statuses: ${[...new Set(statuses)]}`);
    assert.equal(statuses.filter((s) => s === 201).length, 500, 'a test key is never rate limited at this pace');
    // Exact under the burst: three codes issued, every later voucher waits for review.
    assert.equal(shown.filter(Boolean).length, 3);
  });

  test('reviews: bad ids and parameters', async () => {
    assert.equal((await merchant.get('/v1/reviews/rev_nope')).status, 404);
    assert.equal((await merchant.get('/v1/reviews/vch_x')).status, 404);
    assert.equal((await merchant.get('/v1/reviews?status=maybe')).json.error.param, 'status');
    assert.equal((await merchant.get('/v1/reviews?limit=0')).json.error.param, 'limit');
    assert.equal((await merchant.get('/v1/reviews?starting_after=rev_nope')).json.error.param, 'starting_after');
    assert.equal((await merchant.get('/v1/reviews?colour=red')).json.error.param, 'colour');
    assert.equal((await api(edge.base, null).get('/v1/reviews')).status, 401);
    assert.equal((await merchant.post('/v1/reviews')).status, 405);
    assert.equal((await restricted.post('/v1/reviews/rev_nope/approve')).status, 404);
    assert.equal((await restricted.post('/v1/reviews/nope/reject')).status, 404);
  });

  test("a live key follows its merchant's live_rate_limit_per_second; the default 100/s is not met at 600", async () => {
    // Tienda Vigilada chose 50/s: 500 per 10 s window per live key.
    const chosen = api(edge.base, OTHER_LIVE);
    let sent = 0;
    let limited = null;
    const seen = new Set();
    for (; sent < 3_000 && !limited; sent += 100) {
      const batch = await Promise.all([...Array(100)].map(() => chosen.get('/v1/reviews?limit=1')));
      for (const r of batch) seen.add(r.status);
      limited = batch.find((r) => r.status === 429) ?? null;
    }
    assert.ok(limited, `no 429 after ${sent} (statuses ${[...seen]})`);
    // At most two windows' worth (a burst may straddle a window's end) before the first 429.
    assert.ok(sent <= 1_100, `first 429 only after ${sent}`);
    assert.deepEqual([...seen].sort(), [200, 429]);
    assert.equal(limited.headers.get('retry-after'), '10');
    // The default (100/s: 1,000 per window): 600 never meet it, whichever windows they fall in.
    const local = api(edge.base, LOCAL_LIVE);
    const statuses = new Set();
    for (let n = 0; n < 600; n += 100) {
      for (const r of await Promise.all([...Array(100)].map(() => local.get('/v1/reviews?limit=1')))) statuses.add(r.status);
    }
    assert.deepEqual([...statuses], [200]);
  });

  // Last: it spends this address's budget for the window.
  test('an address over its limit gets 429 rate_limit_error with Retry-After; keys count apart', async () => {
    const anonymous = api(edge.base, null);
    let limited = null;
    const seen = new Set();
    for (let sent = 0; sent < 3_000 && !limited; sent += 100) {
      const batch = await Promise.all([...Array(100)].map(() => anonymous.post('/v1/notifications/efecty', {})));
      for (const r of batch) seen.add(r.status);
      limited = batch.find((r) => r.status === 429) ?? null;
    }
    assert.ok(limited, `no 429 (statuses ${[...seen]})`);
    assert.ok([...seen].every((s) => s < 500), `a 5xx among ${[...seen]}`);
    assert.equal(limited.headers.get('retry-after'), '10');
    assert.equal(limited.json.error.type, 'rate_limit_error');
    // The merchant's key has its own budget.
    assert.equal((await merchant.get('/v1/reviews?limit=1')).status, 200);
  });
});
