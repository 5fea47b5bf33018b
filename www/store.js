// The demo storefront. It never holds the secret key: the development-only edge route
// POST /demo/checkout creates the voucher for the local merchant `mer_local`.

/** Prices in minor units for each network's currency. */
const PRODUCTS = [
  { sku: 'cafe', name: 'Café de Huila, 500 g', cop: 3_800_000, pen: 3_990 },
  { sku: 'cacao', name: 'Chocolate 70 % de Cusco', cop: 2_500_000, pen: 2_550 },
  { sku: 'ruana', name: 'Ruana de lana', cop: 18_900_000, pen: 19_900 },
];
const CURRENCY = { efecty: 'COP', pagoefectivo: 'PEN' };
const FORMAT = {
  COP: new Intl.NumberFormat('es-CO', { style: 'currency', currency: 'COP' }),
  PEN: new Intl.NumberFormat('es-PE', { style: 'currency', currency: 'PEN' }),
};

const $ = (id) => document.getElementById(id);
let selected = PRODUCTS[0];

function network() {
  return document.querySelector('input[name=network]:checked').value;
}

function price(product, currency) {
  return currency === 'COP' ? product.cop : product.pen;
}

function show(amount, currency) {
  return FORMAT[currency].format(amount / 100);
}

function renderProducts() {
  const currency = CURRENCY[network()];
  const list = $('products');
  list.replaceChildren(...PRODUCTS.map((product) => {
    const item = document.createElement('li');
    const label = document.createElement('label');
    const radio = Object.assign(document.createElement('input'), {
      type: 'radio', name: 'product', value: product.sku, checked: product === selected,
    });
    radio.addEventListener('change', () => { selected = product; renderTotal(); });
    const name = Object.assign(document.createElement('span'), { textContent: product.name });
    const cost = Object.assign(document.createElement('b'), {
      textContent: show(price(product, currency), currency),
    });
    label.append(radio, name, cost);
    item.append(label);
    return item;
  }));
  renderTotal();
}

function renderTotal() {
  const currency = CURRENCY[network()];
  $('total').textContent = show(price(selected, currency), currency);
}

async function checkout() {
  const button = $('checkout');
  const error = $('checkout-error');
  button.disabled = true;
  error.hidden = true;
  const net = network();
  const currency = CURRENCY[net];
  const reference = `pedido-${Date.now().toString(36)}`;
  try {
    const response = await fetch('/demo/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        network: net, currency, amount: price(selected, currency), reference,
        description: selected.name,
      }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    showVoucher(reference, body);
  } catch (e) {
    error.textContent = `No pudimos generar el código: ${e.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function showVoucher(reference, { id, client_secret: clientSecret, hosted_url: hostedUrl }) {
  $('order').textContent = reference;
  $('hosted-link').href = hostedUrl;
  const element = document.createElement('vale-voucher');
  element.setAttribute('voucher', id);
  element.setAttribute('client-secret', clientSecret);
  const status = $('order-status');
  element.addEventListener('vale:paid', () => {
    status.textContent = '¡Pago recibido! Estamos preparando tu pedido.';
    status.dataset.state = 'paid';
  });
  element.addEventListener('vale:expired', () => {
    status.textContent = 'El código venció. Puedes hacer el pedido otra vez.';
    status.dataset.state = 'expired';
  });
  $('voucher-slot').replaceChildren(element);
  $('simulate-pay').disabled = false;
  $('shop').hidden = true;
  $('voucher').hidden = false;
}

async function simulatePay() {
  const button = $('simulate-pay');
  const id = $('voucher-slot').querySelector('vale-voucher')?.getAttribute('voucher');
  if (!id) return;
  button.disabled = true;
  try {
    const response = await fetch(`/demo/vouchers/${encodeURIComponent(id)}/pay`, { method: 'POST' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (e) {
    $('order-status').textContent = `No se pudo simular el pago: ${e.message}`;
    button.disabled = false;
  }
}

document.querySelectorAll('input[name=network]').forEach((input) =>
  input.addEventListener('change', renderProducts));
$('checkout').addEventListener('click', checkout);
$('simulate-pay').addEventListener('click', simulatePay);
$('again').addEventListener('click', () => {
  $('voucher-slot').replaceChildren();
  $('voucher').hidden = true;
  $('shop').hidden = false;
});
renderProducts();
