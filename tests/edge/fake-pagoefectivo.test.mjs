// The PagoEfectivo fake (tests/support/pagoefectivo.mjs) on its own, over HTTP, with no
// edge: if the fake drifts from the API it imitates, this fails before the live adapter's
// tests do, and points at the fake rather than the Rust code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { limaDate, startPagoEfectivo } from '../support/pagoefectivo.mjs';

const SECRET = 'pe_fake_selftest_secret';
const ID_SERVICE = 'svc-local';
const ACCESS_KEY = 'ak_local';

let fake;
before(async () => {
  fake = await startPagoEfectivo({ secretKey: SECRET });
});
after(async () => {
  await fake?.stop();
});

/** A JSON call to the fake; `raw` sends that text as the body instead of `body`. */
async function call(method, path, { body, raw, token, signal } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method, headers, signal };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = JSON.stringify(body);
  const resp = await fetch(`${fake.base}${path}`, init);
  const text = await resp.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: resp.status, json, text };
}

/** The authorization request as the adapter must build it. */
const authBody = (dateRequest = limaDate(), secret = SECRET) => ({
  accessKey: ACCESS_KEY,
  idService: ID_SERVICE,
  dateRequest,
  hashString: createHash('sha256').update(`${ID_SERVICE}.${ACCESS_KEY}.${secret}.${dateRequest}`).digest('hex'),
});

const getToken = async () => {
  const r = await call('POST', '/v1/authorizations', { body: authBody() });
  assert.equal(r.status, 201, r.text);
  return r.json.data.token;
};

const tomorrow = () => limaDate(Date.now() + 24 * 3600_000);
/** A create body with `amount` written as the JSON text given. */
const cipText = ({ amount = '25.00', transactionCode = `vch_${Date.now()}_${Math.random()}` } = {}) =>
  `{"currency":"PEN","amount":${amount},"transactionCode":"${transactionCode}",` +
  `"dateExpiry":"${tomorrow()}","paymentConcept":"Tienda Local","userEmail":"ana@example.pe",` +
  `"userName":"Ana","userLastName":"Quispe","userDocumentType":"DNI","userDocumentNumber":"12345678",` +
  `"userPhone":"987654321","userCodeCountry":"+51","userCountry":"PERU"}`;

const createCip = async (token, opts) => {
  const r = await call('POST', '/v1/cips', { raw: cipText(opts), token });
  assert.equal(r.status, 201, r.text);
  return String(r.json.data.cip);
};
const searchOne = async (token, cip) => {
  const r = await call('POST', '/v1/cips/search', { body: { data: [{ cip }] }, token });
  assert.equal(r.status, 200, r.text);
  return r.json.data[0];
};

describe('authorizations', () => {
  test('the right hash gets a token; a wrong hash, key or stale date is refused', async () => {
    const ok = await call('POST', '/v1/authorizations', { body: authBody() });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.code, 100);
    assert.equal(typeof ok.json.data.token, 'string');
    assert.match(ok.json.data.tokenExpires, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/);
    assert.ok(Date.parse(ok.json.data.tokenExpires) > Date.now() + 3500_000);

    const refused = [
      authBody(limaDate(), 'not-the-secret'),
      { ...authBody(), accessKey: 'ak_other' },
      authBody(limaDate(Date.now() - 11 * 60_000)),
      { ...authBody(), dateRequest: new Date().toISOString() }, // Z, not -05:00
    ];
    for (const body of refused) {
      const r = await call('POST', '/v1/authorizations', { body });
      assert.equal(r.status, 401, JSON.stringify(body));
      assert.deepEqual(r.json, { code: 111, message: 'Credenciales inválidas', data: [] });
    }
  });

  test('a token is required, and expireTokens() makes every issued one invalid', async () => {
    const none = await call('POST', '/v1/cips', { raw: cipText() });
    assert.equal(none.status, 401);
    assert.equal(none.json.code, 401);
    const unknown = await call('POST', '/v1/cips', { raw: cipText(), token: 'made-up' });
    assert.equal(unknown.status, 401);

    const token = await getToken();
    await createCip(token);
    fake.expireTokens();
    const stale = await call('POST', '/v1/cips', { raw: cipText(), token });
    assert.equal(stale.status, 401);
    assert.deepEqual(stale.json, { code: 401, message: 'Token inválido', data: [] });
    await createCip(await getToken()); // a fresh token works again
  });
});

