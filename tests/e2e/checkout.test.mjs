// The whole story a shopper lives: demo store → voucher with a barcode that scans → the
// network reports the payment (sandbox) → the widget flips to paid by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, recordEvents, eventDetail, zbar } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

const CASES = [
  // Efecty is paid the way a person tries the demo (its button); PagoEfectivo the way a
  // merchant's test suite would (the sandbox API with the secret key).
  { network: 'efecty', label: 'Efecty', shown: '$ 38.000', intl: ['es-CO', 'COP', 38000], via: 'button' },
  { network: 'pagoefectivo', label: 'PagoEfectivo', shown: 'S/ 39.90', intl: ['es-PE', 'PEN', 39.9], via: 'api' },
];

for (const c of CASES) {
  test(`${c.label}: checkout, scan, pay in the sandbox, the widget shows paid`, { timeout: 120_000 }, async () => {
    const page = await shopper.newPage({ viewport: { width: 390, height: 1200 } });
    try {
      const problems = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));

      await recordEvents(page);
      await page.goto(`${edge.base}/`);
      await page.locator(`input[name=network][value=${c.network}]`).check();
      await page.getByRole('button', { name: 'Generar código de pago' }).click();

      const widget = page.locator('vale-voucher');
      await widget.waitFor();
      const id = await widget.getAttribute('voucher');
      assert.match(id, /^vch_/);

      // The amount, formatted in Rust, equals what the browser's own Intl prints.
      const [locale, currency, major] = c.intl;
      const intl = await page.evaluate(([l, cur, v]) =>
        new Intl.NumberFormat(l, { style: 'currency', currency: cur }).format(v), [locale, currency, major]);
      assert.equal(intl.replace(/\u00a0/g, ' '), c.shown);
      await widget.getByText(intl, { exact: false }).first().waitFor({ timeout: 20_000 });

      const { json: voucher } = await merchant.get(`/v1/vouchers/${id}`);
      assert.equal(voucher.status, 'pending');
      assert.equal(voucher.network, c.network);

      // The barcode scans, and says what the API says it encodes: from the page, or, where
      // the bars cannot be whole pixels across the screen and the page shows a preview
      // (Efecty's GS1-128 at 390 px, issue #14), from the full-screen cashier view.
      const svg = widget.locator('figure.barcode .barcode-scroll svg');
      await svg.waitFor();
      const shot = artifact(`${c.network}-barcode.png`);
      if (await widget.locator('.barcode-scroll svg.preview').count()) {
        await widget.getByRole('button', { name: 'Mostrar al cajero' }).click();
        await widget.locator('.cashier').screenshot({ path: shot });
        await page.keyboard.press('Escape');
        await widget.locator('.cashier').waitFor({ state: 'detached' });
      } else {
        await svg.screenshot({ path: shot });
      }
      const decoded = zbar(shot);
      assert.ok(decoded.length > 0, `zbar could not read the ${c.network} barcode`);
      const digits = (s) => s.replace(/[^0-9A-Za-z]/g, '');
      assert.ok(
        decoded.some((line) => digits(line).includes(digits(voucher.barcode.data))),
        `decoded ${JSON.stringify(decoded)} vs ${voucher.barcode.data}`,
      );
      await page.screenshot({ path: artifact(`${c.network}-voucher.png`), fullPage: true });

      // The network pays (sandbox sends its own signed notification through the real route).
      if (c.via === 'button') {
        await page.getByRole('button', { name: 'Simular el pago en efectivo' }).click();
      } else {
        const pay = await merchant.post(`/v1/sandbox/vouchers/${id}/pay`);
        assert.equal(pay.status, 200, pay.text);
        assert.equal(pay.json.status, 'paid');
      }

      assert.deepEqual(await eventDetail(page, 'vale:paid'), { voucher: id, status: 'paid' });
      await page.locator('#order-status[data-state=paid]').waitFor();
      await widget.getByText('Pago recibido', { exact: false }).first().waitFor();
      await page.screenshot({ path: artifact(`${c.network}-paid.png`), fullPage: true });
      const after = await merchant.get(`/v1/vouchers/${id}`);
      assert.equal(after.json.status, 'paid');
      assert.ok(after.json.paid_at, 'paid_at is set');
      assert.deepEqual(await eventDetail(page, 'vale:ready'), { voucher: id, status: 'pending' });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
}

test('the hosted page shows the same voucher from its link alone', { timeout: 60_000 }, async () => {
  const created = (await merchant.post('/v1/vouchers', {
    network: 'pagoefectivo', amount: 2550, currency: 'PEN', reference: 'hosted-1',
  })).json;
  assert.match(created.hosted_url, /\/v\/vch_.+\?cs=/);
  const page = await shopper.newPage({ viewport: { width: 390, height: 1100 } });
  await page.goto(created.hosted_url);
  const widget = page.locator('vale-voucher');
  await widget.getByText('S/\u00a025.50', { exact: false }).first().waitFor({ timeout: 20_000 });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: artifact('hosted-print.png'), fullPage: true });
  await page.close();
});
