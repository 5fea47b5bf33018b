// Past its deadline a voucher stays `pending` while the network may still confirm a
// payment made in time (PagoEfectivo 1 h, Efecty 12 h). The widget must say so, keep
// asking, and call it expired only when the server does.
//
// The edge's answers are rewritten on their way to the page (Playwright routing) to be
// those of the confirmation window: nothing else can move the edge's clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, recordEvents } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { peOrder } from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

/** RFC 3339 in −05:00, to the second, as the API writes it. */
const lima = (ms) => `${new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;

test('past the deadline: "confirmando tu pago", no barcode, no vale:expired until the server says expired',
  { timeout: 60_000 }, async () => {
    const { json: voucher } = await merchant.post('/v1/vouchers', peOrder());
    assert.equal(voucher.status, 'pending');
    const page = await shopper.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
    try {
      await recordEvents(page);
      // Ten minutes after the deadline by the server's clock; the edge's status as it is,
      // or `expired` once the test says the window closed.
      let serverStatus = null;
      let answers = 0;
      await page.route(`${edge.base}/v1/vouchers/${voucher.id}`, async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        answers += 1;
        body.server_time = lima(Date.parse(body.expires_at) + 10 * 60_000);
        if (serverStatus) body.status = serverStatus;
        await route.fulfill({ response, json: body });
      });
      await page.goto(voucher.hosted_url);
      const widget = page.locator('vale-voucher');
      const title = widget.locator('.outcome.waiting .title');
      await title.waitFor({ timeout: 20_000 });
      assert.equal(await title.textContent(), 'El plazo para pagar venció');
      const body = await widget.locator('.outcome.waiting').textContent();
      assert.match(body, /Si ya pagaste, estamos confirmando tu pago; esta página se actualizará sola\./);
      assert.match(body, /no lo hagas ahora/);
      assert.equal(await widget.locator('figure.barcode').count(), 0, 'nothing to scan');
      await widget.screenshot({ path: artifact('confirming.png') });

      // Asked again (a return to the tab asks at once): still pending, still no expiry.
      const asked = answers;
      await page.evaluate(() => window.dispatchEvent(new Event('visibilitychange')));
      await waitUntil(() => answers > asked);
      await widget.locator('.outcome.waiting').waitFor();
      let names = await page.evaluate(() => window.valeEvents.map((e) => e.name));
      assert.deepEqual(names, ['vale:ready']);

      // The window closes: the server says expired, and only now does the page hear it.
      serverStatus = 'expired';
      await page.evaluate(() => window.dispatchEvent(new Event('visibilitychange')));
      const expired = await page.waitForFunction(
        () => window.valeEvents.find((e) => e.name === 'vale:expired')?.detail, null, { timeout: 10_000 });
      assert.deepEqual(await expired.jsonValue(), { voucher: voucher.id, status: 'expired' });
      await widget.locator('.outcome.closed .title').filter({ hasText: 'Este código venció' })
        .waitFor({ timeout: 5_000 });
      names = await page.evaluate(() => window.valeEvents.map((e) => e.name));
      assert.deepEqual(names, ['vale:ready', 'vale:expired']);
    } finally {
      await page.close();
    }
  });

/** Polls `condition` every 50 ms for at most `ms`. */
async function waitUntil(condition, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
