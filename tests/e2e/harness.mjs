// Drives the real Signoff app (WebKitGTK) through tauri-driver and
// WebKitWebDriver. Each `launch()` starts tauri-driver with the app's
// environment (data dir, scripted file picks, theme) and opens a session.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';

import { remote } from 'webdriverio';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const APP = process.env.SIGNOFF_APP_BIN ?? join(ROOT, 'target/debug/signoff-app');
export const CLI = process.env.SIGNOFF_CLI_BIN ?? join(ROOT, 'target/debug/signoff');
export const SHOTS = join(here, 'artifacts/screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A fresh data directory and a file that stands in for the native picker. */
export function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-e2e-'));
  const data = join(dir, 'data');
  const picks = join(dir, 'picks.txt');
  writeFileSync(picks, '');
  return {
    dir,
    data,
    picks,
    /** The next native dialog "chooses" these files. */
    pick: (...paths) => writeFileSync(picks, paths.join('\n')),
    file: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cli: (...args) => JSON.parse(execFileSync(CLI, ['--data-dir', data, '--actor', 'e2e', '--json', ...args], { encoding: 'utf8' })),
  };
}

async function waitForPort(port, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/** Starts tauri-driver + the app; returns { browser, stop }. */
export async function launch(box, { theme = 'light' } = {}) {
  const env = {
    ...process.env,
    SIGNOFF_DATA_DIR: box.data,
    SIGNOFF_E2E_PICKS: box.picks,
    GTK_THEME: theme === 'dark' ? 'Adwaita:dark' : 'Adwaita',
  };
  const driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', '4444', '--native-port', '4445'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(4444);
  const started = Date.now();
  const browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'error',
    capabilities: { 'tauri:options': { application: APP }, 'wdio:enforceWebDriverClassic': true },
  });
  await browser.setWindowSize(1280, 800).catch(() => undefined);
  const stop = async () => {
    await browser.deleteSession().catch(() => undefined);
    // SIGTERM, never SIGKILL: a killed driver leaves WebKitWebDriver on 4445.
    driver.kill('SIGTERM');
    await new Promise((r) => driver.once('exit', r));
  };
  /** Closes the window the way a user does (the window manager's close
   * request), then waits for the app to exit. */
  const closeLikeAUser = async () => {
    execFileSync('/usr/bin/python3', [join(here, 'close-window.py'), 'Signoff']);
    const until = Date.now() + 8000;
    while (Date.now() < until) {
      const alive = await browser.getTitle().then(() => true, () => false);
      if (!alive) break;
      await sleep(100);
    }
    await stop();
  };
  return { browser, stop, closeLikeAUser, started };
}

/** Waits two animation frames so a screenshot shows the latest DOM. */
export async function settle(browser) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

/** Saves a PNG of the app window as the X server shows it (ImageMagick's
 * `import`): WebKitWebDriver's own screenshot can hang when WebKit renders
 * without GPU compositing, which the app asks for (see src-tauri/src/lib.rs). */
export async function screenshot(browser, name) {
  mkdirSync(SHOTS, { recursive: true });
  await settle(browser);
  await sleep(150);
  execFileSync('/usr/bin/import', ['-window', 'Signoff', join(SHOTS, `${name}.png`)]);
}

/** Runs axe-core in the page; returns serious and critical violations. */
export async function axe(browser) {
  // Injected as a script of its own (WebDriver scripts are not page
  // scripts, so the app's CSP, which forbids eval, does not apply).
  if (!(await browser.execute(() => Boolean(window.axe)))) await browser.execute(`${AXE}; return true;`);
  const result = await browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ['violations'] })
      .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5), help: v.help })))))
      .catch((e) => done(JSON.stringify({ error: String(e) })));
  });
  const parsed = JSON.parse(result);
  if (parsed.error) throw new Error(`axe failed: ${parsed.error}`);
  return parsed.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function press(browser, ...keys) {
  for (const k of keys) {
    await browser.keys(k);
    await sleep(40);
  }
}

/** Waits until an element's text contains `text` (textContent: WebDriver's
 * visible-text heuristics drop ellipsised text). */
export async function waitText(browser, selector, text, timeout = 5000) {
  await browser.waitUntil(
    async () => ((await browser.execute((sel) => document.querySelector(sel)?.textContent ?? '', selector)) ?? '').includes(text),
    { timeout, timeoutMsg: `${selector} never showed “${text}”` },
  );
}

/** Types text into the focused field (element send-keys: WebKitWebDriver
 * drops repeated spaces from key actions). */
export async function type(browser, text) {
  const el = await browser.getActiveElement();
  await (await browser.$(el)).addValue(text);
}
