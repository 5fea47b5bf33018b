// Headless Debian Chromium driven by playwright-core (no browser download), as root.
import { chromium } from 'playwright-core';
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
