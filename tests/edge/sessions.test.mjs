// The dashboard's sessions against workerd (issue #24): a key exchanged once for an
// HttpOnly, SameSite=Strict cookie of 8 hours (no `Secure` on 127.0.0.1), test and live
// each their own; the proxy `/dashboard/api/{mode}/v1/…` that acts as the session's key;
// every state-changing call refused from another origin (and nothing done); a restricted
// session reads and approves but never creates, a secret one never approves; sign-out;
// no CORS on any of it; a platform's session reading its sellers (acting for one with
// `Vale-Account`) but never changing them; and `GET /v1/vouchers?payment_code=`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEdge } from '../support/fixtures.mjs';
import { api, efectyOrder, peOrder, ref } from '../support/vale.mjs';

const edge = useEdge({ reports: true });
const merchant = edge.api();

/** A request to the edge as a browser on `origin` would send it (cookies by hand). */
async function call(method, path, { cookie, origin = edge.base, site, body, raw, headers = {} } = {}) {
  const init = { method, headers: { ...headers }, redirect: 'manual' };
  if (cookie) init.headers.cookie = cookie;
  if (origin) init.headers.origin = origin;
  if (site) init.headers['sec-fetch-site'] = site;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  } else if (raw !== undefined) {
    init.body = raw;
  }
  const resp = await fetch(`${edge.base}${path}`, init);
  const text = await resp.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: resp.status, headers: resp.headers, json, text };
}

/** Signs in with `key`; answers the cookie pair to send back and the answer. */
async function signIn(key) {
  const r = await call('POST', '/dashboard/session', { body: { key }, site: 'same-origin' });
  assert.equal(r.status, 201, r.text);
  const set = r.headers.get('set-cookie');
  return { cookie: set.split(';')[0], set, json: r.json, headers: r.headers };
}

const noCors = (headers) => {
  for (const [name] of headers) assert.ok(!name.startsWith('access-control-'), `no CORS header, got ${name}`);
};

describe('signing in', () => {
  test('a secret key opens an 8-hour HttpOnly SameSite=Strict session, shown never again', async () => {
    const before = Date.now();
    const s = await signIn('sk_test_local');
    assert.match(s.set, /^vale_dash_test=[0-9a-f]{64}; Path=\/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict$/,
      'no Secure on 127.0.0.1 (local development)');
    assert.equal(s.json.object, 'dashboard_session');
    assert.equal(s.json.merchant, 'mer_local');
    assert.equal(s.json.merchant_name, 'Tienda Local');
    assert.equal(s.json.livemode, false);
    assert.equal(s.json.key_kind, 'secret');
    assert.deepEqual(s.json.can, ['read', 'create', 'cancel', 'refund', 'settle', 'webhooks', 'payout_file']);
    const hours = (s.json.expires_at * 1000 - before) / 3_600_000;
    assert.ok(hours > 7.99 && hours <= 8.01, `8 hours, got ${hours}`);
    assert.ok(!JSON.stringify(s.json).includes('sk_test_local'), 'the key is never shown again');
    assert.ok(!JSON.stringify(s.json).includes(s.cookie.split('=')[1]), 'nor the token');
    assert.equal(s.headers.get('cache-control'), 'no-store');
    noCors(s.headers);
    const shown = await call('GET', '/dashboard/session', { cookie: s.cookie });
    assert.equal(shown.status, 200);
    assert.equal(shown.json.test.key_kind, 'secret');
    assert.equal(shown.json.live, null, 'test and live each their own session');
    noCors(shown.headers);
  });

  test('a restricted key opens a session that reads and decides only', async () => {
    const s = await signIn('rk_test_local');
    assert.equal(s.json.key_kind, 'restricted');
    assert.deepEqual(s.json.can, ['read', 'decide']);
  });

  test('bad input is a 400 naming key; an unknown key is 401; no cookie either way', async () => {
    for (const [body, status, param] of [
      [{}, 400, 'key'], [{ key: '' }, 400, 'key'], [{ key: 7 }, 400, 'key'],
      [{ key: 'vch_x_secret_y' }, 400, 'key'], [{ key: 'pk_test_local' }, 400, 'key'],
      [{ key: 'sk_test_nobody' }, 401, undefined], [{ key: 'rk_live_local' }, 401, undefined],
      // A secret key's text claimed as restricted is not that key.
      [{ key: 'rk_test_local'.replace('rk', 'sk') + 'x' }, 401, undefined],
    ]) {
      const r = await call('POST', '/dashboard/session', { body, site: 'same-origin' });
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.param, param);
      assert.equal(r.headers.get('set-cookie'), null);
    }
    const notJson = await call('POST', '/dashboard/session', { raw: 'key=sk_test_local', site: 'same-origin' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error.param, 'key');
  });

  test('a sign-in from another origin is refused (no login CSRF)', async () => {
    for (const opts of [
      { origin: 'http://evil.example', site: 'cross-site' },
      { origin: 'http://127.0.0.1:1', site: 'same-site' },
      { origin: 'http://evil.example' },
      { origin: null },
    ]) {
      const r = await call('POST', '/dashboard/session', { body: { key: 'sk_test_local' }, ...opts });
      assert.equal(r.status, 403, JSON.stringify(opts));
      assert.equal(r.json.error.code, 'cross_origin_refused');
      assert.equal(r.headers.get('set-cookie'), null);
      noCors(r.headers);
    }
  });
});

