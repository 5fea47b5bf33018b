// An example app (examples/*) as a developer runs it: its own process group on a free
// 127.0.0.1 port, ready once its home page answers 200, stopped by its group.
import { spawn } from 'node:child_process';
import { freePort } from './edge.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `command args` in `cwd` with `env(port)` added to this process's environment; waits
 * (at most 20 s) until `GET /` answers 200. Answers `{ base, stop, log }`; `stop()` ends the
 * group (TERM, then KILL after 5 s), and so does this process's exit.
 */
export async function startExample({ what, command, args, cwd, env }) {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), ...env },
  });
  let log = '';
  const keep = (chunk) => { log = (log + chunk).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', () => { exited = true; resolve(); }));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!exited) signal('SIGTERM');
    await Promise.race([exit, sleep(5_000)]);
    if (!exited) signal('SIGKILL');
  };
  process.once('exit', () => exited || signal('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline && !exited;) {
    try {
      const resp = await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
      await resp.arrayBuffer();
      if (resp.status === 200) return { base, stop, log: () => log };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`${what} did not start:\n${log}`);
}
