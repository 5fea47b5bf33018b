// docs/openapi.json against the edge: served as built, valid OpenAPI 3.1, every documented
// path routed, and real answers valid against the document's own schemas (ajv, JSON Schema
// 2020-12). That every route is documented is the router's own native test (ROUTES).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { root } from '../support/edge.mjs';
import { useEdge } from '../support/fixtures.mjs';
import { api, efectyOrder, ref } from '../support/vale.mjs';

const doc = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
const METHODS = ['get', 'post', 'delete', 'options', 'put', 'patch', 'head'];

const edge = useEdge();

/** A path template with its parameters blanked, so names need not match the router's. */
const shape = (path) => path.replace(/\{[^}]+\}/g, '{}');
const documented = () => {
  const ops = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) ops.add(`${m.toUpperCase()} ${shape(path)}`);
  }
  return ops;
};

/** ajv over the whole document, so `$ref`s into components resolve. */
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...doc, $id: 'openapi.json' });

const pointer = (...keys) => keys.map((k) => String(k).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Asserts that `json` is what the document says `METHOD path` answers with `status`. */
function assertAnswer(method, path, status, json, media = 'application/json') {
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${path} is documented`);
  const response = op.responses[String(status)];
  assert.ok(response, `${method} ${path} documents ${status}`);
  const at = response.$ref
    ? `${response.$ref.slice(1)}/${pointer('content', media, 'schema')}`
    : `/${pointer('paths', path, method.toLowerCase(), 'responses', status, 'content', media, 'schema')}`;
  const validate = ajv.compile({ $ref: `openapi.json#${at}` });
  assert.ok(validate(json), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(json)}`);
}

describe('GET /v1/openapi.json', () => {
  test('serves docs/openapi.json as built, with no key, JSON and CORS', async () => {
    const resp = await fetch(`${edge.base}/v1/openapi.json`);
    assert.equal(resp.status, 200);
    assert.match(resp.headers.get('content-type'), /^application\/json/);
    assert.equal(resp.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await resp.json(), doc);
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.equal(validator.version, '3.1');
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  });
});

describe('the document and the router agree', () => {
  // That every route the router answers is documented (and every documented one is in its
  // table) is checked natively against the table itself, `ROUTES` in edge/src/http/route_table.rs:
  // `cargo test -p vale-edge` (http::route_table::tests, issue #20). This file checks it live.
  test('every documented /v1 operation is routed: none answers route_not_found', async () => {
    const placeholders = { merchant: 'mer_local' };
    const wrong = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const url = path.replace(/\{([^}]+)\}/g, (_, name) => placeholders[name] ?? (name === 'date' ? '2026-11-22' : 'x_placeholder'));
      for (const method of METHODS.filter((m) => item[m])) {
        const resp = await fetch(`${edge.base}${url}`, { method: method.toUpperCase() });
        const text = await resp.text();
        if (resp.status === 404 && text.includes('route_not_found')) wrong.push(`${method.toUpperCase()} ${url}`);
        if (resp.status === 405) wrong.push(`${method.toUpperCase()} ${url} (405)`);
        const documentedStatus = item[method].responses[String(resp.status)];
        assert.ok(documentedStatus, `${method.toUpperCase()} ${url} answered ${resp.status}, which it does not document`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});

describe('recorded answers validate against the document', () => {
  test('marketplace accounts (issue #23): created, updated, disabled, listed, refused', async () => {
    const platform = api(edge.base, 'sk_test_platform');
    const body = { display_name: 'Café Andino', country: 'CO', document_type: 'CC', document_number: '1020304050' };
    const made = await platform.post('/v1/accounts', body);
    assert.equal(made.status, 201, made.text);
    assertAnswer('POST', '/v1/accounts', 201, made.json);
    const changed = await platform.post(`/v1/accounts/${made.json.id}`,
      { payout_destination: { type: 'wallet', provider: 'nequi', phone: '+57 300 123 4567' } });
    assert.equal(changed.status, 200, changed.text);
    assertAnswer('POST', '/v1/accounts/{id}', 200, changed.json);
    assertAnswer('GET', '/v1/accounts/{id}', 200, (await platform.get(`/v1/accounts/${made.json.id}`)).json);
    assertAnswer('POST', '/v1/accounts/{id}/disable', 200, (await platform.post(`/v1/accounts/${made.json.id}/disable`)).json);
    assertAnswer('GET', '/v1/accounts', 200, (await platform.get('/v1/accounts?limit=3')).json);
    const refused = await platform.post('/v1/accounts', { ...body, country: 'AR' });
    assertAnswer('POST', '/v1/accounts', 400, refused.json);
    const notPlatform = await api(edge.base).get('/v1/accounts');
    assert.equal(notPlatform.status, 403);
    assertAnswer('GET', '/v1/accounts', 403, notPlatform.json);
  });

    test('vouchers (created, read, moved), endpoints, sandbox payment, events, refunds and errors', async (t) => {
    const merchant = api(edge.base);
    const created = await merchant.post('/v1/vouchers', efectyOrder({ customer: { name: 'Ana' }, metadata: { cart: '1' } }),
      { headers: { 'idempotency-key': ref('oa') } });
    assert.equal(created.status, 201);
    assertAnswer('POST', '/v1/vouchers', 201, created.json);
    const id = created.json.id;

    const read = await merchant.get(`/v1/vouchers/${id}`);
    assertAnswer('GET', '/v1/vouchers/{id}', 200, read.json);
    const display = await api(edge.base, created.json.client_secret).get(`/v1/vouchers/${id}`);
    assert.equal(display.status, 200);
    assertAnswer('GET', '/v1/vouchers/{id}', 200, display.json);
    const displayOnly = ajv.compile({ $ref: 'openapi.json#/components/schemas/VoucherDisplay' });
    assert.ok(displayOnly(display.json), ajv.errorsText(displayOnly.errors));
    const whole = ajv.compile({ $ref: 'openapi.json#/components/schemas/Voucher' });
    assert.ok(!whole(display.json) && !displayOnly(read.json), 'the schemas tell the two views apart');

    const moved = await merchant.post(`/v1/vouchers/${id}`, { expires_at: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    assert.equal(moved.status, 200, moved.text);
    assertAnswer('POST', '/v1/vouchers/{id}', 200, moved.json);
    const badMove = await merchant.post(`/v1/vouchers/${id}`, {});
    assert.equal(badMove.status, 400);
    assertAnswer('POST', '/v1/vouchers/{id}', 400, badMove.json);

    const list = await merchant.get('/v1/vouchers?limit=3');
    assertAnswer('GET', '/v1/vouchers', 200, list.json);

    const endpoint = await merchant.post('/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hook', events: ['voucher.paid'] });
    // On the shared edge the next files see mer_local's endpoints: this one goes with the test.
    t.after(() => endpoint.json?.id && merchant.call('DELETE', `/v1/webhook_endpoints/${endpoint.json.id}`));
    assert.equal(endpoint.status, 201);
    assertAnswer('POST', '/v1/webhook_endpoints', 201, endpoint.json);
    assertAnswer('GET', '/v1/webhook_endpoints', 200, (await merchant.get('/v1/webhook_endpoints')).json);

    const paid = await merchant.post(`/v1/sandbox/vouchers/${id}/pay`);
    assert.equal(paid.status, 200);
    assert.equal(paid.json.status, 'paid');
    assertAnswer('POST', '/v1/sandbox/vouchers/{id}/pay', 200, paid.json);
    const trail = await merchant.get(`/v1/vouchers/${id}/notifications`);
    assertAnswer('GET', '/v1/vouchers/{id}/notifications', 200, trail.json);

    const events = await merchant.get('/v1/events?type=voucher.paid&limit=5');
    assert.equal(events.status, 200);
    assertAnswer('GET', '/v1/events', 200, events.json);
    const event = events.json.data.find((e) => e.data.id === id);
    assert.ok(event, 'the voucher.paid event is listed');
    assertAnswer('GET', '/v1/events/{id}', 200, (await merchant.get(`/v1/events/${event.id}`)).json);

    const refund = await merchant.post('/v1/refunds', { voucher: id, amount: 1_000_000, reason: 'requested_by_customer' });
    assert.equal(refund.status, 201);
    assertAnswer('POST', '/v1/refunds', 201, refund.json);
    const refundView = await api(edge.base, refund.json.client_secret).get(`/v1/refunds/${refund.json.id}`);
    assertAnswer('GET', '/v1/refunds/{id}', 200, refundView.json);
    const refundDisplay = ajv.compile({ $ref: 'openapi.json#/components/schemas/RefundDisplay' });
    assert.ok(refundDisplay(refundView.json), ajv.errorsText(refundDisplay.errors));
    assertAnswer('GET', '/v1/refunds', 200, (await merchant.get(`/v1/refunds?voucher=${id}`)).json);
    assertAnswer('GET', '/v1/vouchers/{id}', 200, (await merchant.get(`/v1/vouchers/${id}`)).json);

    const bad = await merchant.post('/v1/vouchers', { ...efectyOrder(), amount: 5_000_050 });
    assert.equal(bad.status, 400);
    assertAnswer('POST', '/v1/vouchers', 400, bad.json);
    const anonymous = await api(edge.base, null).get('/v1/vouchers');
    assertAnswer('GET', '/v1/vouchers', 401, anonymous.json);
    const cancelPaid = await merchant.post(`/v1/vouchers/${id}/cancel`);
    assert.equal(cancelPaid.status, 409);
    assertAnswer('POST', '/v1/vouchers/{id}/cancel', 409, cancelPaid.json);
    const movePaid = await merchant.post(`/v1/vouchers/${id}`, { expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(movePaid.status, 409);
    assertAnswer('POST', '/v1/vouchers/{id}', 409, movePaid.json);
  });
});