describe('the proxy acts as the session\'s key', () => {
  test('reads with the cookie; nothing without it, nor with the other mode\'s', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const s = await signIn('rk_test_local');
    const list = await call('GET', `/dashboard/api/test/v1/vouchers?reference=${v.reference}`, { cookie: s.cookie });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data.map((x) => x.id), [v.id]);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    noCors(list.headers);
    const none = await call('GET', '/dashboard/api/test/v1/vouchers', {});
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'session_required');
    const live = await call('GET', '/dashboard/api/live/v1/vouchers', { cookie: s.cookie });
    assert.equal(live.status, 401, 'a test session is no live session');
    const forged = await call('GET', '/dashboard/api/test/v1/vouchers', { cookie: `vale_dash_test=${'0'.repeat(64)}` });
    assert.equal(forged.status, 401);
    const odd = await call('GET', '/dashboard/api/prod/v1/vouchers', { cookie: s.cookie });
    assert.equal(odd.status, 404);
  });

  test('a cross-origin POST with the cookie fails and changes nothing (form or fetch)', async () => {
    const s = await signIn('sk_test_local');
    const order = efectyOrder();
    for (const opts of [
      // A form posted from another site: the browser sends Origin and Sec-Fetch-Site.
      { origin: 'http://evil.example', site: 'cross-site', raw: new URLSearchParams(order).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      // fetch() from another port of the same host: same-site, so a Strict cookie goes along.
      { origin: 'http://127.0.0.1:1', site: 'same-site', body: order },
      { origin: 'http://127.0.0.1:1', body: order },
      { origin: null, body: order },
    ]) {
      const r = await call('POST', '/dashboard/api/test/v1/vouchers', { cookie: s.cookie, ...opts });
      assert.equal(r.status, 403, `${JSON.stringify(opts.origin)} ${opts.site}: ${r.text}`);
      assert.equal(r.json.error.code, 'cross_origin_refused');
    }
    const found = await merchant.get(`/v1/vouchers?reference=${order.reference}`);
    assert.deepEqual(found.json.data, [], 'nothing was created');
    const ok = await call('POST', '/dashboard/api/test/v1/vouchers', { cookie: s.cookie, site: 'same-origin', body: order });
    assert.equal(ok.status, 201, ok.text);
  });

  test('a restricted session never creates, cancels or refunds; a secret one never approves', async () => {
    // Above mer_local's COP 1.000.000 threshold, so the refund waits for approval.
    const v = (await merchant.post('/v1/vouchers', efectyOrder({ amount: 150_000_000 }))).json;
    assert.equal((await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)).status, 200);
    const r = (await merchant.post('/v1/refunds', { voucher: v.id, reason: 'requested_by_customer' })).json;
    assert.equal(r.approval_required, true, JSON.stringify(r));
    const chosen = await api(edge.base, r.client_secret).post(`/v1/refunds/${r.id}/destination`, {
      destination: { type: 'cash_pickup', name: 'Ana Pérez', document_type: 'CC', document_number: '1020304050', phone: '300 123 4567' },
    });
    assert.equal(chosen.json.status, 'pending_approval', chosen.text);
    const rk = await signIn('rk_test_local');
    const sk = await signIn('sk_test_local');
    const same = { site: 'same-origin' };
    for (const [path, body] of [
      ['/v1/vouchers', efectyOrder()], [`/v1/vouchers/${v.id}/cancel`, undefined],
      ['/v1/refunds', { voucher: v.id, amount: 100, reason: 'requested_by_customer' }],
      [`/v1/refunds/${r.id}/cancel`, undefined], ['/v1/settlements', undefined],
      ['/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/x', events: ['*'] }],
    ]) {
      const denied = await call('POST', `/dashboard/api/test${path}`, { cookie: rk.cookie, body, ...same });
      assert.equal(denied.status, 403, `${path}: ${denied.text}`);
      assert.equal(denied.json.error.code, 'permission_denied');
    }
    const payout = await call('GET', '/dashboard/api/test/v1/payouts/files/2026-12-07', { cookie: rk.cookie });
    assert.equal(payout.status, 403, 'the payout file names destinations: the secret key\'s');
    const bySecret = await call('POST', `/dashboard/api/test/v1/refunds/${r.id}/approve`, { cookie: sk.cookie, ...same });
    assert.equal(bySecret.status, 403, 'the secret key\'s session does not approve');
    const sandbox = await call('POST', `/dashboard/api/test/v1/sandbox/vouchers/${v.id}/expire`, { cookie: sk.cookie, ...same });
    assert.equal(sandbox.status, 403, 'the dashboard sends no sandbox calls');
    const approved = await call('POST', `/dashboard/api/test/v1/refunds/${r.id}/approve`, { cookie: rk.cookie, ...same });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.status, 'processing');
  });

  test('a proxy token sent from outside is refused (only the edge can make one)', async () => {
    const keyHash = (await import('node:crypto')).createHash('sha256').update('sk_test_local').digest('hex');
    const later = Date.now() + 3_600_000;
    for (const token of [`dsh_${keyHash}_${later}_${'0'.repeat(64)}`, `dsh_${keyHash}_${later}`, 'dsh_', `dsh_x_y_z`]) {
      const r = await api(edge.base, token).get('/v1/vouchers');
      assert.equal(r.status, 401, token);
    }
  });

  test('sign-out ends that mode\'s session only, and its token is dead', async () => {
    const s = await signIn('sk_test_local');
    const crossOrigin = await call('DELETE', '/dashboard/session?mode=test', { cookie: s.cookie, origin: 'http://evil.example', site: 'cross-site' });
    assert.equal(crossOrigin.status, 403);
    assert.equal((await call('GET', '/dashboard/api/test/v1/vouchers?limit=1', { cookie: s.cookie })).status, 200);
    const bad = await call('DELETE', '/dashboard/session?mode=prod', { cookie: s.cookie, site: 'same-origin' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'mode');
    const out = await call('DELETE', '/dashboard/session?mode=test', { cookie: s.cookie, site: 'same-origin' });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie'), /^vale_dash_test=; Path=\/dashboard; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const after = await call('GET', '/dashboard/api/test/v1/vouchers?limit=1', { cookie: s.cookie });
    assert.equal(after.status, 401, 'the old cookie no longer opens anything');
    assert.equal((await call('GET', '/dashboard/session', { cookie: s.cookie })).json.test, null);
  });
});

