// A small store that takes cash payments through Vale. Plain Node, no framework.
//
//   node server.mjs        (with `cargo xtask dev` running: Vale at http://127.0.0.1:8787)
//
// Routes:
//   GET  /                     the cart
//   POST /checkout             creates the order and its voucher, then shows the order
//   GET  /orders/{id}          the order: its state from the store's records, and the voucher
//   GET  /orders/{id}/status   the order's state as JSON (the order page asks it)
//   POST /orders/{id}/refund   refunds a paid order
//   POST /webhooks/vale        events from Vale, verified with `standardwebhooks`
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { PRODUCTS } from './catalog.mjs';
import { config } from './config.mjs';
import { readForm, redirect, sendHtml, sendJson } from './http.mjs';
import { STATE_LABELS, checkout, orders } from './orders.mjs';
import { cartPage, orderPage } from './pages.mjs';
import { pollPendingOrders, reconcile } from './reconcile.mjs';
import { refundOrder } from './refunds.mjs';
import { vale } from './vale.mjs';
import { createEndpoint, webhookRoute } from './webhooks.mjs';

const STATIC = {
  '/order.js': 'text/javascript; charset=utf-8',
  '/store.css': 'text/css; charset=utf-8',
};

async function postCheckout(req, res) {
  const form = await readForm(req);
  const token = form.get('checkout') ?? '';
  if (!/^[0-9a-f-]{36}$/.test(token)) return redirect(res, '/');
  const quantities = {};
  for (const product of PRODUCTS) {
    const quantity = Number(form.get(`qty_${product.sku}`) ?? 0);
    quantities[product.sku] = Number.isInteger(quantity) && quantity > 0 && quantity <= 5 ? quantity : 0;
  }
  try {
    const order = await checkout(token, form.get('network'), quantities);
    redirect(res, `/orders/${order.id}`);
  } catch (error) {
    sendHtml(res, 400, cartPage({ checkoutToken: randomUUID(), error: error.message }));
  }
}

async function getOrder(res, order) {
  try {
    await reconcile(order); // opening the page is a good moment to ask Vale
  } catch (error) {
    console.error(`reconcile ${order.id}: ${error.message}`);
  }
  sendHtml(res, 200, orderPage(order, { refundToken: randomUUID() }));
}

async function postRefund(req, res, order) {
  const token = (await readForm(req)).get('refund') ?? '';
  if (!/^[0-9a-f-]{36}$/.test(token)) return redirect(res, `/orders/${order.id}`);
  try {
    await refundOrder(order, token);
  } catch (error) {
    console.error(`refund ${order.id}: ${error.message}`);
  }
  redirect(res, `/orders/${order.id}`);
}

async function route(req, res, onWebhook) {
  const { pathname } = new URL(req.url, config.storeUrl);
  const method = req.method;
  if (method === 'GET' && pathname === '/') {
    return sendHtml(res, 200, cartPage({ checkoutToken: randomUUID() }));
  }
  if (method === 'GET' && STATIC[pathname]) {
    const file = await readFile(new URL(`./public${pathname}`, import.meta.url));
    res.writeHead(200, { 'content-type': STATIC[pathname] });
    return res.end(file);
  }
  if (method === 'POST' && pathname === '/checkout') return postCheckout(req, res);
  if (method === 'POST' && pathname === '/webhooks/vale') return onWebhook(req, res);
  const match = pathname.match(/^\/orders\/(ord_[0-9a-f]{32})(\/status|\/refund)?$/);
  const order = match && orders.get(match[1]);
  if (order && method === 'GET' && !match[2]) return getOrder(res, order);
  if (order && method === 'GET' && match[2] === '/status') {
    return sendJson(res, 200, { id: order.id, state: order.state, label: STATE_LABELS[order.state] });
  }
  if (order && method === 'POST' && match[2] === '/refund') return postRefund(req, res, order);
  sendHtml(res, 404, 'No encontrado');
}

async function main() {
  // The webhook secret: yours from VALE_WEBHOOK_SECRET, or a new endpoint's, made now.
  let secret = config.webhookSecret;
  let created = null;
  if (!secret) {
    created = await createEndpoint(`${config.storeUrl}/webhooks/vale`);
    secret = created.secret;
    console.log(`webhook endpoint ${created.id} → ${created.url}`);
  }
  const onWebhook = webhookRoute(secret);
  const server = createServer((req, res) => {
    route(req, res, onWebhook).catch((error) => {
      console.error(`${req.method} ${req.url}: ${error.message}`);
      if (!res.headersSent) res.writeHead(error.status ?? 500).end();
    });
  });
  server.listen(config.port, '127.0.0.1', () => {
    console.log(`Tienda lista en http://127.0.0.1:${config.port}/ (Vale: ${config.valeApi})`);
  });
  pollPendingOrders(config.pollSeconds);

  // Ctrl-C, or a stop from a process manager: the endpoint made at start goes too (its
  // secret dies with this process), so Vale stops delivering to it.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      server.close();
      if (created) await vale('DELETE', `/v1/webhook_endpoints/${created.id}`).catch(() => {});
      process.exit(0);
    });
  }
}

main().catch((error) => {
  console.error(`the store could not start: ${error.message}`);
  process.exit(1);
});
