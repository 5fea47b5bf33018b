// Settlements against workerd, with files written here (independently of Vale's Rust
// writers): a 500-line Efecty Asobancaria 2001 file (matched lines, one amount mismatch,
// one unknown reference, one pending voucher it pays, one duplicate line, and a voucher
// paid today that the file leaves out), the same file twice, its lines as CSV, a
// PagoEfectivo CSV with a BOM, CRLF, quotes and shuffled columns, files that fail their
// own checks, and the sandbox's file for the day.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useEdge } from '../support/fixtures.mjs';
import { createHash } from 'node:crypto';
import { EFECTY_SECRET, PE_SECRET, efectyOrder, peBody, peOrder, postEfecty, postPe } from '../support/vale.mjs';

// The local merchant, with a settlement grace of 0 days so today's digest flags today's.
const merchants = JSON.stringify([{ id: 'mer_local', name: 'Tienda Local',
  keys: [{ sha256: createHash('sha256').update('sk_test_local').digest('hex'), mode: 'test', role: 'secret' }],
  test: { pagoefectivo_secret: PE_SECRET, efecty_secret: EFECTY_SECRET }, settlement_grace_days: 0 }]);
const edge = useEdge({ reports: true, vars: { MERCHANTS: merchants } });
const merchant = edge.api();
let receiver;
const received = [];
before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await edge.ready();
  const hook = await merchant.post('/v1/webhook_endpoints',
    { url: `http://127.0.0.1:${receiver.address().port}/`, events: ['voucher.paid', 'settlement.reconciled'] });
  assert.equal(hook.status, 201, hook.text);
});
after(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

const today = () => new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
const pad = (value, width, fill = '0') => String(value).padStart(width, fill).slice(-width);
const right = (value, width) => String(value).padEnd(width, ' ').slice(0, width);

/** An Asobancaria 2001 file: 01, 05, 06…, 08, 09, 162 characters a record. */
function asobancaria(details, { date = today().replaceAll('-', ''), total, count } = {}) {
  const sum = details.reduce((s, d) => s + d.amount, 0);
  const records = [
    `01${pad('900123456', 10)}${date}007${right('12345678901234567', 17)}${date}1200A01${' '.repeat(107)}`,
    `05${right('7709998000018', 13)}0001${' '.repeat(143)}`,
    ...details.map((d, i) => `06${pad(d.reference, 48)}${pad(d.amount, 14)}0101${pad(d.operation, 6)}`
      + `${pad(d.authorization, 6)}0070001${pad(i + 1, 7)}000${' '.repeat(65)}`),
    `08${pad(count ?? details.length, 9)}${pad(total ?? sum, 18)}0001${' '.repeat(129)}`,
    `09${pad(count ?? details.length, 9)}${pad(total ?? sum, 18)}${' '.repeat(133)}`,
  ];
  for (const r of records) assert.equal(r.length, 162, r.slice(0, 2));
  return `${records.join('\r\n')}\r\n`;
}

const settle = (network, body) => fetch(`${edge.base}/v1/settlements?network=${network}`, {
  method: 'POST', headers: { authorization: 'Bearer sk_test_local', 'content-type': 'text/plain' }, body,
}).then(async (r) => ({ status: r.status, json: await r.json() }));

async function many(n, make) {
  const out = [];
  for (let i = 0; i < n; i += 40) {
    out.push(...await Promise.all([...Array(Math.min(40, n - i))].map((_, j) => make(i + j))));
  }
  return out;
}

describe('Efecty: an Asobancaria 2001 file', () => {
  test('500 lines: matched, a mismatch, an unknown code, a pending voucher paid, a duplicate, one left out', { timeout: 240_000 }, async (t) => {
    // 497 vouchers paid by notification (each its own authorization), one pending.
    const paid = await many(498, async (i) => {
      const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
      const authorization = pad(100000 + i, 6);
      const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_code: v.payment_code, amount: v.amount,
        currency: 'COP', paid_at: new Date().toISOString(), agent_id: 'efecty-bog-1', authorization } });
      const r = await postEfecty(edge.base, body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return { ...v, authorization };
    });
    const leftOut = paid.pop();
    const pending = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const details = paid.map((v, i) => ({ reference: v.payment_code, amount: v.amount, operation: i + 1, authorization: v.authorization }));
    details[0].amount += 100_000; // the amount mismatch
    details.push({ reference: '999999999999', amount: 5_000_000, operation: 900, authorization: '999999' }); // unknown
    details.push({ reference: pending.payment_code, amount: pending.amount, operation: 901, authorization: '777777' });
    details.push({ ...details[5] }); // a duplicate line
    assert.equal(details.length, 500);
    const file = asobancaria(details);

    const started = performance.now();
    const first = await settle('efecty', file);
    t.diagnostic(`500-line Efecty file reconciled in ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const s = first.json;
    assert.match(s.id, /^stl_/);
    assert.equal(s.lines, 500);
    assert.equal(s.file_date, today());
    assert.deepEqual(s.counts, { matched: 496, paid_without_notification: 1, amount_mismatch: 1,
      unknown_reference: 1, duplicate: 1, notified_not_settled: 1, late_payment: 0, unexpected_payment: 0 });

    const voucher = (await merchant.get(`/v1/vouchers/${pending.id}`)).json;
    assert.equal(voucher.status, 'paid', 'the line paid the pending voucher');
    const trail = (await merchant.get(`/v1/vouchers/${pending.id}/notifications`)).json.data;
    assert.equal(trail.length, 1);
    assert.equal(trail[0].message_id, `settlement:${s.id}`);

    // The same file again is the same settlement, and changes nothing.
    const again = await settle('efecty', file);
    assert.equal(again.status, 200);
    assert.equal(again.json.id, s.id);
    assert.deepEqual(again.json.counts, s.counts);
    // The Efecty notification for that payment, late: the same payment.
    const late = JSON.stringify({ type: 'payment.succeeded', data: { payment_code: pending.payment_code,
      amount: pending.amount, currency: 'COP', paid_at: new Date().toISOString(), agent_id: 'x', authorization: '777777' } });
    assert.equal((await postEfecty(edge.base, late)).json.duplicate, true);

    // One voucher.paid for the pending voucher, one settlement.reconciled.
    for (const stop = Date.now() + 20_000; Date.now() < stop;) {
      if (received.some((e) => e.type === 'settlement.reconciled' && e.data.id === s.id)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(received.filter((e) => e.type === 'voucher.paid' && e.data.id === pending.id).length, 1);
    assert.equal(received.filter((e) => e.type === 'settlement.reconciled' && e.data.id === s.id).length, 1);

    // Lines: JSON by category, and the whole as CSV.
    const mismatch = (await merchant.get(`/v1/settlements/${s.id}/lines?category=amount_mismatch`)).json.data;
    assert.deepEqual(mismatch.map((l) => [l.payment_code, l.amount, l.voucher_amount]),
      [[paid[0].payment_code, paid[0].amount + 100_000, paid[0].amount]]);
    const missing = (await merchant.get(`/v1/settlements/${s.id}/lines?category=notified_not_settled`)).json.data;
    assert.deepEqual(missing.map((l) => l.voucher), [leftOut.id]);
    const csv = await fetch(`${edge.base}/v1/settlements/${s.id}/lines`, {
      headers: { authorization: 'Bearer sk_test_local', accept: 'text/csv' } });
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const rows = (await csv.text()).trim().split('\n');
    assert.equal(rows[0], 'line,category,payment_code,voucher,amount,voucher_amount,operation,paid_at');
    assert.equal(rows.length, 1 + 501);
    const byCategory = {};
    for (const row of rows.slice(1)) byCategory[row.split(',')[1]] = (byCategory[row.split(',')[1]] ?? 0) + 1;
    assert.deepEqual(byCategory, Object.fromEntries(Object.entries(s.counts).filter(([, n]) => n > 0)));
    assert.equal((await merchant.get(`/v1/settlements/${s.id}`)).json.id, s.id);
    assert.ok((await merchant.get('/v1/settlements')).json.data.some((x) => x.id === s.id));
    // Unsettled: the one left out.
    const unsettled = (await merchant.get('/v1/settlements/unsettled?older_than_days=0')).json.data.map((u) => u.voucher);
    assert.ok(unsettled.includes(leftOut.id));
    assert.ok(!unsettled.includes(paid[3].id));
    // The cron's daily digest says the same, and names the settlement with mismatches.
    assert.equal((await merchant.get('/v1/settlements/digest')).json.day, null, 'no digest before the cron ran');
    await edge.scheduled();
    const digest = (await merchant.get('/v1/settlements/digest')).json;
    assert.equal(digest.day, today());
    assert.deepEqual(digest.unsettled.map((u) => u.voucher), [leftOut.id]);
    assert.deepEqual(digest.settlements_with_mismatches.map((x) => x.id), [s.id]);
  });

  test('a file that fails its own checks is a 400 naming the line, and changes nothing', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    const good = [{ reference: v.payment_code, amount: v.amount, operation: 1, authorization: '123123' }];
    const cases = [
      [asobancaria(good, { total: v.amount + 1 }), /line:[0-9]+/],
      [asobancaria(good, { count: 2 }), /line:[0-9]+/],
      [asobancaria(good).replace(pad(v.amount, 14), `${pad(v.amount, 13).slice(0, 12)}x0`), /line:3/],
      [asobancaria(good).split('\r\n').map((r, i) => (i === 2 ? r.slice(0, 60) : r)).join('\r\n'), /line:3/],
    ];
    for (const [file, line] of cases) {
      const r = await settle('efecty', file);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'settlement_invalid');
      assert.match(r.json.error.param, line);
    }
    assert.equal((await merchant.get(`/v1/vouchers/${v.id}`)).json.status, 'pending');
    assert.equal((await settle('nowhere', 'x')).status, 400);
  });
});

describe('PagoEfectivo: a CSV', () => {
  test('500 lines with a BOM, CRLF, quoted fields, columns in any order: every category', { timeout: 240_000 }, async (t) => {
    const lima = () => new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 19) + '-05:00';
    // Paid today by notification (497 listed, one left out), and one pending.
    const paid = await many(498, async (i) => {
      const v = (await merchant.post('/v1/vouchers', peOrder())).json;
      const operation = `op-${process.pid}-${i}`;
      const body = peBody({ cip: v.payment_code, operation }).replace('2026-11-25T10:30:00-05:00', lima());
      assert.equal((await postPe(edge.base, body)).status, 200);
      return { ...v, operation };
    });
    const leftOut = paid.pop();
    const pending = (await merchant.post('/v1/vouchers', peOrder())).json;
    const rows = [...paid, { ...pending, operation: 'op-pending-1' }].map((v) =>
      `"${v.operation}",PEN,"${v.payment_code}",${lima()},25.00`);
    rows[0] = rows[0].replace(/25\.00$/, '"24.00"'); // an amount that differs
    rows.push(rows[1]); // the same payment twice
    rows.push(`"op-nobody",PEN,"1234567",${lima()},25.00`); // a CIP nobody has
    assert.equal(rows.length, 500);
    const csv = `\uFEFFoperation_number,currency,cip,paid_at,amount\r\n${rows.join('\r\n')}\r\n`;
    const started = performance.now();
    const r = await settle('pagoefectivo', csv);
    t.diagnostic(`500-line PagoEfectivo CSV reconciled in ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(r.json.counts, { matched: 496, paid_without_notification: 1, amount_mismatch: 1,
      unknown_reference: 1, duplicate: 1, notified_not_settled: 1, late_payment: 0, unexpected_payment: 0 });
    const missing = (await merchant.get(`/v1/settlements/${r.json.id}/lines?category=notified_not_settled`)).json.data;
    assert.deepEqual(missing.map((l) => l.voucher), [leftOut.id]);
    assert.equal((await settle('pagoefectivo', csv)).json.id, r.json.id, 'the same file is the same settlement');
    assert.equal((await merchant.get(`/v1/vouchers/${pending.id}`)).json.status, 'paid');
    const bad = await settle('pagoefectivo', 'cip,amount\r\n123,25.00\r\n');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'line:1');
  });
});

describe('the sandbox writes the day\'s file', () => {
  test('what it writes reconciles as matched', async () => {
    const v = (await merchant.post('/v1/vouchers', efectyOrder())).json;
    await merchant.post(`/v1/sandbox/vouchers/${v.id}/pay`);
    const resp = await fetch(`${edge.base}/v1/sandbox/settlements/${today()}?network=efecty`,
      { headers: { authorization: 'Bearer sk_test_local' } });
    assert.equal(resp.status, 200);
    const file = await resp.text();
    assert.ok(file.split(/\r?\n/).filter(Boolean).every((r) => r.length === 162), 'fixed width');
    const r = await settle('efecty', file);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.counts.unknown_reference, 0);
    assert.equal(r.json.counts.amount_mismatch, 0);
    assert.ok(r.json.counts.matched >= 1);
    assert.equal(r.json.counts.notified_not_settled, 0);
  });
});
