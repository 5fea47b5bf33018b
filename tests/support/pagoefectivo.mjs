// A fake of PagoEfectivo's REST API v1 for the edge's live adapter to talk to in tests, on
// 127.0.0.1 only (a random port), never the internet:
//
//   const fake = await startPagoEfectivo({ secretKey: PE_SECRET });
//   // configure the edge with base URL `fake.base`, then …
//   fake.failNext('cips', 'drop-after');      // the next create is issued, its answer lost
//   fake.failNext('cips', 'hold-after');      // … issued, its answer sent late (holdAfterMs)
//   const r = await fake.pay(cip, { to: `${edge.base}/v1/notifications/pagoefectivo` });
//   await fake.stop();
//
// - Endpoints: POST /v1/authorizations, POST /v1/cips, POST /v1/cips/search,
//   PATCH /v1/cips/{cip}, DELETE /v1/cips/{cip}. Every answer is
//   `{code, message, data}`, code 100 on success, messages in Spanish like the real API.
// - `fake.requests`: every request, in order of arrival (its body read), as
//   `{method, path, body, authorization, headers}`; `body` is the parsed JSON or null.
// - `fake.cips`: Map of CIP (string) → the stored CIP, `amount` as a "25.00" string.
//   A pending CIP past its `dateExpiry` turns 'expired' the next time the API touches it.
// - `fake.failNext(route, how, times)`: route 'authorizations' | 'cips' | 'search' |
//   'patch' | 'delete'; how = an HTTP status, 'hang', 'malformed' or (cips only)
//   'drop-after' or 'hold-after'. Only those two let the request take effect: 'drop-after'
//   issues the CIP and closes the socket unanswered, 'hold-after' issues it at once and
//   sends its answer only `holdAfterMs` later (an option of startPagoEfectivo, 10 s by
//   default: past the edge's 8 s deadline). The others answer before anything is checked
//   or changed. Calls queue up: two failNext calls fail two requests.
// - `fake.expireTokens()`: every token issued so far answers 401 from now on.
// - `fake.pay(cip, opts)`: marks the CIP paid and (unless `notify: false`) POSTs the
//   signed `cip.paid` notification to `opts.to`, answering `{status, json, text}`.
// - `fake.stop()`: closes the server and every connection, hung ones included.
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';

const ROUTES = ['authorizations', 'cips', 'search', 'patch', 'delete'];
const LIMA_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/;
const DOCUMENT_TYPES = ['DNI', 'PAS', 'LMI', 'PAR', 'NAN'];
const OK = 'Solicitud exitosa';

