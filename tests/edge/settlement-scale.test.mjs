// A large settlement file against workerd (issue #19, review L8): 30,000 Efecty lines,
// near the contract's 5 MiB. 1,000 vouchers, more than one run may ask (RUN_BUDGET in
// edge/src/objects/settlement_job/object.rs, under Cloudflare's subrequest limits), so the job needs
// several runs; each payment is listed twenty times, with its authorization or blank,
// spread over the file, so every voucher decides its twenty lines in one command; and
// 10,000 lines carry codes nobody has. (A voucher per line would be 30,000 creates: minutes
// on a shared test machine, for nothing the batches do differently.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEdge } from '../support/fixtures.mjs';
import { efectyOrder } from '../support/vale.mjs';
import { asobancaria, many, pad, reconciled, settle } from '../support/settlement.mjs';

const edge = useEdge({ reports: true });
const merchant = edge.api();

const VOUCHERS = 1_000;
const LISTINGS = 20;
const UNKNOWN = 10_000;

test('Regression (review L8): a 30,000-line Efecty file reconciles in bounded runs', { timeout: 600_000 }, async (t) => {
  let started = performance.now();
  const vouchers = await many(VOUCHERS, async () => {
    const r = await merchant.post('/v1/vouchers', efectyOrder());
    assert.equal(r.status, 201, r.text);
    return r.json;
  });
  t.diagnostic(`${VOUCHERS} vouchers created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const details = [];
  for (let k = 0; k < LISTINGS; k += 1) {
    vouchers.forEach((v, i) => details.push({ reference: v.payment_code, amount: v.amount,
      authorization: k % 3 === 2 ? '' : pad(i + 1, 6) }));
    for (let u = 0; u < UNKNOWN / LISTINGS; u += 1) {
      details.push({ reference: `7${pad(k * 1000 + u, 11)}`, amount: 5_000_000, authorization: pad(u + 1, 6) });
    }
  }
  assert.equal(details.length, 30_000);
  const file = asobancaria(details);
  assert.ok(Buffer.byteLength(file) <= 5 * 1024 * 1024, `${Buffer.byteLength(file)} bytes`);

  started = performance.now();
  const first = await settle(edge.base, 'efecty', file);
  t.diagnostic(`POST answered ${first.status} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(first.status, 202, JSON.stringify(first.json));
  assert.equal(first.json.status, 'processing');
  assert.equal(first.json.lines, 30_000);
  const s = await reconciled(edge.base, first.json.id, 480_000);
  t.diagnostic(`30,000 lines reconciled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(s.status, 'reconciled');
  assert.deepEqual(Object.fromEntries(Object.entries(s.counts).filter(([, n]) => n > 0)),
    { paid_without_notification: VOUCHERS, duplicate: VOUCHERS * (LISTINGS - 1), unknown_reference: UNKNOWN });

  // Every voucher paid once, whatever the order its ten lines had in the file.
  for (const v of [vouchers[0], vouchers[VOUCHERS / 2], vouchers[VOUCHERS - 1]]) {
    const after = (await merchant.get(`/v1/vouchers/${v.id}`)).json;
    assert.equal(after.status, 'paid', v.id);
    assert.deepEqual(after.unexpected_payments ?? [], []);
  }
  const paid = (await merchant.get(`/v1/settlements/${s.id}/lines?category=paid_without_notification`)).json.data;
  assert.equal(paid.length, VOUCHERS);
  assert.equal(new Set(paid.map((l) => l.voucher)).size, VOUCHERS);

  // The same file again is the same settlement, and changes nothing.
  const again = await settle(edge.base, 'efecty', file);
  assert.equal(again.status, 200);
  assert.equal(again.json.id, s.id);
  assert.deepEqual(again.json.counts, s.counts);
});
