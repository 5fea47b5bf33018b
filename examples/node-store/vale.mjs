// The one place the store talks to Vale's API. The secret key stays on this server: it is
// sent to Vale and nowhere else (never to a browser, never into a log line).
import { config } from './config.mjs';

/** An error answer from Vale: `status`, and the contract's `code`, `message` and `param`. */
export class ValeError extends Error {
  constructor(status, error = {}) {
    super(error.message ?? `Vale answered ${status}`);
    this.status = status;
    this.code = error.code;
    this.param = error.param;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls Vale with the secret key; answers the JSON body, or throws a ValeError.
 *
 * A request is sent again (at most 3 times in all) when that is safe: a GET, or a POST
 * with an Idempotency-Key, after a network error, a timeout, a 409 (the same key is still
 * being worked on), a 429 or a 5xx. Vale answers a repeated key with the first answer.
 */
export async function vale(method, path, { body, idempotencyKey } = {}) {
  const headers = { authorization: `Bearer ${config.secretKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const retryable = method === 'GET' || Boolean(idempotencyKey);
  for (let attempt = 1; ; attempt += 1) {
    let response;
    try {
      response = await fetch(`${config.valeApi}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      if (retryable && attempt < 3) {
        await sleep(500 * attempt);
        continue;
      }
      throw error;
    }
    const json = await response.json().catch(() => null);
    if (response.ok) return json;
    const again = response.status === 409 || response.status === 429 || response.status >= 500;
    if (retryable && again && attempt < 3) {
      await sleep(500 * attempt);
      continue;
    }
    throw new ValeError(response.status, json?.error);
  }
}