describe('cips', () => {
  let token;
  before(async () => {
    token = await getToken();
  });

  test('create answers a numeric CIP and records it (amount as "25.00")', async () => {
    const before = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/cips').length;
    const r = await call('POST', '/v1/cips', { raw: cipText({ transactionCode: 'vch_numeric' }), token });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.code, 100);
    const { cip } = r.json.data;
    assert.equal(typeof cip, 'number');
    assert.match(String(cip), /^\d{7,8}$/);
    assert.equal(r.json.data.amount, 25);
    assert.equal(r.json.data.cipUrl, `${fake.base}/cip/${cip}`);
    const stored = fake.cips.get(String(cip));
    assert.equal(stored.amount, '25.00');
    assert.equal(stored.status, 'pending');
    assert.equal(stored.transactionCode, 'vch_numeric');
    assert.equal(stored.userEmail, 'ana@example.pe');
    const logged = fake.requests.filter((q) => q.method === 'POST' && q.path === '/v1/cips');
    assert.equal(logged.length, before + 1);
    assert.equal(logged.at(-1).authorization, `Bearer ${token}`);
    assert.equal(logged.at(-1).body.transactionCode, 'vch_numeric');
  });

  test('create refuses three decimals, a missing email and a bad document type', async () => {
    const three = await call('POST', '/v1/cips', { raw: cipText({ amount: '25.001' }), token });
    assert.equal(three.status, 400, three.text);
    assert.notEqual(three.json.code, 100);
    assert.deepEqual(three.json.data.map((e) => e.field), ['amount']);

    const body = JSON.parse(cipText());
    delete body.userEmail;
    body.userDocumentType = 'XYZ';
    const r = await call('POST', '/v1/cips', { body, token });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.data.map((e) => e.field).sort(), ['userDocumentType', 'userEmail']);
  });

  test('search says pending, then paid after pay({notify: false}); unknown CIPs are absent', async () => {
    const cip = await createCip(token);
    assert.equal((await searchOne(token, cip)).status, 'pending');
    await fake.pay(cip, { notify: false, operationNumber: '55501234' });
    const r = await call('POST', '/v1/cips/search', {
      body: { data: [{ cip: Number(cip) }, { cip: '1' }] }, token,
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.length, 1);
    const [found] = r.json.data;
    assert.equal(found.cip, cip);
    assert.equal(found.status, 'paid');
    assert.equal(found.amount, '25.00');
    assert.equal(found.operationNumber, '55501234');
    assert.match(found.paymentDate, /-05:00$/);

    const empty = await call('POST', '/v1/cips/search', { body: { data: [] }, token });
    assert.equal(empty.status, 400);
  });

  test('PATCH moves a pending deadline; DELETE deletes a pending CIP, refuses a paid one', async () => {
    const pending = await createCip(token);
    const later = limaDate(Date.now() + 48 * 3600_000);
    const moved = await call('PATCH', `/v1/cips/${pending}`, { body: { dateExpiry: later }, token });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(fake.cips.get(pending).dateExpiry, later);

    const del = await call('DELETE', `/v1/cips/${pending}`, { token });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { code: 100, message: 'CIP eliminado', data: { cip: pending } });
    assert.equal(fake.cips.get(pending).status, 'deleted');

    const paid = await createCip(token);
    await fake.pay(paid, { notify: false });
    const refused = await call('DELETE', `/v1/cips/${paid}`, { token });
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.json, { code: 305, message: 'El CIP ya fue pagado', data: [] });
    assert.equal((await call('PATCH', `/v1/cips/${paid}`, { body: { dateExpiry: later }, token })).status, 409);
    assert.equal((await call('DELETE', '/v1/cips/99999999999', { token })).status, 404);
    assert.equal((await call('GET', '/v1/nothing', { token })).status, 404);
  });

  test('PATCH needs the token, and the moved deadline is the one search and expiry go by', async () => {
    const cip = await createCip(token);
    const before = fake.cips.get(cip).dateExpiry;
    const soon = limaDate(Date.now() + 2_000);
    const anonymous = await call('PATCH', `/v1/cips/${cip}`, { body: { dateExpiry: soon } });
    assert.equal(anonymous.status, 401);
    assert.equal(fake.cips.get(cip).dateExpiry, before);
    const moved = await call('PATCH', `/v1/cips/${cip}`, { body: { dateExpiry: soon }, token });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.json.data, { cip, dateExpiry: soon });
    assert.equal((await searchOne(token, cip)).status, 'pending');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.equal((await searchOne(token, cip)).status, 'expired', 'expired by the moved deadline');
  });
});

