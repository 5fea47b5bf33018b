// The store's own records of its orders, and the only code that changes them.
//
// In memory (a Map), so they are gone when the process stops: fine for an example. A real
// store keeps the same records in its database; the rules below stay the same.
import { NETWORKS, PRODUCTS, formatMoney, reserve, restock } from './catalog.mjs';
import { config } from './config.mjs';
import { vale } from './vale.mjs';

/** Every order, by id. The order id is also its voucher's `reference`. */
export const orders = new Map();

/** What the order page calls each state. */
export const STATE_LABELS = {
  creating: 'creando el código',
  pending: 'pendiente',
  paid: 'pedido pagado',
  released: 'liberado',
  refunded: 'reembolsado',
};

/** Adds a line to the order's history (shown on its page, so you can see who changed what). */
export function note(order, text) {
  order.history.push({ at: new Date().toISOString(), text });
}

/** Checkouts by their token: the same token is the same order, however often it is posted. */
const checkouts = new Map();

/**
 * Turns a cart into an order with a voucher. `token` was made when the cart page was
 * rendered and comes back with the form, so a double click (two POSTs with one token)
 * answers the one order. Answers the order; throws with a message for the shopper.
 */
export function checkout(token, networkName, quantities) {
  let placing = checkouts.get(token);
  if (!placing) {
    placing = placeOrder(token, networkName, quantities);
    checkouts.set(token, placing);
    // A checkout that failed may be tried again with the same token.
    placing.catch(() => checkouts.delete(token));
  }
  return placing;
}

async function placeOrder(token, networkName, quantities) {
  const network = NETWORKS[networkName];
  if (!network) throw new Error('Elige Efecty o PagoEfectivo.');
  const items = PRODUCTS.filter((product) => quantities[product.sku] > 0).map((product) => ({
    sku: product.sku,
    name: product.name,
    quantity: quantities[product.sku],
    unitPrice: product.price[network.currency],
  }));
  if (items.length === 0) throw new Error('Tu carrito está vacío.');
  reserve(items);
  const order = {
    // Derived from the token, so a retry of this checkout names the same order.
    id: `ord_${token.replaceAll('-', '')}`,
    network: networkName,
    currency: network.currency,
    amount: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
    items,
    state: 'creating',
    voucher: null,
    refund: null,
    alerts: [],
    history: [],
  };
  orders.set(order.id, order);
  try {
    const voucher = await createVoucher(order, `checkout-${token}`);
    // The page needs only these two; the client secret is safe in the shopper's browser.
    order.voucher = { id: voucher.id, client_secret: voucher.client_secret };
    order.state = 'pending';
    note(order, `Código ${voucher.payment_code} creado en ${network.name}; vence ${voucher.expires_at}.`);
    return order;
  } catch (error) {
    orders.delete(order.id);
    restock(items);
    console.error(`checkout ${order.id}: ${error.message}`);
    throw new Error('No pudimos generar tu código de pago. Intenta de nuevo.');
  }
}

/**
 * Asks Vale for the order's voucher. The Idempotency-Key comes from the cart page: if
 * this request is sent twice (a retry after a timeout, a second store process), Vale
 * answers the first voucher again instead of making another.
 */
export function createVoucher(order, idempotencyKey) {
  return vale('POST', '/v1/vouchers', {
    idempotencyKey,
    body: {
      network: order.network,
      amount: order.amount,
      currency: order.currency,
      reference: order.id,
      description: order.items.map((item) => `${item.quantity} × ${item.name}`).join(', ').slice(0, 120),
      return_url: `${config.storeUrl}/orders/${order.id}`,
    },
  });
}

/**
 * Brings an order up to date with its voucher as Vale shows it (a webhook's `event.data`,
 * or `GET /v1/vouchers/{id}`). Only a pending order moves: to paid, or to released with
 * its units back on the shelf. Anything older or repeated changes nothing, so webhooks
 * and the poll can both report the same change in any order.
 */
export function applyVoucher(order, voucher, source) {
  if (order.state !== 'pending' || voucher.id !== order.voucher?.id) return false;
  if (['paid', 'partially_refunded', 'refunded'].includes(voucher.status)) {
    order.state = 'paid';
    note(order, `Pago recibido (${source}).`);
    return true;
  }
  if (voucher.status === 'expired' || voucher.status === 'cancelled') {
    order.state = 'released';
    restock(order.items);
    const why = voucher.status === 'expired' ? 'vencido' : 'cancelado';
    note(order, `Código ${why}: las unidades vuelven al inventario (${source}).`);
    return true;
  }
  return false;
}

/**
 * Money reached the voucher that it could not take (after it expired or was cancelled, or
 * a second payment). Vale keeps it; a person decides: refund it or honour the order.
 */
export function recordUnexpectedPayment(order, voucher, source) {
  const payment = voucher.unexpected_payments?.at(-1);
  const what = payment ? ` de ${formatMoney(payment.amount, payment.currency)} (${payment.reason})` : '';
  order.alerts.push(`Pago inesperado${what}. Revisar: reembolsar o entregar el pedido.`);
  note(order, `Pago inesperado (${source}).`);
}

/** Refund statuses in the order they happen; a report of an earlier one is stale. */
const REFUND_STEPS = ['requires_action', 'pending_approval', 'processing', 'succeeded', 'failed', 'cancelled', 'expired'];

/** A refund in one of these paid nothing out: the order may be refunded again. */
export const refundEndedUnpaid = (refund) => ['failed', 'cancelled', 'expired'].includes(refund?.status);

/** Records a refund's progress (from `POST /v1/refunds` or a `refund.*` webhook). */
export function applyRefund(order, refund, source) {
  const known = order.refund;
  if (known?.id === refund.id) {
    if (REFUND_STEPS.indexOf(refund.status) <= REFUND_STEPS.indexOf(known.status)) return false;
  } else if (known && !refundEndedUnpaid(known)) {
    return false;
  }
  order.refund = {
    id: refund.id,
    status: refund.status,
    amount: refund.amount,
    currency: refund.currency,
    collect_url: refund.collect_url ?? known?.collect_url ?? null,
  };
  if (refund.status === 'succeeded') order.state = 'refunded';
  note(order, `Reembolso ${refund.id}: ${refund.status} (${source}).`);
  return true;
}

/** Orders whose voucher can still change by itself: the ones the poll asks about. */
export const pendingOrders = () => [...orders.values()].filter((order) => order.state === 'pending');
