// The test files' one harness: an edge and a shopper's browser, each set up once per file
// by node:test's `before` and taken down by its `after`, so no test file writes those
// blocks itself.
//
//   const edge = useEdge();            // the default configuration (`.dev.vars`)
//   const merchant = edge.api();       // mer_local's secret key; edge.api(key) another
//   const shopper = useShopper();      // one Chromium for the file
//   test('…', async () => {
//     const page = await shopper.newPage({ viewport: … });  // closed after this test
//     await page.goto(`${edge.base}/v/…`);
//   });
//
// - `useEdge()` with no options: when `cargo xtask test` runs the files it has started one
//   edge for all of them and says where in `VALE_EDGE_URL`; the file uses that one, and
//   leaves it running. Run alone (no `VALE_EDGE_URL`), the file starts its own. Files on
//   the shared edge must not depend on what other files did: each test makes its own
//   vouchers (unique references, `ref()`), finds them by id or reference, and removes the
//   webhook endpoints it adds.
// - `useEdge({ vars, persist, reports })`, or an (async) function answering them, called
//   in `before` (it may start what the configuration names first, e.g. a fake network):
//   another configuration, so the file always starts its own edge with `startEdge`.
// - node:test starts a file's top-level `before` hooks together, not one after another:
//   a file's own hook that needs the edge first does `await edge.ready()`.
// - The handle answers `base`, `persist` (own edges only), `log()`, `scheduled()` and
//   `api(key)`, each for the edge started in `before`.
// - `useShopper()`: one headless Chromium per file; `newPage(options)` and
//   `newContext(options)` open pages the harness closes after each test (a test may still
//   close its own first), and `browser` is the browser itself.
import { after, afterEach, before } from 'node:test';
import { runScheduled, startEdge } from './edge.mjs';
import { launchBrowser } from './browser.mjs';
import { api } from './vale.mjs';

/** The edge `cargo xtask test` started for every file on the default configuration. */
function sharedEdge(url) {
  const base = url.replace(/\/$/, '');
  return { base, stop: async () => {}, log: () => '', scheduled: () => runScheduled(base), shared: true };
}

/**
 * Starts (or borrows) the file's edge in `before` and stops it in `after`; answers a
 * handle that reads the running edge when a test uses it.
 */
export function useEdge(options) {
  let edge = null;
  let settle;
  const ready = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  ready.catch(() => {}); // reported by the hook itself; only waiters see it otherwise
  before(async () => {
    try {
      const chosen = typeof options === 'function' ? await options() : options;
      const own = chosen !== undefined && Object.keys(chosen).length > 0;
      edge = !own && process.env.VALE_EDGE_URL ? sharedEdge(process.env.VALE_EDGE_URL) : await startEdge(chosen);
      settle.resolve(edge);
    } catch (error) {
      settle.reject(error);
      throw error;
    }
  });
  after(async () => {
    await edge?.stop();
  });
  const running = () => {
    if (edge === null) throw new Error('useEdge: the edge starts in `before`; use it inside a test or hook');
    return edge;
  };
  return {
    /** Resolves once the edge answers: for a file's own `before` that needs it. */
    ready: () => ready,
    get base() {
      return running().base;
    },
    get persist() {
      return running().persist;
    },
    /** Whether this is the edge `cargo xtask test` shares between files. */
    get shared() {
      return Boolean(running().shared);
    },
    log: () => running().log(),
    scheduled: () => running().scheduled(),
    /** `api(base, key)` of tests/support/vale.mjs for this edge (mer_local's secret key by default). */
    api: (...key) => {
      const call = (name) => (...args) => api(running().base, ...key)[name](...args);
      return { get: call('get'), post: call('post'), call: call('call') };
    },
  };
}

/** One browser for the file (`before`/`after`), and every page a test opened closed after it. */
export function useShopper() {
  let browser = null;
  const opened = [];
  before(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    const closing = opened.splice(0);
    await Promise.all(closing.map((p) => p.close().catch(() => {})));
  });
  after(async () => {
    await browser?.close();
  });
  const running = () => {
    if (browser === null) throw new Error('useShopper: the browser starts in `before`; use it inside a test');
    return browser;
  };
  return {
    get browser() {
      return running();
    },
    async newPage(options) {
      const page = await running().newPage(options);
      opened.push(page);
      return page;
    },
    async newContext(options) {
      const context = await running().newContext(options);
      opened.push(context);
      return context;
    },
  };
}
