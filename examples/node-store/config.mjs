// The store's settings, read once from the environment at start.
//
//   VALE_API             Vale's edge (default: `cargo xtask dev`'s http://127.0.0.1:8787)
//   VALE_SECRET_KEY      the merchant's secret key (default: the local test key)
//   PORT                 where the store listens on 127.0.0.1 (default 3000)
//   STORE_URL            how Vale and shoppers reach the store (default http://127.0.0.1:PORT)
//   VALE_WEBHOOK_SECRET  the `whsec_…` of a webhook endpoint you created; unset, the store
//                        creates its own endpoint at start and keeps that secret in memory
//   VALE_POLL_SECONDS    how often pending orders are checked with Vale (default 60; 0: never)

const env = process.env;

/** A whole number from the environment, or `fallback` when unset; anything else stops the store. */
function integer(name, fallback) {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not "${text}"`);
  return value;
}

const port = integer('PORT', 3000);

export const config = {
  valeApi: (env.VALE_API || 'http://127.0.0.1:8787').replace(/\/+$/, ''),
  secretKey: env.VALE_SECRET_KEY || 'sk_test_local',
  port,
  storeUrl: (env.STORE_URL || `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
  webhookSecret: env.VALE_WEBHOOK_SECRET || null,
  pollSeconds: integer('VALE_POLL_SECONDS', 60),
};
