// Small HTTP helpers for a store with no framework.

/** Reads a request's body as raw bytes (a Buffer), up to `limit` bytes. */
export async function readBody(req, limit = 256 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads an HTML form post (`application/x-www-form-urlencoded`). */
export async function readForm(req) {
  return new URLSearchParams((await readBody(req, 16 * 1024)).toString('utf8'));
}

export function sendHtml(res, status, page) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(String(page));
}

export function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

/** After a form post, "303 See Other" sends the browser to a page it may reload safely. */
export function redirect(res, location) {
  res.writeHead(303, { location }).end();
}
