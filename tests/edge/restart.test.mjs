// The edge restarted in the middle of work, on the same storage: idempotency keys replay
// their first answer even though the limits moved, a notification seen before is still a
// duplicate, and a voucher whose window ended while the edge was down expires by itself
// (its alarm, or the cron's sweep that wakes overdue objects) with no request touching it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdge } from '../support/edge.mjs';
import { EFECTY_SECRET, PE_SECRET, api, peBody, peOrder, postPe } from '../support/vale.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const merchants = (limits) => JSON.stringify([{
  id: 'mer_local', name: 'Tienda Local',
  keys: [{ sha256: sha256('sk_test_local'), mode: 'test', role: 'secret' }],
  test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET }, limits,
}]);

const persist = mkdtempSync(join(tmpdir(), 'vale-restart-'));
let edge;
// The store's webhook receiver. It accepts (answers 200 to) the first ACCEPTED deliveries
// at each path, then holds every later one open without an answer, as a store that hangs
// would: those are in flight when the edge stops, and a delivery counts only once its 2xx
// came back. After the restart it accepts everything.
const ACCEPTED = 20;
const accepted = [];
const held = [];
let holding = true;
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const delivery = { path: req.url, id: req.headers['webhook-id'], voucher: JSON.parse(Buffer.concat(chunks)).data.id };
    if (holding && accepted.filter((a) => a.path === req.url).length >= ACCEPTED) {
      held.push(delivery);
      return;
    }
    accepted.push(delivery);
    res.writeHead(200).end();
  });
});
after(async () => {
  await edge?.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(persist, { recursive: true, force: true });
});

