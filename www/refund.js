// The hosted refund page, /r/{id}?cs={client_secret}: the <vale-refund> element alone on a
// page the store sends the shopper (e-mail, SMS, WhatsApp), reloadable and printable.
// The secret stays out of the referrer (refund.html's meta).
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const clientSecret = new URLSearchParams(location.search).get('cs') ?? '';
const refund = document.createElement('vale-refund');
refund.setAttribute('refund', id);
refund.setAttribute('client-secret', clientSecret);
document.getElementById('slot').append(refund);