describe('a marketplace platform\'s sellers through the proxy', () => {
  const YAPE = { type: 'wallet', provider: 'yape', phone: '+51 987 654 321' };

  test('its session reads sellers, balances and statements, acting for a seller with Vale-Account; it never changes an account', async () => {
    const platform = api(edge.base, 'sk_test_platform');
    const made = await platform.post('/v1/accounts', { display_name: `Puesto ${ref()}`.slice(0, 60), country: 'PE',
      document_type: 'DNI', document_number: '12345678', payout_destination: YAPE });
    assert.equal(made.status, 201, made.text);
    const seller = made.json;
    const mine = (await platform.post('/v1/vouchers', peOrder({ amount: 3_000, splits: [{ account: seller.id, amount: 2_500 }] }))).json;
    const platformsOwn = (await platform.post('/v1/vouchers', peOrder())).json;
    assert.equal((await platform.post(`/v1/sandbox/vouchers/${mine.id}/pay`)).status, 200);

    const local = await signIn('sk_test_local');
    assert.equal(local.json.platform, false, 'mer_local is no platform');
    for (const key of ['sk_test_platform', 'rk_test_platform']) {
      const s = await signIn(key);
      assert.equal(s.json.platform, true, key);
      const list = await call('GET', '/dashboard/api/test/v1/accounts?limit=100', { cookie: s.cookie });
      assert.equal(list.status, 200, list.text);
      assert.ok(list.json.data.some((a) => a.id === seller.id), `${key}: the seller is listed`);
      const one = await call('GET', `/dashboard/api/test/v1/accounts/${seller.id}`, { cookie: s.cookie });
      assert.equal(one.json.status, 'enabled');
      assert.ok(!one.text.includes('987 654 321') && !one.text.includes('12345678'), 'masked as the API masks them');
      const day = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
      const csv = await call('GET', `/dashboard/api/test/v1/accounts/${seller.id}/statement?from=${day}&to=${day}`, { cookie: s.cookie });
      assert.equal(csv.status, 200, csv.text);
      assert.match(csv.headers.get('content-type'), /^text\/csv/);
      // Acting for the seller: only the vouchers with a share for it, and its balance.
      const as = { cookie: s.cookie, headers: { 'vale-account': seller.id } };
      const vouchers = await call('GET', '/dashboard/api/test/v1/vouchers?limit=100', as);
      assert.equal(vouchers.status, 200, vouchers.text);
      assert.deepEqual(vouchers.json.data.map((v) => v.id), [mine.id], 'not the platform\'s own voucher ' + platformsOwn.id);
      let balance;
      for (const stop = Date.now() + 30_000; Date.now() < stop;) {
        balance = await call('GET', '/dashboard/api/test/v1/balance', as);
        if (balance.json?.pending?.[0]?.amount === 2_500) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(balance.json.pending, [{ amount: 2_500, currency: 'PEN' }], balance.text);
      const txns = await call('GET', `/dashboard/api/test/v1/balance_transactions?account=${seller.id}`, { cookie: s.cookie });
      assert.deepEqual(txns.json.data.map((t) => [t.type, t.amount, t.source]), [['payment', 2_500, mine.id]]);
    }
    // Regression (issue #24, sellers view): reading accounts opened the proxy to them; changing
    // one stays refused for every session, and nothing changes.
    const sk = await signIn('sk_test_platform');
    const same = { cookie: sk.cookie, site: 'same-origin' };
    const before = (await platform.get('/v1/accounts?limit=100')).json.data.length;
    for (const [path, body] of [['/v1/accounts', { display_name: 'Nuevo', country: 'PE', document_type: 'DNI', document_number: '87654321' }],
      [`/v1/accounts/${seller.id}`, { display_name: 'Otro nombre' }], [`/v1/accounts/${seller.id}/disable`, undefined]]) {
      const denied = await call('POST', `/dashboard/api/test${path}`, { ...same, body });
      assert.equal(denied.status, 403, `${path}: ${denied.text}`);
      assert.equal(denied.json.error.code, 'permission_denied');
    }
    const still = (await platform.get(`/v1/accounts/${seller.id}`)).json;
    assert.equal(still.status, 'enabled');
    assert.equal(still.display_name, seller.display_name);
    assert.equal((await platform.get('/v1/accounts?limit=100')).json.data.length, before, 'no account made');
    // mer_local's session reads no accounts: the API's own answer comes through.
    const notPlatform = await call('GET', '/dashboard/api/test/v1/accounts', { cookie: local.cookie });
    assert.equal(notPlatform.status, 403);
    assert.equal(notPlatform.json.error.code, 'platform_required');
  });
});

describe('GET /v1/vouchers?payment_code=', () => {
  test('finds the voucher with that code in either network, and nothing else', async () => {
    const e = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const p = (await merchant.post('/v1/vouchers', peOrder())).json;
    for (const v of [e, p]) {
      const r = await merchant.get(`/v1/vouchers?payment_code=${v.payment_code}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.data.map((x) => x.id), [v.id]);
      assert.equal(r.json.has_more, false);
      const wrongStatus = await merchant.get(`/v1/vouchers?payment_code=${v.payment_code}&status=paid`);
      assert.deepEqual(wrongStatus.json.data, []);
    }
    const restricted = api(edge.base, 'rk_test_local');
    assert.equal((await restricted.get(`/v1/vouchers?payment_code=${e.payment_code}`)).json.data[0].id, e.id);
    assert.deepEqual((await merchant.get('/v1/vouchers?payment_code=1')).json.data, []);
    const live = api(edge.base, 'sk_live_local');
    // No live key in the default configuration: 401 rather than a test voucher.
    assert.notEqual((await live.get(`/v1/vouchers?payment_code=${e.payment_code}`)).status, 200);
  });

  test('a bad code, or one with reference or starting_after, is a 400 naming the field', async () => {
    for (const [query, param] of [
      ['payment_code=', 'payment_code'], ['payment_code=12%2034', 'payment_code'],
      [`payment_code=${'1'.repeat(65)}`, 'payment_code'], ['payment_code=12;34', 'payment_code'],
      [`payment_code=123&reference=${ref()}`, 'reference'],
      ['payment_code=123&starting_after=vch_0123456789abcdefghjkmnpq', 'starting_after'],
    ]) {
      const r = await merchant.get(`/v1/vouchers?${query}`);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.equal(r.json.error.param, param, query);
    }
  });
});

describe('GET /v1/vouchers?created[gte]=&created[lte]= (the dashboard\'s date search)', () => {
  const ids = (r) => r.json.data.map((v) => v.id);
  const q = (params) => merchant.get(`/v1/vouchers?${new URLSearchParams(params)}`);

  test('bounds in Unix seconds or Bogotá/Lima days, newest first, paged with starting_after', async () => {
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push((await merchant.post('/v1/vouchers', i % 2 ? peOrder() : efectyOrder())).json);
    const seconds = made.map((v) => Math.floor(Date.parse(v.created_at) / 1000));
    const newestFirst = made.map((v) => v.id).reverse();
    const from = await q({ 'created[gte]': String(seconds[0]), limit: '100' });
    assert.equal(from.status, 200, from.text);
    assert.deepEqual(ids(from).slice(0, 3), newestFirst);
    assert.ok(from.json.data.every((v) => Date.parse(v.created_at) / 1000 >= seconds[0]), 'nothing older');
    assert.deepEqual(ids(await q({ 'created[lte]': String(seconds[0] - 1), limit: '100' })).filter((id) => newestFirst.includes(id)), [], 'all three are newer');
    const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 29 * 3600_000).toISOString().slice(0, 10);
    assert.deepEqual(ids(await q({ 'created[gte]': today, 'created[lte]': today, limit: '100' })).slice(0, 3), newestFirst);
    assert.deepEqual(ids(await q({ 'created[lte]': yesterday, limit: '100' })).filter((id) => newestFirst.includes(id)), []);
    // One page at a time: the same three, in order, with has_more between them.
    const seen = [];
    let after;
    for (let page = 0; page < 3; page += 1) {
      const r = await q({ 'created[gte]': String(seconds[0]), limit: '1', ...(after ? { starting_after: after } : {}) });
      if (page < 2) assert.equal(r.json.has_more, true, r.text);
      seen.push(...ids(r));
      after = seen.at(-1);
    }
    assert.deepEqual(seen, newestFirst);
  });

  test('a bad bound, or one with payment_code, is a 400 naming it', async () => {
    for (const [name, value] of [['created[gte]', 'ayer'], ['created[lte]', '2026-02-30'], ['created[gte]', '-5'], ['created[lte]', '1.5']]) {
      const r = await q({ [name]: value });
      assert.equal(r.status, 400, `${name}=${value}`);
      assert.equal(r.json.error.param, name);
      assert.equal(r.json.error.code, 'created_invalid');
    }
    const both = await q({ 'created[gte]': '2026-12-01', payment_code: '1234567' });
    assert.equal(both.status, 400);
    assert.equal(both.json.error.param, 'created[gte]');
  });
});