/** `yyyy-MM-ddTHH:mm:ss-05:00` for an instant (Lima has no DST). */
export function limaDate(date = new Date()) {
  const ms = date instanceof Date ? date.getTime() : Number(date);
  return `${new Date(ms - 5 * 3600_000).toISOString().slice(0, 19)}-05:00`;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** JSON.parse that also returns the raw text of the top-level `amount` (null if none). */
function parseWithAmount(text) {
  const seen = [];
  const value = JSON.parse(text, function reviver(key, v, context) {
    if (key === 'amount') seen.push({ holder: this, source: context?.source });
    return v;
  });
  const top = seen.find((s) => s.holder === value);
  return { value, amountText: top?.source ?? null };
}

export async function startPagoEfectivo({
  idService = 'svc-local',
  accessKey = 'ak_local',
  secretKey,
  tokenTtlSeconds = 3600,
  holdAfterMs = 10_000,
} = {}) {
  if (typeof secretKey !== 'string' || secretKey === '') {
    throw new TypeError('startPagoEfectivo: secretKey is required (it signs the hash and notifications)');
  }
  const requests = [];
  const cips = new Map();
  const tokens = new Map(); // token → expiry (ms)
  const failures = Object.fromEntries(ROUTES.map((r) => [r, []])); // queued {how, left}
  const operations = new Set();

  const send = (res, status, code, message, data) => {
    const body = JSON.stringify({ code, message, data });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  };
  const invalid = (res, errors) => send(res, 400, 400, 'Datos inválidos', errors);
  const notFound = (res) => send(res, 404, 404, 'CIP no encontrado', []);

  /** A pending CIP whose deadline has passed is expired (checked lazily). */
  const current = (cip) => {
    const stored = cips.get(String(cip));
    if (stored?.status === 'pending' && Date.parse(stored.dateExpiry) <= Date.now()) {
      stored.status = 'expired';
    }
    return stored;
  };
  /** 409 for a CIP that is no longer pending, with the reason in code and message. */
  const notPending = (res, stored) => {
    const [code, message] = {
      paid: [305, 'El CIP ya fue pagado'],
      deleted: [306, 'El CIP ya fue eliminado'],
      expired: [307, 'El CIP ya expiró'],
    }[stored.status];
    send(res, 409, code, message, []);
  };
  const futureLimaDate = (value) =>
    typeof value === 'string' && LIMA_DATE.test(value) && Date.parse(value) > Date.now();

  const newCip = () => {
    for (;;) {
      const cip = String(randomInt(1_000_000, 100_000_000)); // 7 or 8 digits
      if (!cips.has(cip)) return cip;
    }
  };
  const newOperation = () => {
    for (;;) {
      const op = String(randomInt(10_000_000, 100_000_000));
      if (!operations.has(op)) return op;
    }
  };

  // --- the five endpoints -------------------------------------------------------------

  const authorize = (req, res, { body }) => {
    const refuse = () => send(res, 401, 111, 'Credenciales inválidas', []);
    if (body === null || typeof body !== 'object') return refuse();
    const { dateRequest, hashString } = body;
    if (String(body.accessKey) !== accessKey || String(body.idService) !== idService) return refuse();
    if (typeof dateRequest !== 'string' || !LIMA_DATE.test(dateRequest)) return refuse();
    const at = Date.parse(dateRequest);
    if (!(Math.abs(at - Date.now()) <= 10 * 60_000)) return refuse();
    if (hashString !== sha256(`${idService}.${accessKey}.${secretKey}.${dateRequest}`)) return refuse();
    const token = randomBytes(24).toString('hex');
    const now = Date.now();
    const expires = now + tokenTtlSeconds * 1000;
    tokens.set(token, expires);
    return send(res, 201, 100, OK, {
      token, tokenStart: limaDate(now), tokenExpires: limaDate(expires),
    });
  };

  /**
   * Checks and stores a CIP; answers 201, or 400 with every field at fault. `answer:
   * false` answers nothing; `delayMs` sends the answer that much later (the CIP exists
   * at once), unless the client went away first.
   */
  const create = (req, res, { body, amountText }, { answer = true, delayMs = 0 } = {}) => {
    const errors = [];
    const fault = (field, message) => errors.push({ field, message });
    const b = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
    if (!['PEN', 'USD'].includes(b.currency)) fault('currency', 'Moneda inválida (PEN o USD)');
    if (typeof b.amount !== 'number' || !(b.amount > 0)
      || amountText === null || !/^\d+(\.\d{1,2})?$/.test(amountText)) {
      fault('amount', 'Monto inválido (número positivo con hasta 2 decimales)');
    }
    if (typeof b.transactionCode !== 'string' || b.transactionCode === ''
      || b.transactionCode.length > 64) {
      fault('transactionCode', 'Código de transacción inválido (1 a 64 caracteres)');
    }
    if (!futureLimaDate(b.dateExpiry)) {
      fault('dateExpiry', 'Fecha de expiración inválida (yyyy-MM-ddTHH:mm:ss-05:00, futura)');
    }
    if (typeof b.userEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(b.userEmail)) {
      fault('userEmail', 'Correo electrónico inválido');
    }
    for (const field of ['paymentConcept', 'userName', 'userLastName', 'userDocumentNumber', 'userPhone']) {
      if (field in b && typeof b[field] !== 'string') fault(field, 'Debe ser texto');
    }
    if ('userDocumentType' in b && !DOCUMENT_TYPES.includes(b.userDocumentType)) {
      fault('userDocumentType', `Tipo de documento inválido (${DOCUMENT_TYPES.join('|')})`);
    }
    if ('userCodeCountry' in b && b.userCodeCountry !== '+51') fault('userCodeCountry', 'Debe ser +51');
    if ('userCountry' in b && b.userCountry !== 'PERU') fault('userCountry', 'Debe ser PERU');
    if (errors.length > 0) return answer ? invalid(res, errors) : undefined;

    const cip = newCip();
    const user = Object.fromEntries(Object.entries(b).filter(([k]) =>
      k === 'paymentConcept' || k.startsWith('user')));
    cips.set(cip, {
      cip,
      amount: b.amount.toFixed(2),
      currency: b.currency,
      transactionCode: b.transactionCode,
      dateExpiry: b.dateExpiry,
      status: 'pending',
      ...user,
    });
    if (!answer) return undefined;
    const reply = () => send(res, 201, 100, OK, {
      cip: Number(cip), currency: b.currency, amount: b.amount,
      transactionCode: b.transactionCode, dateExpiry: b.dateExpiry, cipUrl: `${fake.base}/cip/${cip}`,
    });
    if (delayMs <= 0) return reply();
    const timer = setTimeout(() => {
      if (!res.destroyed) reply();
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
    return undefined;
  };

  const search = (req, res, { body }) => {
    const list = body?.data;
    if (!Array.isArray(list) || list.length < 1 || list.length > 100) {
      return invalid(res, [{ field: 'data', message: 'Debe tener entre 1 y 100 CIP' }]);
    }
    const asked = [];
    for (const entry of list) {
      const cip = entry?.cip;
      if (!((typeof cip === 'string' && /^\d+$/.test(cip)) || Number.isSafeInteger(cip))) {
        return invalid(res, [{ field: 'data.cip', message: 'CIP inválido' }]);
      }
      asked.push(String(cip));
    }
    const found = asked.map(current).filter(Boolean).map((c) => ({
      cip: c.cip, status: c.status, currency: c.currency, amount: c.amount,
      transactionCode: c.transactionCode,
      ...(c.status === 'paid' ? { operationNumber: c.operationNumber, paymentDate: c.paymentDate } : {}),
    }));
    return send(res, 200, 100, OK, found);
  };

  const patch = (req, res, { body, cip }) => {
    const stored = current(cip);
    if (!stored) return notFound(res);
    if (stored.status !== 'pending') return notPending(res, stored);
    if (!futureLimaDate(body?.dateExpiry)) {
      return invalid(res, [{ field: 'dateExpiry', message: 'Fecha de expiración inválida' }]);
    }
    stored.dateExpiry = body.dateExpiry;
    return send(res, 200, 100, OK, { cip: stored.cip, dateExpiry: stored.dateExpiry });
  };

  const remove = (req, res, { cip }) => {
    const stored = current(cip);
    if (!stored) return notFound(res);
    if (stored.status !== 'pending') return notPending(res, stored);
    stored.status = 'deleted';
    return send(res, 200, 100, 'CIP eliminado', { cip: stored.cip });
  };

  // --- routing, auth, injected failures ---------------------------------------------

  /** Which route a request is, with its handler and the CIP in the path. */
  const route = (method, path) => {
    if (method === 'POST' && path === '/v1/authorizations') return { name: 'authorizations', handle: authorize, open: true };
    if (method === 'POST' && path === '/v1/cips') return { name: 'cips', handle: create };
    if (method === 'POST' && path === '/v1/cips/search') return { name: 'search', handle: search };
    const m = /^\/v1\/cips\/(\d+)$/.exec(path);
    if (m && method === 'PATCH') return { name: 'patch', handle: patch, cip: m[1] };
    if (m && method === 'DELETE') return { name: 'delete', handle: remove, cip: m[1] };
    return null;
  };

  const bearerOk = (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const expires = m && tokens.get(m[1]);
    return Boolean(expires) && expires > Date.now();
  };

  const takeFailure = (name) => {
    const queue = failures[name];
    if (queue.length === 0) return null;
    const failure = queue[0];
    if (--failure.left <= 0) queue.shift();
    return failure.how;
  };

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    let parsed = { value: null, amountText: null };
    let badJson = false;
    if (raw !== '') {
      try {
        parsed = parseWithAmount(raw);
      } catch {
        badJson = true;
      }
    }
    const authorization = req.headers.authorization ?? null;
    requests.push({ method: req.method, path, body: parsed.value, authorization, headers: { ...req.headers } });

    const found = route(req.method, path);
    if (!found) return send(res, 404, 404, 'Recurso no encontrado', []);
    const how = takeFailure(found.name);
    if (typeof how === 'number') return send(res, how, 500, 'Error interno (fake)', []);
    if (how === 'hang') return undefined; // answered never; stop() closes the socket
    if (how === 'malformed') {
      res.writeHead(found.name === 'authorizations' || found.name === 'cips' ? 201 : 200,
        { 'content-type': 'application/json; charset=utf-8' });
      return res.end('not json{');
    }
    if (badJson) return send(res, 400, 400, 'Cuerpo JSON inválido', []);
    if (!found.open && !bearerOk(authorization)) return send(res, 401, 401, 'Token inválido', []);
    const input = { body: parsed.value, amountText: parsed.amountText, cip: found.cip };
    if (how === 'drop-after') {
      create(req, res, input, { answer: false }); // issued (if valid) …
      return req.socket.destroy(); // … and the answer lost
    }
    if (how === 'hold-after') return create(req, res, input, { delayMs: holdAfterMs }); // issued, answered late
    return found.handle(req, res, input);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const fake = {
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    cips,

    failNext(name, how, times = 1) {
      if (!ROUTES.includes(name)) throw new TypeError(`failNext: unknown route ${name}`);
      const ok = (Number.isInteger(how) && how >= 100 && how <= 599)
        || how === 'hang' || how === 'malformed'
        || ((how === 'drop-after' || how === 'hold-after') && name === 'cips');
      if (!ok) throw new TypeError(`failNext: cannot fail ${name} with ${how}`);
      if (!(Number.isInteger(times) && times >= 1)) throw new TypeError('failNext: times must be ≥ 1');
      failures[name].push({ how, left: times });
    },

    expireTokens() {
      tokens.clear();
    },

    /**
     * Marks `cip` paid and, if `notify`, POSTs the signed cip.paid notification to `to`.
     * `amount`: a number (written with two decimals) or the exact JSON text to send;
     * `paymentDate`: a Date or the exact `…-05:00` text. Any status may be paid (late
     * payments, duplicate notifications); the stored amount stays the CIP's.
     */
    async pay(cip, {
      to, operationNumber = newOperation(), amount, notify = true, paymentDate = new Date(),
    } = {}) {
      const stored = cips.get(String(cip));
      if (!stored) throw new Error(`pay: no CIP ${cip} in the fake`);
      if (notify && !to) throw new TypeError('pay: `to` (the notification URL) is required to notify');
      const amountText = amount === undefined ? stored.amount
        : typeof amount === 'number' ? amount.toFixed(2) : String(amount);
      const date = paymentDate instanceof Date ? limaDate(paymentDate) : String(paymentDate);
      operations.add(String(operationNumber));
      Object.assign(stored, { status: 'paid', operationNumber: String(operationNumber), paymentDate: date });
      if (!notify) return null;
      // Written by hand: the amount must keep its two decimals (JSON.stringify drops them).
      const body = `{"eventType":"cip.paid","operationNumber":${JSON.stringify(String(operationNumber))},`
        + `"data":{"cip":${JSON.stringify(stored.cip)},"currency":${JSON.stringify(stored.currency)},`
        + `"amount":${amountText},"paymentDate":${JSON.stringify(date)},`
        + `"transactionCode":${JSON.stringify(stored.transactionCode)}}}`;
      const signature = createHmac('sha256', secretKey).update(body).digest('hex');
      const resp = await fetch(to, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'pe-signature': signature },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await resp.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: resp.status, json, text };
    },

    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections(); // hung requests and idle keep-alive sockets too
      await closed;
    },
  };
  return fake;
}
