// The refund button. Cash cannot be pushed back into a shopper's hand, so Vale opens a
// refund and gives a `collect_url`: a page where the shopper says where the money goes
// (cash at an Efecty point, a bank account, a wallet). The store sends them that link.
import { applyRefund, refundEndedUnpaid } from './orders.mjs';
import { vale } from './vale.mjs';

/** Refunds in flight by their token (made when the order page was rendered). */
const requests = new Map();

/** Refunds all of a paid order, once per token; answers the order. */
export function refundOrder(order, token) {
  let asking = requests.get(token);
  if (!asking) {
    asking = askForRefund(order, token);
    requests.set(token, asking);
    asking.catch(() => requests.delete(token));
  }
  return asking;
}

async function askForRefund(order, token) {
  if (order.state !== 'paid') throw new Error('Solo un pedido pagado se puede reembolsar.');
  if (order.refund && !refundEndedUnpaid(order.refund)) return order;
  const refund = await createRefund(order, `refund-${token}`);
  applyRefund(order, refund, 'POST /v1/refunds');
  return order;
}

/** Opens a refund of everything refundable on the order's voucher. */
export function createRefund(order, idempotencyKey) {
  return vale('POST', '/v1/refunds', {
    idempotencyKey,
    body: { voucher: order.voucher.id, reason: 'requested_by_customer' },
  });
}
