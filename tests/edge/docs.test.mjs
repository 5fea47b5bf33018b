// Docs that do not rot: every relative link in README.md and docs/*.md points at a file
// that exists, every route they name (`GET /v1/…`) is one the edge answers (anything
// but its own unknown-route 404), called with placeholder ids and no key, and every
// JavaScript block in docs/integrate.md is copied verbatim from the example store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { root } from '../support/edge.mjs';
import { useEdge } from '../support/fixtures.mjs';

const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  'edge/README.md'].filter((p) => existsSync(join(root, p)));

const edge = useEdge();

test('every relative link resolves to a file', () => {
  const broken = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = decodeURIComponent(target.split('#')[0]);
      if (!existsSync(resolve(dirname(join(root, page)), path))) broken.push(`${page}: ${target}`);
    }
  }
  assert.ok(pages.length >= 4, pages.join(', '));
  assert.deepEqual(broken, []);
});

test('every route the docs name is one the edge answers', async () => {
  const routes = new Set();
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const [, method, written] of text.matchAll(/\b(GET|POST|DELETE|PATCH|PUT) (\/v1\/[A-Za-z0-9_{}.,…/[\]-]*[A-Za-z0-9_}\]])/g)) {
      // PagoEfectivo's own API, described where the live adapter is.
      if (/\/v1\/(authorizations|cips)/.test(written)) continue;
      // `{a,b}` is either; `[/x]` is optional: every spelling is a route.
      let spellings = [written];
      for (;;) {
        const next = spellings.flatMap((p) => {
          const either = p.match(/\{([a-z_]+(?:,[a-z_]+)+)\}/);
          if (either) return either[1].split(',').map((w) => p.replace(either[0], w));
          const optional = p.match(/\[([^\]]+)\]/);
          if (optional) return [p.replace(optional[0], ''), p.replace(optional[0], optional[1])];
          return [p];
        });
        if (next.length === spellings.length) break;
        spellings = next;
      }
      for (const path of spellings) routes.add(`${method} ${path}`);
    }
  }
  assert.ok(routes.size >= 30, `${routes.size} routes found`);
  const unknown = [];
  for (const route of routes) {
    const [method, path] = route.split(' ');
    const concrete = path
      .replace(/\{merchant_id\}|\{merchant\}/g, 'mer_local')
      .replace(/\{network\}/g, 'efecty')
      .replace(/\{date\}|\{YYYY-MM-DD\}/g, '2026-12-01')
      .replace(/\{[^}]+\}/g, 'x_placeholder')
      .replace(/vch_…/g, 'vch_000000000000000000000000')
      .replace(/re_…/g, 're_00000000000000000000000000')
      .replace(/stl_…/g, 'stl_000000000000000000000000')
      .replace(/…/g, 'x');
    const r = await fetch(`${edge.base}${concrete}`, { method, redirect: 'manual' });
    const body = await r.text();
    if ((r.status === 404 && body.includes('route_not_found')) || r.status === 405) unknown.push(`${route} → ${r.status}`);
  }
  assert.deepEqual(unknown, [], 'routes named in the docs that the edge does not have');
});

test('every JavaScript block in docs/integrate.md is in a file of examples/node-store, verbatim', () => {
  const example = join(root, 'examples', 'node-store');
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(mjs|js)$/.test(name)) files.push(readFileSync(path, 'utf8'));
    }
  };
  walk(example);
  const guide = readFileSync(join(root, 'docs', 'integrate.md'), 'utf8');
  const blocks = [...guide.matchAll(/^```(?:js|javascript|mjs)\n([\s\S]*?)^```$/gm)].map(([, code]) => code);
  assert.ok(blocks.length >= 6, `${blocks.length} JavaScript blocks found`);
  const copied = blocks.filter((code) => !files.some((file) => file.includes(code)));
  assert.deepEqual(copied, [], 'blocks in docs/integrate.md that no file of the example has, as written');
});

test('every Python block in docs/integrate.md is in a file of examples/python-marketplace, verbatim', () => {
  const example = join(root, 'examples', 'python-marketplace');
  const files = readdirSync(example).filter((n) => n.endsWith('.py')).map((n) => readFileSync(join(example, n), 'utf8'));
  const guide = readFileSync(join(root, 'docs', 'integrate.md'), 'utf8');
  const blocks = [...guide.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map(([, code]) => code);
  assert.ok(blocks.length >= 5, `${blocks.length} Python blocks found`);
  const copied = blocks.filter((code) => !files.some((file) => file.includes(code)));
  assert.deepEqual(copied, [], 'blocks in docs/integrate.md that no file of the example has, as written');
});
