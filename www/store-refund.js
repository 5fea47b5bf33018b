// The demo store's refunds: once an order is paid, "Pedir devolución" asks the demo
// backend to open a refund of it (POST /demo/vouchers/{id}/refund, as a store's server
// would with its secret key) and offers its collect_url, the page the store would send
// the shopper; "Simular cobro" is the sandbox payout simulator (the shopper collected it).
// Kept apart from store.js: it only listens to the widget's events.

function box() {
  let el = document.getElementById('refund-box');
  if (el) return el;
  el = document.createElement('div');
  el.id = 'refund-box';
  el.className = 'sandbox';
  el.innerHTML = `
    <button id="ask-refund" type="button" class="secondary">Pedir devolución</button>
    <p id="refund-status" role="status"></p>
    <p id="refund-links" hidden>
      <a id="refund-link" href="#" target="_blank" rel="noopener">Abrir la página de devolución</a>
      · <button id="simulate-collect" type="button" class="link">Simular cobro</button>
      <small>Modo de prueba: la red de pagos confirma que el dinero se entregó.</small>
    </p>`;
  document.getElementById('voucher-slot')?.after(el);
  el.querySelector('#ask-refund').addEventListener('click', () => ask(el));
  el.querySelector('#simulate-collect').addEventListener('click', () => collect(el));
  return el;
}

async function ask(el) {
  const button = el.querySelector('#ask-refund');
  const status = el.querySelector('#refund-status');
  button.disabled = true;
  try {
    const id = el.dataset.voucher;
    const response = await fetch(`/demo/vouchers/${encodeURIComponent(id)}/refund`, { method: 'POST' });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    el.dataset.refund = body.id;
    el.querySelector('#refund-link').href = body.collect_url;
    el.querySelector('#refund-links').hidden = false;
    status.textContent = 'Devolución abierta. La tienda te enviaría este enlace para que elijas cómo recibir tu dinero.';
  } catch (e) {
    status.textContent = `No se pudo pedir la devolución: ${e.message}`;
    button.disabled = false;
  }
}

async function collect(el) {
  const status = el.querySelector('#refund-status');
  const response = await fetch(`/demo/refunds/${encodeURIComponent(el.dataset.refund)}/succeed`, { method: 'POST' });
  const body = await response.json().catch(() => ({}));
  status.textContent = response.ok
    ? 'Listo: la devolución figura como completada. Recarga su página para verla.'
    : `Aún no se puede: ${body?.error?.message ?? response.status} (elige primero cómo recibir el dinero).`;
}

document.addEventListener('vale:paid', (event) => {
  const el = box();
  el.dataset.voucher = event.detail.voucher;
  el.hidden = false;
});
document.addEventListener('vale:ready', (event) => {
  if (event.detail.status !== 'paid') document.getElementById('refund-box')?.remove();
});
