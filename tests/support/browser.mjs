// Headless Debian Chromium driven by playwright-core (no browser download), as root.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Where screenshots and other evidence go (kept as CI artifacts). */
export function artifact(name) {
  const dir = process.env.VALE_ARTIFACTS ?? path.resolve('tests/artifacts');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** Records every `vale:*` event that reaches the document (they bubble and are composed). */
export function recordEvents(page) {
  return page.addInitScript(() => {
    window.valeEvents = [];
    for (const name of ['vale:ready', 'vale:paid', 'vale:expired', 'vale:cancelled',
      'vale:refunded', 'vale:error']) {
      document.addEventListener(name, (e) => window.valeEvents.push({ name, detail: e.detail }));
    }
  });
}

/** Waits (at most `timeout` ms) for the first recorded `name` event; answers its detail. */
export async function eventDetail(page, name, timeout = 30_000) {
  const handle = await page.waitForFunction(
    (n) => window.valeEvents.find((e) => e.name === n)?.detail, name, { timeout });
  return handle.jsonValue();
}

/** Decodes a PNG with zbar, an independent decoder; answers its lines (`TYPE:data`). */
export function zbar(png) {
  try {
    // stderr ignored: zbar complains there that it finds no D-Bus, which changes nothing.
    return execFileSync('zbarimg', ['--quiet', png],
      { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] })
      .trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
