// Issue #14: on a 360×740 phone the shopper meets amount → code → barcode → deadline →
// actions, with the deadline on the first screen; every state is kept as a screenshot at
// that size (tests/artifacts/phone-360-*.png) for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { efectyOrder, peOrder } from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const lima = (ms) => `${new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;

/** Rewrites the edge's answers on their way to the page. */
const rewrite = (page, voucher, change) => page.route(`${edge.base}/v1/vouchers/${voucher.id}`, async (route) => {
  const response = await route.fetch();
  const body = await response.json();
  change(body);
  await route.fulfill({ response, json: body });
});

for (const [network, order] of [['efecty', efectyOrder], ['pagoefectivo', peOrder]]) {
  test(`${network}: at 360×740 the deadline is on the first screen, after the code and the barcode`,
    { timeout: 60_000 }, async () => {
      const created = await merchant.post('/v1/vouchers', order());
      assert.equal(created.status, 201, created.text);
      const context = await shopper.newContext(PHONE);
      try {
        const page = await context.newPage();
        await page.goto(created.json.hosted_url);
        const widget = page.locator('vale-voucher');
        await widget.locator('.barcode-scroll svg').waitFor({ timeout: 30_000 });
        const tops = await widget.evaluate((host) => {
          const top = (sel) => {
            const e = host.shadowRoot.querySelector(sel);
            return e ? e.getBoundingClientRect().top + window.scrollY : null;
          };
          return {
            amount: top('.amount'), code: top('.code'), barcode: top('figure.barcode'),
            deadline: top('.deadline-text'), actions: top('.actions'),
          };
        });
        await page.screenshot({ path: artifact(`phone-360-${network}-pending.png`) });
        assert.ok(tops.deadline !== null && tops.deadline < 740 - 24,
          `the deadline starts at ${tops.deadline} px: ${JSON.stringify(tops)}`);
        assert.ok(tops.amount < tops.code && tops.code < tops.barcode && tops.barcode < tops.deadline
          && tops.deadline < tops.actions, `order: ${JSON.stringify(tops)}`);
      } finally {
        await context.close();
      }
    });
}

test('every state at 360×740, kept as screenshots', { timeout: 180_000 }, async () => {
  const states = [
    ['confirming', '.outcome.waiting',
      (b) => { b.server_time = lima(Date.parse(b.expires_at) + 10 * 60_000); }],
    ['paid', '.outcome.paid', (b) => { b.status = 'paid'; b.paid_at = b.server_time; }],
    ['expired', '.outcome.closed', (b) => {
      b.status = 'expired'; b.expired_at = b.server_time; b.return_url = 'https://tienda.example/pedido';
    }],
    ['cancelled', '.outcome.closed', (b) => { b.status = 'cancelled'; b.cancelled_at = b.server_time; }],
    ['invalid-link', '.outcome.problem', null],
  ];
  for (const [network, order] of [['efecty', efectyOrder], ['pagoefectivo', peOrder]]) {
    for (const [name, selector, change] of states) {
      const created = await merchant.post('/v1/vouchers', order());
      assert.equal(created.status, 201, created.text);
      const voucher = created.json;
      const context = await shopper.newContext(PHONE);
      try {
        const page = await context.newPage();
        if (change) await rewrite(page, voucher, change);
        const url = new URL(voucher.hosted_url);
        if (!change) url.searchParams.set('cs', `${voucher.id}_secret_wrong`);
        await page.goto(url.href);
        await page.locator(`vale-voucher ${selector}`).waitFor({ timeout: 30_000 });
        await page.screenshot({ path: artifact(`phone-360-${network}-${name}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    }
  }
});
