// Small helpers for the edge tests: the local merchant's keys (as the contract publishes
// them), JSON requests, and the two networks' signatures computed independently of the
// Rust code (Node's crypto), so a test fails if either side drifts from the formats.
import { createHmac } from 'node:crypto';

export const SECRET_KEY = 'sk_test_local';
export const PE_SECRET = 'pe_local_secret';
export const EFECTY_SECRET = 'whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=';

export function api(base, key = SECRET_KEY) {
  const call = async (method, path, { body, headers = {}, raw } = {}) => {
    const init = { method, headers: { ...headers } };
    if (key) init.headers.authorization = `Bearer ${key}`;
    if (raw !== undefined) {
      init.body = raw;
      init.headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const resp = await fetch(`${base}${path}`, init);
    const text = await resp.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: resp.status, headers: resp.headers, json, text };
  };
  return {
    get: (path, opts) => call('GET', path, opts),
    post: (path, body, opts = {}) => call('POST', path, { ...opts, body }),
    call,
  };
}

let counter = 0;
/** A reference unique to this run. */
export const ref = (prefix = 'order') => `${prefix}-${process.pid}-${Date.now()}-${++counter}`;

export const efectyOrder = (extra = {}) => ({
  network: 'efecty', amount: 5_000_000, currency: 'COP', reference: ref(), ...extra,
});
export const peOrder = (extra = {}) => ({
  network: 'pagoefectivo', amount: 2_500, currency: 'PEN', reference: ref(), ...extra,
});

/** PE-Signature: lowercase hex HMAC-SHA256 of the raw body. */
export const peSign = (body, secret = PE_SECRET) =>
  createHmac('sha256', secret).update(body).digest('hex');

/** A PagoEfectivo notification body; `amount` is written as the JSON decimal text given. */
export function peBody({ cip, amount = '25.00', currency = 'PEN', operation = `op${++counter}${Date.now()}`,
  event = 'cip.paid', transactionCode } = {}) {
  const tc = transactionCode ? `,"transactionCode":"${transactionCode}"` : '';
  return `{"eventType":"${event}","operationNumber":"${operation}","data":{"cip":"${cip}",` +
    `"currency":"${currency}","amount":${amount},"paymentDate":"2026-11-25T10:30:00-05:00"${tc}}}`;
}

export async function postPe(base, body, signature = peSign(body)) {
  const headers = { 'content-type': 'application/json' };
  if (signature !== null) headers['pe-signature'] = signature;
  const resp = await fetch(`${base}/v1/notifications/pagoefectivo`, { method: 'POST', headers, body });
  return { status: resp.status, json: await resp.json().catch(() => null) };
}

/** Standard Webhooks v1: base64 HMAC-SHA256 of `id.timestamp.body` under the decoded key. */
export function swSign(id, timestamp, body, secret = EFECTY_SECRET) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function efectyBody({ code, amount = 5_000_000, currency = 'COP' } = {}) {
  return JSON.stringify({
    type: 'payment.succeeded',
    data: { payment_code: code, amount, currency, paid_at: '2026-11-24T16:05:00-05:00',
      agent_id: 'efecty-bog-0042', authorization: 'A123456' },
  });
}

export async function postEfecty(base, body, {
  id = `msg_${++counter}_${Date.now()}`,
  timestamp = Math.floor(Date.now() / 1000),
  secret = EFECTY_SECRET,
  signature,
} = {}) {
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature ?? swSign(id, timestamp, body, secret),
  };
  const resp = await fetch(`${base}/v1/notifications/efecty`, { method: 'POST', headers, body });
  return { status: resp.status, json: await resp.json().catch(() => null), id };
}
