// `cargo xtask dev` started as a user starts it (its own configuration, edge/.dev.vars,
// its own build and start-up), on a free port with a fresh state folder, for the test
// that checks it (tests/edge/dev.test.mjs) and the benchmark that measures the edge as a
// user runs it (tests/bench/edge.mjs).
//
//   const dev = await startDev({ env: { VALE_DEV_SKIP_BUILD: '1' } });
//   … dev.base …
//   await dev.stop();
//
// - Ready when the Worker answers an API call without a key with its 401, within
//   `readyMs` (default `VALE_DEV_READY_MS`, else 15 minutes: the first build is slow).
// - `env` is added to this process's environment (e.g. `VALE_DEV_TRACES: '1'`).
// - `onOutput`, when given, is called with each chunk it prints, as text (the benchmark
//   reads the `vale-hop` lines of `VALE_DEV_HOPS=1` from it).
// - It runs in its own process group: `stop` ends cargo, xtask, wrangler and workerd
//   together, then removes the state folder. `output()` is the last 20 kB it printed;
//   `pid` is the group's (cargo's) process id.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './edge.mjs';

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

export async function startDev({ env = {}, onOutput = null, readyMs = Number(process.env.VALE_DEV_READY_MS ?? 15 * 60_000) } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const state = mkdtempSync(join(tmpdir(), 'vale-dev-'));
  const dev = spawn('cargo', ['xtask', 'dev'], {
    cwd: root,
    detached: true, // its own process group: stopped whole
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VALE_DEV_PORT: String(port), VALE_DEV_STATE: state, WRANGLER_SEND_METRICS: 'false', ...env },
  });
  let output = '';
  let exited = null;
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
    onOutput?.(chunk.toString());
  };
  dev.stdout.on('data', keep);
  dev.stderr.on('data', keep);
  const gone = new Promise((resolve) => dev.once('exit', (code, signal) => {
    exited = { code, signal };
    resolve();
  }));
  const stop = async () => {
    if (exited === null) {
      try {
        process.kill(-dev.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-dev.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(state, { recursive: true, force: true });
  };
  // If this process is stopped first, take the dev server down with it.
  process.once('exit', () => {
    if (exited === null) {
      try {
        process.kill(-dev.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`cargo xtask dev exited early (${JSON.stringify(exited)}):\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`cargo xtask dev did not answer within ${readyMs} ms:\n${output}`);
    }
    try {
      const r = await fetch(`${base}/v1/vouchers`, { signal: AbortSignal.timeout(2_000) });
      await r.arrayBuffer();
      if (r.status === 401) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { base, state, pid: dev.pid, stop, output: () => output };
}
