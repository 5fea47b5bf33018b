// The hosted page's first paint (issue #9, "time to voucher visible"): the edge draws a
// pending voucher into the page's HTML, so the HTML alone — no script, no wasm — is a
// voucher a cashier can scan at 360 px (zbar at DPR 1 and 3). Only a valid secret of a
// pending voucher gets one; the copy kept for offline visits never does. With scripts on,
// the widget takes over from it with no frame in which no barcode shows, and the drawn
// copy is hidden once the widget has drawn, and removed once it said so (vale:ready).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, zbar } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { efectyOrder, peOrder } from '../support/vale.mjs';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

const edge = useEdge();
const merchant = edge.api();
const shopper = useShopper();

const bare = (s) => s.replace(/[^0-9A-Za-z]/g, '');
const page = async (url, headers = {}) => (await fetch(url, { headers })).text();

for (const [network, order] of [['efecty', efectyOrder], ['pagoefectivo', peOrder]]) {
  for (const dpr of [1, 3]) {
    test(`${network}: with no script at all, the hosted page at 360 px is a voucher zbar reads (DPR ${dpr})`,
      { timeout: 60_000 }, async () => {
        const created = await merchant.post('/v1/vouchers', order());
        assert.equal(created.status, 201, created.text);
        const voucher = created.json;
        const context = await shopper.newContext({
          viewport: { width: 360, height: 740 }, deviceScaleFactor: dpr, isMobile: true, javaScriptEnabled: false,
        });
        try {
          const tab = await context.newPage();
          await tab.goto(voucher.hosted_url);
          const first = tab.locator('vale-voucher > .vale-first');
          const text = await first.innerText();
          assert.ok(bare(text).includes(bare(voucher.payment_code)), text);
          assert.match(text, /Paga antes del .+ \(hora de (Colombia|Perú)\)/);
          assert.match(text, /Tienda Local · Pedido/);
          assert.match(text, /Prueba: no pagues este código\./);
          const width = await tab.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= 360, `the page is ${width} px wide`);
          const shot = artifact(`first-paint-${network}-dpr${dpr}.png`);
          // The whole page: on a 1× screen the bars are drawn two pixels a module, and a
          // turned GS1-128 is then taller than the window.
          await tab.screenshot({ path: shot, fullPage: true });
          const decoded = zbar(shot);
          assert.ok(decoded.some((line) => bare(line).includes(bare(voucher.barcode.data))),
            `zbar read ${JSON.stringify(decoded)} from ${shot}, expected ${voucher.barcode.data}`);
        } finally {
          await context.close();
        }
      });
  }
}

/** Pages of a PDF, by poppler's pdfinfo. */
const pages = (pdf) => Number(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }).match(/^Pages:\s+(\d+)/m)[1]);

/** The first page of a PDF as a PNG at `dpi` (poppler's pdftoppm), as a printer would. */
function rasterize(pdf, dpi) {
  const prefix = pdf.replace(/\.pdf$/, `-${dpi}dpi`);
  execFileSync('pdftoppm', ['-r', String(dpi), '-png', '-f', '1', '-l', '1', pdf, prefix]);
  const png = readdirSync(dirname(pdf)).find((f) => f.startsWith(`${basename(prefix)}-`) && f.endsWith('.png'));
  return join(dirname(pdf), png);
}

