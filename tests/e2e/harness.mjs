// Drives the real Signoff app (WebKitGTK) through tauri-driver and
// WebKitWebDriver. Each `launch()` starts tauri-driver with the app's
// environment (data dir, scripted file picks, theme) and opens a session.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

/** A script that runs the app under `strace -f -e trace=network`, writing
 * the trace (the app and every process it starts: WebKit's web and
 * network processes) to `trace`. Given to tauri-driver as the application. */
function tracedApp(box, trace) {
  const wrapper = join(box.dir, 'signoff-app-traced.sh');
  const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
  writeFileSync(wrapper, `#!/bin/sh\nexec strace -f -qq -e trace=network -o ${quote(trace)} ${quote(APP)} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

/** Starts tauri-driver + the app; returns { browser, stop }. With `trace`
 * (a file), the app runs under strace, which writes its network calls there. */
export async function launch(box, { theme = 'light', trace } = {}) {
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
    capabilities: { 'tauri:options': { application: trace ? tracedApp(box, trace) : APP }, 'wdio:enforceWebDriverClassic': true },
  });
  await browser.setWindowSize(1280, 800).catch(() => undefined);
  const stop = async () => {
    await browser.deleteSession().catch(() => undefined);
    // SIGTERM, never SIGKILL: a killed driver leaves WebKitWebDriver on 4445.
    driver.kill('SIGTERM');
    await new Promise((r) => driver.once('exit', r));
    // Deleting the session does not always end the app (seen under load):
    // an app left running keeps this file's stderr open, so the test runner
    // waits for it for ever, and its window ("Signoff") could be taken for
    // the next test's. End every app this sandbox started.
    await endApps(box.data);
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

/** The app processes started with `data` as their data folder. */
function appsOf(data) {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (cmd === APP && env.includes(`SIGNOFF_DATA_DIR=${data}`)) pids.push(Number(pid));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** Asks the app processes of a sandbox to end, then makes sure they did. */
async function endApps(data) {
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    const pids = appsOf(data);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
    const until = Date.now() + 5000;
    while (Date.now() < until && appsOf(data).length > 0) await sleep(100);
  }
  if (appsOf(data).length > 0) throw new Error(`the app of ${data} would not end`);
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
  try {
    await browser.waitUntil(
      async () => ((await browser.execute((sel) => document.querySelector(sel)?.textContent ?? '', selector)) ?? '').includes(text),
      { timeout, timeoutMsg: `${selector} never showed “${text}”` },
    );
  } catch (e) {
    throw new Error(`${e.message}\n${await diagnose(browser)}`);
  }
}

/** What the window showed when a wait failed: a screenshot, the focused
 * element, open toasts, buttons and their state, so a failure on CI says
 * what the person would have seen. */
export async function diagnose(browser) {
  const name = `failed-${Date.now()}`;
  try {
    mkdirSync(SHOTS, { recursive: true });
    execFileSync('/usr/bin/import', ['-window', 'Signoff', join(SHOTS, `${name}.png`)]);
  } catch {
    // No window to capture: the state below still says something.
  }
  const state = await browser
    .execute(() => ({
      url: location.hash,
      focused: document.activeElement?.outerHTML.slice(0, 160),
      toasts: document.querySelector('.toasts')?.textContent,
      buttons: [...document.querySelectorAll('button')].map((b) => `${b.textContent.trim()}${b.disabled ? ' (disabled)' : ''}`).slice(0, 30),
      alerts: [...document.querySelectorAll('[role=alert]')].map((a) => a.textContent),
    }))
    .catch((err) => ({ unavailable: String(err) }));
  return `window at failure (screenshot ${name}.png): ${JSON.stringify(state)}`;
}

/** Types `text` into a field and makes sure the field holds exactly it.
 * WebKitWebDriver sometimes drops a key that repeats the one before (the
 * "rr" of "correct") on a busy or cold machine, and a passphrase one letter
 * short is a wrong passphrase (issue 9's "race": the app then rightly
 * cleared the field, and the Sign button was disabled). Retypes up to three
 * times, then fails saying what the field held. */
export async function fill(element, text) {
  let got = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    await element.setValue(text);
    got = await element.getValue();
    if (got === text) return;
    console.error(`fill: the field held “${got}” instead of “${text}”; typing it again`);
  }
  throw new Error(`the field would not hold “${text}” (it holds “${got}”)`);
}

/** Types text into the focused field (element send-keys: WebKitWebDriver
 * drops repeated spaces from key actions). */
export async function type(browser, text) {
  const el = await browser.getActiveElement();
  await (await browser.$(el)).addValue(text);
}
