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

/** The calls that name a socket address, as { pid, call, family, ip,
 * port, line }, and every socket opened, as { pid, call, family, protocol,
 * line }. Only the address argument is read: a netlink reply listing the
 * routing table (recvmsg) mentions IP addresses without going anywhere. */
function networkCalls(trace) {
  const addressed = [];
  const opened = [];
  for (const line of trace.split('\n')) {
    const m = /^(\d+)\s+([a-z0-9_]+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, pid, call, rest] = m;
    if (call === 'socket' || call === 'socketpair') {
      const [family, , protocol] = rest.split(/,\s*/);
      opened.push({ pid: Number(pid), call, family, protocol: protocol?.replace(/\s*(<unfinished.*|\).*)$/, ''), line });
    }
    if (['connect', 'bind', 'sendto', 'sendmsg'].includes(call)) {
      const family = /\{sa_family=(AF_[A-Z0-9]+)/.exec(rest)?.[1] ?? null;
      const ip = /sin6?_addr=inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"/.exec(rest)?.[1] ?? null;
      const port = /sin6?_port=htons\((\d+)\)/.exec(rest)?.[1];
      addressed.push({ pid: Number(pid), call, family, ip, port: port ? Number(port) : null, line });
    }
  }
  return { addressed, opened };
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

  it('opened no IP socket but the WebDriver automation port on 127.0.0.1', async () => {
    await app.stop();
    app = undefined;
    const { addressed, opened } = networkCalls(readFileSync(trace, 'utf8'));
    assert.ok(opened.length > 0, 'the trace holds the app’s sockets (strace followed it)');
    const families = {};
    for (const o of opened) families[o.family] = (families[o.family] ?? 0) + 1;
    console.error(`sockets the app and its WebKit processes opened, by family: ${JSON.stringify(families)}`);
    // Seen (WebKitGTK 2.x under Xvfb): AF_UNIX sockets and socketpairs (the
    // X server, D-Bus, the IPC between the app and WebKit's web and network
    // processes); AF_NETLINK with NETLINK_ROUTE (GLib's GNetworkMonitor
    // reads the routing table and subscribes to its changes; it sends
    // nothing off the machine); AF_INET for the WebDriver automation only
    // (below). Nothing else is allowed: no AF_INET6, no AF_PACKET.
    for (const o of opened) {
      const ok = o.family === 'AF_UNIX' || o.family === 'AF_INET' || (o.family === 'AF_NETLINK' && o.protocol === 'NETLINK_ROUTE');
      assert.ok(ok, `the app opened a socket it has no reason to: ${o.line}`);
    }
    // WebKitWebDriver starts the app with WEBKIT_INSPECTOR_SERVER set to
    // 127.0.0.1 and a port; the app listens there for the driver (the one
    // bind), and its own threads connect to that port. Every IP address
    // the app hands the kernel must be that one.
    const ip = addressed.filter((c) => c.family === 'AF_INET' || c.family === 'AF_INET6');
    const binds = ip.filter((c) => c.call === 'bind');
    assert.equal(binds.length, 1, `one listening socket, the automation's: ${binds.map((c) => c.line).join('\n')}`);
    const [{ ip: host, port }] = binds;
    assert.equal(host, '127.0.0.1', 'the automation listens on the loopback only');
    assert.ok(port > 0, 'on a port of its own');
    const elsewhere = ip.filter((c) => c.ip !== '127.0.0.1' || c.port !== port);
    assert.deepEqual(elsewhere.map((c) => c.line), [], `no IP address but 127.0.0.1:${port} (the automation port)`);
    console.error(`IP calls: ${ip.length}, all to or on 127.0.0.1:${port} (WebDriver automation)`);
  });
});