test('after a restart: keys replay, duplicates stay duplicates, overdue vouchers expire by themselves', { timeout: 180_000 }, async () => {
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  edge = await startEdge({ persist, vars: { MERCHANTS: merchants({}) } });
  let merchant = api(edge.base);
  for (const path of ['/a', '/b']) {
    const hook = await merchant.post('/v1/webhook_endpoints',
      { url: `http://127.0.0.1:${receiver.address().port}${path}`, events: ['voucher.paid'] });
    assert.equal(hook.status, 201, hook.text);
  }
  const key = `restart-${Date.now()}`;
  const order = peOrder();
  const first = await merchant.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
  assert.equal(first.status, 201, first.text);

  const customer = { name: 'Ana Pérez', email: 'ana.pii@example.pe', phone: '+51987654321',
    document_type: 'DNI', document_number: '44556677' };
  const paid = (await merchant.post('/v1/vouchers', peOrder({ customer }))).json;
  const payment = peBody({ cip: paid.payment_code, operation: `restart-op-${Date.now()}` });
  assert.equal((await postPe(edge.base, payment)).status, 200);

  // Due 20 s from now: its window ends while the edge is down.
  const due = (await merchant.post('/v1/vouchers', peOrder({ expires_at: new Date(Date.now() + 20 * 60_000).toISOString() }))).json;
  const lead = 20;
  const moved = await merchant.post(`/v1/sandbox/vouchers/${due.id}/advance`, { seconds: 80 * 60 - lead });
  assert.equal(moved.json.status, 'pending');
  const dueAt = Date.now() + lead * 1000;
  // 200 payments at once, and the edge stopped right after: deliveries are still pending.
  const batch = [];
  for (let i = 0; i < 200; i += 40) {
    batch.push(...await Promise.all([...Array(40)].map(() => merchant.post('/v1/vouchers', peOrder()).then((r) => r.json))));
  }
  await Promise.all(batch.map((v) => merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`)));
  // Stop once the first 20 per endpoint are recorded as delivered (their 2xx came back)
  // and later ones hang in flight: a hard stop in the middle of a delivery pass.
  const delivered = async () => {
    let sum = 0;
    let after = '';
    for (let page = 0; page < 10; page++) {
      const list = (await merchant.get(`/v1/events?type=voucher.paid&limit=100${after}`)).json;
      sum += list.data.reduce((n, e) => n + 2 - e.pending_webhooks, 0);
      if (!list.has_more) break;
      after = `&starting_after=${list.data.at(-1).id}`;
    }
    return sum;
  };
  for (const stop = Date.now() + 30_000; Date.now() < stop;) {
    if (held.length > 0 && await delivered() >= 2 * ACCEPTED) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(await delivered(), 2 * ACCEPTED, 'the accepted deliveries are recorded before the stop');
  assert.ok(held.length > 0, 'deliveries were in flight at the stop');
  await edge.stop();
  holding = false;
  const inFlight = held.length;

  // Regression: the index kept each voucher's whole JSON, customer and client secret
  // included. Its files (all of them: database and write-ahead log) hold ids, not PII.
  const files = (folder) => readdirSync(folder).map((f) => readFileSync(join(folder, f)).toString('latin1')).join('');
  const index = files(join(persist, 'v3', 'do', 'vale-edge-Ledger'));
  assert.ok(index.includes(paid.id), 'the index files were found and hold the voucher ids');
  for (const secret of [customer.email, customer.phone, customer.document_number, 'Ana', '_secret_']) {
    assert.ok(!index.includes(secret), `the index holds ${secret}`);
  }
  assert.ok(files(join(persist, 'v3', 'do', 'vale-edge-VoucherObject')).includes(customer.email),
    'the voucher object does hold it (so the search above can find such text)');

  // Past the due time and the sweep's 10 s grace, with the edge down.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt + 11_000 - Date.now())));
  // The limits moved: PEN 25.00 is now over the maximum.
  edge = await startEdge({ persist, vars: { MERCHANTS: merchants({ pagoefectivo: { PEN: { min: 100, max: 2000 } } }) } });
  merchant = api(edge.base);

  const replay = await merchant.post('/v1/vouchers', order, { headers: { 'idempotency-key': key } });
  assert.equal(replay.status, 201, replay.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.text, first.text);
  assert.equal((await merchant.post('/v1/vouchers', peOrder())).status, 400, 'the new limits hold for new creates');

  const again = await postPe(edge.base, payment);
  assert.equal(again.status, 200);
  assert.equal(again.json.duplicate, true);

  // Nothing reads `due` itself: the index says expired only once its object woke up.
  await edge.scheduled();
  const expired = async () =>
    (await merchant.get(`/v1/vouchers?reference=${due.reference}&status=expired`)).json.data.map((v) => v.id);
  let ids = [];
  for (const stop = Date.now() + 15_000; Date.now() < stop && ids.length === 0;) {
    ids = await expired();
    if (ids.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(ids, [due.id]);

  // The expiry during the restart is one event (the payments' events are checked by their
  // deliveries below).
  const expiries = async () => (await merchant.get('/v1/events?type=voucher.expired&limit=100')).json.data
    .filter((e) => e.data.id === due.id);
  let seen = [];
  for (const stop = Date.now() + 15_000; Date.now() < stop && seen.length === 0;) {
    seen = await expiries();
    if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(seen.length, 1);

  // Every payment reached both endpoints exactly once across the restart: the 20 accepted
  // before it are not sent again, and those that hung in flight (never acknowledged) are.
  // (Delivery is at least once: a 2xx that the store sent in the very instant of a hard
  // stop is not recorded, and that one delivery comes again with the same webhook-id.)
  const wanted = new Set([paid.id, ...batch.map((v) => v.id)]);
  const at = (path) => accepted.filter((r) => r.path === path);
  for (const stop = Date.now() + 60_000; Date.now() < stop;) {
    if (at('/a').length >= wanted.size && at('/b').length >= wanted.size) break;
    await edge.scheduled();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Room for a stray extra delivery to show up before saying there is none.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const path of ['/a', '/b']) {
    assert.deepEqual(new Set(at(path).map((r) => r.voucher)), wanted, `${path}: ${inFlight} were in flight at the stop`);
    const ids = at(path).map((r) => r.id);
    assert.equal(ids.length, wanted.size, `${path}: exactly one delivery per event`);
    assert.equal(new Set(ids).size, wanted.size, `${path}: one webhook-id per event`);
  }
  assert.equal(await delivered(), 2 * wanted.size, 'no delivery is pending');
});
