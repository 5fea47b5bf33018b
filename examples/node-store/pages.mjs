// The store's two pages: the cart, and an order (with Vale's voucher widget in it).
import { NETWORKS, PRODUCTS, formatMoney, unitsLeft } from './catalog.mjs';
import { config } from './config.mjs';
import { html } from './html.mjs';
import { STATE_LABELS, refundEndedUnpaid } from './orders.mjs';

/** Test keys can use Vale's sandbox; live keys move real money. */
const testMode = config.secretKey.startsWith('sk_test_');

function layout(title, body) {
  return html`<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tienda Andina</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/store.css">
</head>
<body>
<header><a href="/">Tienda Andina</a> <small>ejemplo de integración con Vale${testMode ? ' · modo de prueba' : ''}</small></header>
<main>${body}</main>
</body>
</html>`;
}

/** The cart. `checkoutToken` is new on every render and doubles as the Idempotency-Key. */
export function cartPage({ checkoutToken, error }) {
  const rows = PRODUCTS.map((product, i) => {
    const left = unitsLeft(product.sku);
    return html`
    <tr>
      <th scope="row"><label for="qty-${product.sku}">${product.name}</label></th>
      <td>${formatMoney(product.price.COP, 'COP')}<br>${formatMoney(product.price.PEN, 'PEN')}</td>
      <td><input id="qty-${product.sku}" name="qty_${product.sku}" type="number" inputmode="numeric"
        min="0" max="${Math.min(left, 5)}" value="${i === 0 && left > 0 ? 1 : 0}"></td>
      <td class="stock" data-sku="${product.sku}">quedan ${left}</td>
    </tr>`;
  });
  const networks = Object.entries(NETWORKS).map(([value, network], i) => html`
    <label><input type="radio" name="network" value="${value}" ${i === 0 ? html`checked` : ''}>
      <b>${network.name}</b> ${network.where}</label>`);
  return layout('Carrito', html`
<h1>Tu carrito</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/checkout">
  <input type="hidden" name="checkout" value="${checkoutToken}">
  <table>
    <thead><tr><th scope="col">Producto</th><th scope="col">Precio</th><th scope="col">Cantidad</th><th scope="col">Inventario</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
  <fieldset>
    <legend>Paga en efectivo con</legend>
    ${networks}
  </fieldset>
  <button type="submit">Pagar en efectivo</button>
</form>`);
}

/** The voucher, drawn by Vale's widget: the README's two lines, with this order's values. */
function voucherWidget(order) {
  return html`
<script type="module" src="${config.valeApi}/widget/vale.js"></script>
<vale-voucher voucher="${order.voucher.id}" client-secret="${order.voucher.client_secret}"></vale-voucher>`;
}

const REFUND_LABELS = {
  pending_approval: 'espera la aprobación de un segundo usuario',
  requires_action: 'espera que el comprador elija dónde recibir el dinero',
  processing: 'el dinero va en camino',
  succeeded: 'el comprador recibió su dinero',
  failed: 'falló; puedes reembolsar de nuevo',
  cancelled: 'cancelado',
  expired: 'el comprador no eligió a tiempo',
};

function refundSection(order, refundToken) {
  const { refund } = order;
  const button = order.state === 'paid' && (!refund || refundEndedUnpaid(refund)) ? html`
<form method="post" action="/orders/${order.id}/refund">
  <input type="hidden" name="refund" value="${refundToken}">
  <button type="submit" class="secondary">Reembolsar al comprador</button>
</form>` : '';
  const status = refund ? html`
<p id="refund-status">Reembolso de ${formatMoney(refund.amount, refund.currency)}: ${REFUND_LABELS[refund.status] ?? refund.status}.</p>
${refund.collect_url && refund.status === 'requires_action' ? html`
<p>Envía este enlace al comprador (correo, SMS o WhatsApp) para que elija cómo recibir su dinero:<br>
<a id="collect-url" href="${refund.collect_url}">${refund.collect_url}</a></p>` : ''}` : '';
  return button || status ? html`<section><h2>Reembolso</h2>${status}${button}</section>` : '';
}

/** An order, from the store's own records. `refundToken` is new on every render. */
export function orderPage(order, { refundToken }) {
  const items = order.items.map((item) => html`
  <li>${item.quantity} × ${item.name}: ${formatMoney(item.quantity * item.unitPrice, order.currency)}</li>`);
  return layout(`Pedido ${order.id}`, html`
<h1>Tu pedido</h1>
<p class="order-id">${order.id} · ${NETWORKS[order.network].name}</p>
<p id="order-state" class="state-${order.state}" data-order="${order.id}" data-state="${order.state}">
  Estado: <strong>${STATE_LABELS[order.state]}</strong></p>
${order.alerts.map((alert) => html`<p class="alert" role="alert">${alert}</p>`)}
<ul>${items}</ul>
<p>Total: <b>${formatMoney(order.amount, order.currency)}</b></p>
${order.voucher ? voucherWidget(order) : ''}
${refundSection(order, refundToken)}
${testMode && order.state === 'pending' ? html`
<details>
  <summary>Modo de prueba: pagar este código sin ir a un punto</summary>
  <pre>curl -X POST ${config.valeApi}/v1/sandbox/vouchers/${order.voucher.id}/pay -H "Authorization: Bearer sk_test_…"</pre>
</details>` : ''}
<section>
  <h2>Registro del pedido</h2>
  <ol id="history">${order.history.map((entry) => html`<li><time>${entry.at}</time> ${entry.text}</li>`)}</ol>
</section>
<script type="module" src="/order.js"></script>`);
}