// Regression (issue #21, item 4): printed before any script ran (the edge's copy alone),
// PagoEfectivo's voucher spilled onto a second A4 page. Paper is what a shopper without
// a working phone takes to the counter, so the edge's copy prints as the widget's does:
// one page on A4 and on a 58 mm roll, a barcode that scans at 300 dpi, the code in text.
for (const [network, order] of [['efecty', efectyOrder], ['pagoefectivo', peOrder]]) {
  for (const [paper, format] of [['A4', { format: 'A4' }], ['58mm', { width: '58mm', height: '400mm' }]]) {
    test(`${network}: the edge's copy alone prints on ${paper}, one page, and the barcode scans at 300 dpi`,
      { timeout: 60_000 }, async () => {
        const created = await merchant.post('/v1/vouchers', order());
        assert.equal(created.status, 201, created.text);
        const voucher = created.json;
        const context = await shopper.newContext({
          viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, javaScriptEnabled: false,
        });
        try {
          const tab = await context.newPage();
          await tab.goto(voucher.hosted_url);
          await tab.locator('vale-voucher > .vale-first svg').first().waitFor();
          const pdf = artifact(`first-paint-print-${network}-${paper}.pdf`);
          await tab.pdf({ path: pdf, printBackground: true, ...format });
          assert.equal(pages(pdf), 1, `${pdf} has more than one page`);
          const png = rasterize(pdf, 300);
          const decoded = zbar(png);
          assert.ok(decoded.some((line) => bare(line).includes(bare(voucher.barcode.data))),
            `zbar read ${JSON.stringify(decoded)} from ${png}, expected ${voucher.barcode.data}`);
          const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
          assert.ok(bare(text).includes(voucher.payment_code), text);
        } finally {
          await context.close();
        }
      });
  }
}

test('only a valid secret of a pending voucher gets one; the offline shell never does', async () => {
  const created = (await merchant.post('/v1/vouchers', efectyOrder())).json;
  const url = new URL(created.hosted_url);
  const drawn = await page(url);
  assert.ok(drawn.includes('class="vale-first"'));
  assert.ok(drawn.includes(`<vale-voucher voucher="${created.id}"`));

  const shell = await page(url, { 'X-Vale-Shell': '1' });
  assert.ok(!shell.includes('vale-first'), 'the shell has no voucher in it');
  assert.ok(!shell.includes(created.payment_code));

  const forged = new URL(url);
  forged.searchParams.set('cs', `${created.id}_secret_${'0'.repeat(26)}`);
  const refused = await page(forged);
  assert.ok(!refused.includes('vale-first') && !refused.includes(created.payment_code));

  const other = (await merchant.post('/v1/vouchers', efectyOrder())).json;
  const mixed = new URL(url);
  mixed.searchParams.set('cs', other.client_secret);
  assert.ok(!(await page(mixed)).includes(created.payment_code), "another voucher's secret draws nothing");

  assert.equal((await merchant.post(`/v1/sandbox/vouchers/${created.id}/pay`)).status, 200);
  const paid = await page(url);
  assert.ok(!paid.includes('vale-first'), 'a paid voucher is left to the widget to word');
  assert.ok(!paid.includes(created.payment_code));

  const response = await fetch(url);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.match(response.headers.get('content-type'), /^text\/html/);
});

test('the widget takes over with no frame without a barcode, then the drawn copy goes', { timeout: 60_000 }, async () => {
  const created = (await merchant.post('/v1/vouchers', peOrder())).json;
  const context = await shopper.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  try {
    const tab = await context.newPage();
    await tab.addInitScript(() => {
      window.frames_ = { seen: false, gaps: 0, widget: false };
      const check = () => {
        const first = document.querySelector('.vale-first svg');
        const shown = first && first.getClientRects().length > 0;
        const own = document.querySelector('vale-voucher')?.shadowRoot?.querySelector('.barcode-scroll svg');
        if (shown || own) window.frames_.seen = true;
        else if (window.frames_.seen) window.frames_.gaps += 1;
        window.frames_.widget = Boolean(own);
        if (!own) requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    await tab.goto(created.hosted_url);
    await tab.waitForFunction(() => window.frames_.widget, null, { timeout: 30_000 });
    const frames = await tab.evaluate(() => window.frames_);
    assert.equal(frames.gaps, 0, 'a frame with no barcode between the first paint and the widget');
    const hidden = await tab.evaluate(() => document.querySelector('.vale-first')?.getClientRects().length ?? 0);
    assert.equal(hidden, 0, 'the drawn copy is hidden once the widget drew');
    // And gone once the widget said it showed the voucher: one copy in the page.
    await tab.waitForFunction(() => document.querySelector('.vale-first') === null, null, { timeout: 10_000 });
    await tab.screenshot({ path: artifact('first-paint-taken-over.png') });
  } finally {
    await context.close();
  }
});
