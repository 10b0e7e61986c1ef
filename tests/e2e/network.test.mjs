// No network, proven, for the app (issue 11): one scenario (a run started,
// a file attached, results recorded, the schedule and Verify screens
// opened) runs with the app under `strace -f -e trace=network` (see
// `launch(…, { trace })` in harness.mjs), which follows the app into every
// process it starts (WebKit's web and network processes). After the
// session ends the trace is read: no socket of an IP family may be opened
// except the one the WebDriver automation itself needs, and nothing may
// connect to, send to or bind an IP address other than that.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';

import { launch, press, sandbox, waitText, fill } from './harness.mjs';

/** Every network call of a trace, as { pid, call, family, line }, with the
 * address of calls that carry one. Unfinished calls (`<unfinished ...>`)
 * carry their arguments on the first line, which is the one read. */
function networkCalls(trace) {
  const calls = [];
  for (const line of trace.split('\n')) {
    const m = /^(\d+)\s+([a-z0-9_]+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, pid, call, rest] = m;
    const family = /^(AF_[A-Z0-9]+)/.exec(rest)?.[1] ?? /sa_family=(AF_[A-Z0-9]+)/.exec(rest)?.[1] ?? null;
    const ip = /inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"/.exec(rest)?.[1] ?? null;
    const port = /sin6?_port=htons\((\d+)\)/.exec(rest)?.[1] ?? null;
    calls.push({ pid: Number(pid), call, family, ip, port: port && Number(port), line });
  }
  return calls;
}

describe('No network: the app under strace', () => {
  const box = sandbox();
  const trace = join(box.dir, 'app-network.trace');
  let app;
  before(async () => {
    execFileSync('strace', ['-V']); // fails the suite clearly when strace is missing
    app = await launch(box, { trace });
    await (await app.browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
  });
  after(async () => app && (await app.stop()));

  it('runs a scenario: a run, a file, results, the schedule and Verify', async () => {
    const { browser } = app;
    await (await browser.$('[data-testid=new-run]')).click();
    await (await browser.$('[data-testid=new-run-screen]')).waitForExist();
    await fill(await browser.$('input[name=target]'), 'v9.9.9');
    await (await browser.$('[data-testid=start-run]')).click();
    await (await browser.$('[data-testid=walkthrough]')).waitForExist({ timeout: 5000 });
    box.pick(box.file('scan.txt', 'nmap: 2 ports open\n'));
    await press(browser, 'a');
    await waitText(browser, '[data-testid=evidence-panel]', 'scan.txt');
    await press(browser, 'p');
    await waitText(browser, '[data-testid=save-state]', 'All changes saved');
    await (await browser.$('[data-testid=nav-maintenance]')).click();
    await (await browser.$('[data-testid=maintenance]')).waitForExist();
    await (await browser.$('[data-testid=nav-verify]')).click();
    await (await browser.$('[data-testid=verify]')).waitForExist();
    const shown = box.cli('run', 'show', '1');
    assert.equal(shown.items[0].status, 'pass');
    assert.equal(shown.items[0].evidence[0].name, 'scan.txt');
  });

  it('refuses a device picked in Verify, naming it, without reading it', async () => {
    const { browser } = app;
    // Read whole, /dev/zero would fill the app's memory (issue 11).
    box.pick('/dev/zero');
    await (await browser.$('[data-testid=open-report]')).click();
    await waitText(browser, '[data-testid=verify-error]', '/dev/zero: is not a regular file (a device, socket or pipe)', 15000);
  });

  it('opened no IP socket but the automation port, and connected nowhere', async () => {
    await app.stop();
    app = undefined;
    const text = readFileSync(trace, 'utf8');
    const calls = networkCalls(text);
    assert.ok(calls.length > 0, 'the trace holds the app’s network calls (strace followed it)');
    const opened = new Map();
    for (const c of calls.filter((c) => c.call === 'socket' || c.call === 'socketpair')) {
      opened.set(c.family, (opened.get(c.family) ?? 0) + 1);
    }
    console.error(`sockets the app and its WebKit processes opened, by family: ${JSON.stringify(Object.fromEntries(opened))}`);
    // AF_UNIX: D-Bus, the X server, the IPC between the app and WebKit's
    // processes. AF_NETLINK: GLib's GNetworkMonitor (NETLINK_ROUTE) watches
    // for network changes, reading routes; it sends nothing anywhere.
    // AF_INET: the WebDriver automation only (below).
    const allowed = new Set(['AF_UNIX', 'AF_NETLINK', 'AF_INET']);
    for (const family of opened.keys()) assert.ok(allowed.has(family), `the app opened an ${family} socket:\n${calls.filter((c) => c.family === family).map((c) => c.line).join('\n')}`);
    // Every IP address the app handed the kernel is the loopback address of
    // the automation's inspector server: WebKitWebDriver starts the app with
    // WEBKIT_INSPECTOR_SERVER=127.0.0.1:<port>, and the app listens there
    // for the driver. It never connects to an IP address itself.
    const ip = calls.filter((c) => c.ip !== null);
    const elsewhere = ip.filter((c) => c.ip !== '127.0.0.1');
    assert.deepEqual(elsewhere.map((c) => c.line), [], 'no IP address but the loopback');
    const connects = ip.filter((c) => ['connect', 'sendto', 'sendmsg'].includes(c.call));
    assert.deepEqual(connects.map((c) => c.line), [], 'the app connects to no IP address, not even the loopback');
    const ports = new Set(ip.filter((c) => c.call === 'bind').map((c) => c.port));
    assert.ok(ports.size <= 1, `one automation port at most: ${[...ports]}`);
    for (const p of ports) assert.notEqual(p, 0, 'the automation port is a fixed one');
  });
});
