// Settlement files written here, independently of Vale's Rust writers, and the calls the
// settlement tests share: an Asobancaria 2001 Efecty file, a PagoEfectivo CSV, posting a
// file, waiting for a large one to be reconciled, and Efecty notifications that carry a
// chosen authorization.
import assert from 'node:assert/strict';
import { postEfecty } from './vale.mjs';

/** Today in Bogotá and Lima (UTC−05:00), `YYYY-MM-DD`. */
export const today = () => new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
/** Now in UTC−05:00, RFC 3339 to the second. */
export const lima = () => `${new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 19)}-05:00`;
export const pad = (value, width, fill = '0') => String(value).padStart(width, fill).slice(-width);
const right = (value, width) => String(value).padEnd(width, ' ').slice(0, width);

/**
 * An Asobancaria 2001 file: 01, 05, 06…, 08, 09, 162 characters a record. A detail's
 * `authorization` is written as given, zero-padded to six (a blank one as six spaces).
 */
export function asobancaria(details, { date = today().replaceAll('-', ''), total, count } = {}) {
  const sum = details.reduce((s, d) => s + d.amount, 0);
  const authorization = (a) => (a === '' ? ' '.repeat(6) : pad(a, 6));
  const records = [
    `01${pad('900123456', 10)}${date}007${right('12345678901234567', 17)}${date}1200A01${' '.repeat(107)}`,
    `05${right('7709998000018', 13)}0001${' '.repeat(143)}`,
    ...details.map((d, i) => `06${pad(d.reference, 48)}${pad(d.amount, 14)}0101${pad(d.operation ?? i + 1, 6)}`
      + `${authorization(d.authorization)}0070001${pad(i + 1, 7)}000${' '.repeat(65)}`),
    `08${pad(count ?? details.length, 9)}${pad(total ?? sum, 18)}0001${' '.repeat(129)}`,
    `09${pad(count ?? details.length, 9)}${pad(total ?? sum, 18)}${' '.repeat(133)}`,
  ];
  for (const r of records) assert.equal(r.length, 162, r.slice(0, 2));
  return `${records.join('\r\n')}\r\n`;
}

/** A PagoEfectivo settlement CSV: `{cip, amount (decimal text), paid_at, operation}` rows. */
export function peCsv(rows) {
  const lines = rows.map((r) => `${r.cip},${r.amount ?? '25.00'},PEN,${r.paid_at ?? lima()},${r.operation}`);
  return `cip,amount,currency,paid_at,operation_number\r\n${lines.join('\r\n')}\r\n`;
}

/** `POST /v1/settlements?network=` with the test key. */
export const settle = (base, network, body) => fetch(`${base}/v1/settlements?network=${network}`, {
  method: 'POST', headers: { authorization: 'Bearer sk_test_local', 'content-type': 'text/plain' }, body,
}).then(async (r) => ({ status: r.status, json: await r.json() }));

/** Polls `GET /v1/settlements/{id}` until it is reconciled (at most `ms`). */
export async function reconciled(base, id, ms = 120_000) {
  for (const stop = Date.now() + ms; Date.now() < stop;) {
    const r = await fetch(`${base}/v1/settlements/${id}`, { headers: { authorization: 'Bearer sk_test_local' } });
    const s = await r.json();
    if (s.status === 'reconciled') return s;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`settlement ${id} not reconciled within ${ms} ms`);
}

/** Efecty's notification of a payment of `code` with this `authorization`. */
export function efectyPaid(base, { code, amount = 5_000_000, authorization, paidAt = new Date().toISOString() }) {
  const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_code: code, amount, currency: 'COP',
    paid_at: paidAt, agent_id: 'efecty-bog-1', authorization } });
  return postEfecty(base, body);
}

/** Runs `make(i)` for i < n, 40 at a time. */
export async function many(n, make) {
  const out = [];
  for (let i = 0; i < n; i += 40) {
    out.push(...await Promise.all([...Array(Math.min(40, n - i))].map((_, j) => make(i + j))));
  }
  return out;
}
