// The hosted voucher page, /v/{id}?cs={client_secret}: the same widget, alone on a page a
// shopper can bookmark, reopen after a pop-up closed, or print.
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const clientSecret = new URLSearchParams(location.search).get('cs') ?? '';
const voucher = document.createElement('vale-voucher');
voucher.setAttribute('voucher', id);
voucher.setAttribute('client-secret', clientSecret);
document.getElementById('slot').append(voucher);
