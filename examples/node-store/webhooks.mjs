// Events from Vale: each change of a voucher or refund is POSTed to the store, signed per
// Standard Webhooks. The store verifies the signature on the raw body with the official
// `standardwebhooks` package, handles each event once, and answers 2xx at once (Vale
// retries anything else, with the same `webhook-id`, for over a day).
import { Webhook } from 'standardwebhooks';
import { applyRefund, applyVoucher, orders, recordUnexpectedPayment } from './orders.mjs';
import { readBody } from './http.mjs';
import { vale } from './vale.mjs';

/** The events this store acts on. */
const EVENTS = [
  'voucher.paid', 'voucher.expired', 'voucher.cancelled', 'voucher.payment_unexpected',
  'refund.created', 'refund.updated', 'refund.succeeded', 'refund.failed',
];

/**
 * Creates a webhook endpoint that points at this store and answers its secret. Only for
 * local development: in production, create the endpoint once and give the store its
 * secret in VALE_WEBHOOK_SECRET. Endpoints left by earlier runs at the same URL are
 * deleted first: their secrets died with those runs.
 */
export async function createEndpoint(url) {
  const existing = await vale('GET', '/v1/webhook_endpoints');
  for (const endpoint of existing.data.filter((e) => e.url === url)) {
    await vale('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  }
  const endpoint = await vale('POST', '/v1/webhook_endpoints', { body: { url, events: EVENTS } });
  return endpoint;
}

/** The route Vale delivers to: `POST /webhooks/vale`. */
export function webhookRoute(secret) {
  const webhook = new Webhook(secret); // the endpoint's "whsec_…"
  return async (req, res) => {
    const rawBody = await readBody(req);
    const status = receiveWebhook(webhook, rawBody, req.headers);
    res.writeHead(status).end();
  };
}

/** `webhook-id`s already handled. A real store keeps them in its database for a few days. */
const handled = new Set();

/**
 * Handles one delivery; answers the HTTP status to send back. `rawBody` is the body
 * exactly as it arrived: the signature covers those bytes, not a re-serialised object.
 */
export function receiveWebhook(webhook, rawBody, headers) {
  let event;
  try {
    event = webhook.verify(rawBody, headers);
  } catch {
    return 400; // not signed with our secret, or too old: not from Vale
  }
  const id = headers['webhook-id'];
  if (handled.has(id)) return 200; // a retry of one we already handled
  handleEvent(event);
  handled.add(id);
  return 200;
}

function handleEvent(event) {
  const source = `webhook ${event.type}`;
  if (event.type.startsWith('voucher.')) {
    const order = orders.get(event.data.reference);
    if (!order) return; // not one of this store's orders
    if (event.type === 'voucher.payment_unexpected') {
      recordUnexpectedPayment(order, event.data, source);
    } else {
      applyVoucher(order, event.data, source);
    }
  } else if (event.type.startsWith('refund.')) {
    const order = [...orders.values()].find((o) => o.voucher?.id === event.data.voucher);
    if (order) applyRefund(order, event.data, source);
  }
}
