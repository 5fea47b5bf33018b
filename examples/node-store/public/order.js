// Keeps the order page's state line true to the store's records: while the order is
// pending, asks the store (not Vale) every 5 s, and at once when the widget says the
// voucher changed; when the store's state differs from the page's, reloads the page.
const line = document.getElementById('order-state');
const { order, state } = line.dataset;

async function check() {
  try {
    const response = await fetch(`/orders/${order}/status`, { cache: 'no-store' });
    const now = await response.json();
    if (now.state !== state) location.reload();
  } catch {
    // the store is restarting: try again on the next tick
  }
}

for (const name of ['vale:paid', 'vale:expired']) document.addEventListener(name, check);
if (state === 'pending' || state === 'creating') setInterval(check, 5000);
