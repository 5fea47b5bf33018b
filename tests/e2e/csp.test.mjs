// Issue #21: a store's Content-Security-Policy. A Python shop's usual policy broke the
// widget in misleading ways: without 'wasm-unsafe-eval' the shopper read "No pudimos
// cargar…" and the element reported `network`; without style-src 'unsafe-inline' it
// reported ready while showing an unstyled voucher, the CIP run together with a second
// copy of itself. Now the styles are adopted as a constructable stylesheet (no
// inline-style permission needed) and a refused policy is reported as `vale:error` with
// code `csp`. The policy the README states is the one tried here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { artifact, recordEvents, eventDetail } from '../support/browser.mjs';
import { useEdge, useShopper } from '../support/fixtures.mjs';
import { peOrder } from '../support/vale.mjs';

const edge = useEdge();
const merchant = edge.api();
const browser = useShopper();
let store;

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A store on another origin whose every page is sent with the policy in `?csp=`: the
 * README's snippet, nothing else of ours.
 */
function startStore(edgeBase) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://store.invalid');
    const policy = (url.searchParams.get('csp') ?? '').replaceAll('EDGE', edgeBase);
    const page = `<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tienda con CSP</title></head>
<body>
<h1>Gracias por tu pedido</h1>
<script type="module" src="${escape(edgeBase)}/widget/vale.js"></script>
<vale-voucher voucher="${escape(url.searchParams.get('voucher') ?? '')}" client-secret="${escape(url.searchParams.get('cs') ?? '')}"></vale-voucher>
</body></html>`;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': policy,
    });
    res.end(page);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        base: `http://127.0.0.1:${server.address().port}`,
        stop: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

before(async () => {
  await edge.ready();
  store = await startStore(edge.base);
});

after(async () => {
  await store?.stop();
});

/** The policy the README states for the embed, with a strict default and no inline styles. */
const README_POLICY =
  "default-src 'self'; script-src 'self' EDGE 'wasm-unsafe-eval'; connect-src 'self' EDGE; style-src 'self'";

async function visit(policy) {
  const created = await merchant.post('/v1/vouchers', peOrder());
  assert.equal(created.status, 201, created.text);
  const voucher = created.json;
  const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  await recordEvents(page);
  const violations = [];
  page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
  const url = new URL(store.base);
  url.searchParams.set('voucher', voucher.id);
  url.searchParams.set('cs', voucher.client_secret);
  url.searchParams.set('csp', policy);
  await page.goto(url.href);
  return { page, voucher, violations };
}

test("under the README's policy (no 'unsafe-inline' styles) the voucher is styled, once, and ready",
  { timeout: 90_000 }, async () => {
    const { page, voucher, violations } = await visit(README_POLICY);
    try {
      const ready = await eventDetail(page, 'vale:ready', 30_000);
      assert.deepEqual(ready, { voucher: voucher.id, status: 'pending' });
      const seen = await page.locator('vale-voucher').evaluate((host) => {
        const root = host.shadowRoot;
        const css = (sel) => getComputedStyle(root.querySelector(sel));
        return {
          sheets: root.adoptedStyleSheets.length,
          styleElements: root.querySelectorAll('style').length,
          amountSize: css('.amount').fontSize,
          // The code is spoken once (a visually hidden line) and shown once (the groups):
          // unstyled, the two ran together on screen.
          readerLine: css('.code .sr').position,
          readerWidth: root.querySelector('.code .sr').getBoundingClientRect().width,
          groups: root.querySelector('.code-groups').textContent.replace(/\s/g, ''),
          groupsWidth: root.querySelector('.code-groups').getBoundingClientRect().width,
          printOnly: css('.barcode-paper').display,
          svgModules: root.querySelector('.barcode-paper svg').style.getPropertyValue('--vale-modules'),
        };
      });
      assert.equal(seen.sheets, 1, 'the styles are an adopted stylesheet');
      assert.equal(seen.styleElements, 0, 'no <style> for the policy to refuse');
      assert.equal(seen.amountSize, '30px');
      assert.equal(seen.readerLine, 'absolute');
      assert.equal(seen.groups, voucher.payment_code);
      assert.ok(seen.readerWidth <= 1 && seen.groupsWidth > 50,
        `the code shows once, not run together with itself: ${JSON.stringify(seen)}`);
      assert.equal(seen.printOnly, 'none', 'the paper drawings stay hidden on screen');
      assert.ok(Number(seen.svgModules) > 0, 'print sizes set through the CSSOM, not a style attribute');
      const names = await page.evaluate(() => window.valeEvents.map((e) => e.name));
      assert.deepEqual(names, ['vale:ready']);
      assert.deepEqual(violations.filter((v) => /Content Security Policy|Content-Security-Policy/i.test(v)), []);
      await page.locator('vale-voucher').screenshot({ path: artifact('csp-readme-policy.png') });
    } finally {
      await page.close();
    }
  });

for (const [what, policy, directive] of [
  ["without 'wasm-unsafe-eval'", "default-src 'self'; script-src 'self' EDGE; connect-src 'self' EDGE; style-src 'self'", /script-src/],
  ['without the edge in connect-src', "default-src 'self'; script-src 'self' EDGE 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'", /connect-src/],
]) {
  test(`a policy ${what} is reported as vale:error "csp", not as a network failure`, { timeout: 90_000 }, async () => {
    const { page, voucher, violations } = await visit(policy);
    try {
      const detail = await eventDetail(page, 'vale:error', 30_000);
      assert.equal(detail.code, 'csp', JSON.stringify(detail));
      assert.equal(detail.voucher, voucher.id);
      assert.equal(detail.status, null);
      assert.match(detail.message, /no permite mostrar tu código de pago/);
      const text = await page.locator('vale-voucher').evaluate((h) => h.shadowRoot.textContent);
      assert.match(text, /no permite mostrar tu código de pago/);
      assert.doesNotMatch(text, /No pudimos cargar|No hay conexión/);
      // Time for a late `network` report, had there been one.
      await page.waitForTimeout(1_500);
      const codes = await page.evaluate(() => window.valeEvents.map((e) => e.detail.code ?? e.name));
      assert.deepEqual(codes, ['csp'], 'one report, and the right one');
      assert.ok(violations.some((v) => /^vale: .*Content-Security-Policy/.test(v) && directive.test(v)),
        JSON.stringify(violations));
    } finally {
      await page.close();
    }
  });
}