describe('failNext', () => {
  let token;
  before(async () => {
    token = await getToken();
  });

  test('a status: answered with the error body, as many times as asked, then normal', async () => {
    fake.failNext('search', 503, 2);
    const body = { data: [{ cip: '1' }] };
    for (let i = 0; i < 2; i++) {
      const r = await call('POST', '/v1/cips/search', { body, token });
      assert.equal(r.status, 503);
      assert.deepEqual(r.json, { code: 500, message: 'Error interno (fake)', data: [] });
    }
    assert.equal((await call('POST', '/v1/cips/search', { body, token })).status, 200);
  });

  test("'hang' never answers (the client gives up)", async () => {
    fake.failNext('authorizations', 'hang');
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 200);
    await assert.rejects(
      call('POST', '/v1/authorizations', { body: authBody(), signal: ac.signal }),
      { name: 'AbortError' },
    );
    clearTimeout(timer);
    assert.equal((await call('POST', '/v1/authorizations', { body: authBody() })).status, 201);
  });

  test("'malformed' answers 201 with a body that is not JSON, and creates nothing", async () => {
    const count = fake.cips.size;
    fake.failNext('cips', 'malformed');
    const r = await call('POST', '/v1/cips', { raw: cipText(), token });
    assert.equal(r.status, 201);
    assert.equal(r.text, 'not json{');
    assert.equal(fake.cips.size, count);
  });

  test("'drop-after' issues the CIP but the client sees a socket error", async () => {
    fake.failNext('cips', 'drop-after');
    const code = `vch_dropped_${Date.now()}`;
    await assert.rejects(call('POST', '/v1/cips', { raw: cipText({ transactionCode: code }), token }),
      (err) => err instanceof TypeError && err.cause?.code === 'UND_ERR_SOCKET'); // other side closed
    const issued = [...fake.cips.values()].filter((c) => c.transactionCode === code);
    assert.equal(issued.length, 1);
    assert.equal(issued[0].status, 'pending');
  });

  test("'hold-after' issues the CIP at once and answers only holdAfterMs later", async () => {
    const slow = await startPagoEfectivo({ secretKey: SECRET, holdAfterMs: 1_500 });
    try {
      const auth = await fetch(`${slow.base}/v1/authorizations`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(authBody()),
      }).then((r) => r.json());
      slow.failNext('cips', 'hold-after');
      const code = `vch_held_${Date.now()}`;
      const started = Date.now();
      const answer = fetch(`${slow.base}/v1/cips`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.data.token}` },
        body: cipText({ transactionCode: code }),
      });
      // Issued before any answer.
      for (const stop = Date.now() + 1_000; Date.now() < stop;) {
        if ([...slow.cips.values()].some((c) => c.transactionCode === code)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const issued = [...slow.cips.values()].filter((c) => c.transactionCode === code);
      assert.equal(issued.length, 1, 'the CIP exists while its answer is held');
      assert.ok(Date.now() - started < 1_500, 'before the answer');
      const r = await answer;
      assert.ok(Date.now() - started >= 1_400, `answered after ${Date.now() - started} ms`);
      assert.equal(r.status, 201);
      assert.equal(String((await r.json()).data.cip), issued[0].cip);
    } finally {
      await slow.stop();
    }
  });

  test('failNext refuses what it cannot do', () => {
    assert.throws(() => fake.failNext('search', 'drop-after'), TypeError);
    assert.throws(() => fake.failNext('search', 'hold-after'), TypeError);
    assert.throws(() => fake.failNext('nowhere', 500), TypeError);
  });
});

describe('pay', () => {
  let receiver;
  let received = [];
  before(async () => {
    receiver = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    const closed = new Promise((resolve) => receiver.close(resolve));
    receiver.closeAllConnections();
    await closed;
  });

  test('POSTs a body signed with HMAC-SHA256 of the raw bytes, amount written 25.00', async () => {
    received = [];
    const token = await getToken();
    const cip = await createCip(token, { transactionCode: 'vch_signed' });
    const to = `http://127.0.0.1:${receiver.address().port}/v1/notifications/pagoefectivo`;
    const r = await fake.pay(cip, {
      to, operationNumber: 'op-777', paymentDate: '2026-12-01T10:11:12-05:00',
    });
    assert.deepEqual(r, { status: 200, json: { received: true }, text: '{"received":true}' });
    assert.equal(received.length, 1);
    const { headers, body } = received[0];
    assert.equal(headers['content-type'], 'application/json');
    const expected = createHmac('sha256', SECRET).update(body).digest('hex');
    assert.equal(headers['pe-signature'], expected);
    assert.equal(body.toString(),
      `{"eventType":"cip.paid","operationNumber":"op-777","data":{"cip":"${cip}","currency":"PEN",` +
      '"amount":25.00,"paymentDate":"2026-12-01T10:11:12-05:00","transactionCode":"vch_signed"}}');
    const stored = fake.cips.get(cip);
    assert.equal(stored.status, 'paid');
    assert.equal(stored.operationNumber, 'op-777');
    assert.equal(stored.paymentDate, '2026-12-01T10:11:12-05:00');
  });

  test('the default paymentDate is now in -05:00', async () => {
    received = [];
    const cip = await createCip(await getToken());
    const to = `http://127.0.0.1:${receiver.address().port}/`;
    await fake.pay(cip, { to });
    const sent = JSON.parse(received[0].body.toString());
    assert.match(sent.data.paymentDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/);
    assert.ok(Math.abs(Date.parse(sent.data.paymentDate) - Date.now()) < 5_000);
  });
});
