// The fallback for a webhook that never came (the store was down for longer than Vale
// retries, a firewall, a bug): ask Vale about pending orders, every VALE_POLL_SECONDS and
// whenever an order page is opened. Webhooks stay the fast path; this makes sure no order
// is stuck "pendiente" after its voucher was paid or expired.
import { applyVoucher, pendingOrders } from './orders.mjs';
import { vale } from './vale.mjs';

/** Asks Vale for one order's voucher and applies what it says (nothing, if unchanged). */
export async function reconcile(order) {
  if (order.state !== 'pending') return;
  const voucher = await vale('GET', `/v1/vouchers/${order.voucher.id}`);
  applyVoucher(order, voucher, 'consulta GET /v1/vouchers');
}

/** Reconciles every pending order, one at a time, every `seconds` (0: never); a failure waits for the next round. */
export function pollPendingOrders(seconds) {
  if (seconds === 0) return;
  const round = async () => {
    for (const order of pendingOrders()) {
      try {
        await reconcile(order);
      } catch (error) {
        console.error(`poll ${order.id}: ${error.message}`);
      }
    }
    setTimeout(round, seconds * 1000).unref();
  };
  setTimeout(round, seconds * 1000).unref();
}
