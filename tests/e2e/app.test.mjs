// End-to-end tests of the real Signoff app in its real webview (WebKitGTK),
// driven through tauri-driver under Xvfb. Run by `cargo xtask test`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { axe, launch, press, sandbox, screenshot, settle, type, waitText, fill } from './harness.mjs';

// A 1x1 PNG, pasted as a "screenshot".
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const XSS_IMG = '<img src=x onerror="window.__xss=\'img\'">';
const XSS_SCRIPT = '<script>window.__xss="script"</script>';

async function currentItem(browser) {
  return (await browser.$('[data-testid=item-view]')).getAttribute('data-item');
}

async function waitSaved(browser) {
  await waitText(browser, '[data-testid=save-state]', 'All changes saved');
}

/** The plan for the 15 predeploy items: [key, note, extra]. */
const PLAN = [
  ['p', 'pip show django: 4.2.24'],
  ['p', 'diffsettings shows DEBUG = False'],
  ['p', null],
  ['p', 'Only yourdomain.com and www'],
  ['n', null, 'Internal service behind Tailscale, no public HTTPS'],
  ['p', 'PostgreSQL, random 32-char password'],
  ['f', 'SECURE_BROWSER_XSS_FILTER missing', 'waive'],
  ['p', null],
  ['p', 'Nightly pg_dump, restore tested'],
  ['p', null],
  ['p', null],
  ['p', 'gitleaks: no leaks found'],
  ['f', 'pip-audit reports 1 vulnerability'],
  ['p', null],
  ['n', 'Next pentest in Q1', 'Pentest scheduled for the quarterly cycle'],
];

describe('Signoff desktop app', () => {
  const box = sandbox();
  let app;
  before(async () => {
    app = await launch(box);
    await (await app.browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
  });
  after(async () => app && (await app.stop()));

  it('shows the home screen, accessibly', async () => {
    const { browser } = app;
    await waitText(browser, '[data-testid=home]', 'Pre-deployment security checklist');
    await screenshot(browser, 'home-empty-light');
    assert.deepEqual(await axe(browser), [], 'no serious or critical axe violations on Home');
  });

  it('starts a run of the built-in predeploy template', async () => {
    const { browser } = app;
    await (await browser.$('[data-testid=new-run]')).click();
    await (await browser.$('[data-testid=new-run-screen]')).waitForExist();
    await fill(await browser.$('input[name=target]'), 'v1.4.0');
    await screenshot(browser, 'new-run-light');
    assert.deepEqual(await axe(browser), [], 'New run screen');
    await (await browser.$('[data-testid=start-run]')).click();
    await (await browser.$('[data-testid=walkthrough]')).waitForExist({ timeout: 5000 });
    assert.equal(await currentItem(browser), 'django-version');
    await waitText(browser, '[data-testid=current-run]', 'v1.4.0 · production');
  });

  it('walks all 15 items with the keyboard: pass, fail, N/A, notes, a waiver', async () => {
    const { browser } = app;
    for (const [i, [key, note, extra]] of PLAN.entries()) {
      const id = await currentItem(browser);
      if (note) {
        await press(browser, 'e');
        await type(browser, note);
        await press(browser, 'Escape');
      }
      await press(browser, key);
      if (key === 'n') {
        const reason = await browser.$('[data-testid=na-reason]');
        await reason.waitForExist();
        await type(browser, extra);
        await press(browser, 'Enter');
      }
      await browser.waitUntil(
        async () => (await (await browser.$(`.side-item[data-item="${id}"]`)).getAttribute('data-status')) === { p: 'pass', f: 'fail', n: 'na' }[key],
        { timeout: 4000, timeoutMsg: `item ${i + 1} (${id}) did not take status ${key}` },
      );
      if (extra === 'waive') {
        await press(browser, 'w');
        const form = await browser.$('[data-testid=waiver-form]');
        await form.waitForExist();
        await fill(await form.$('textarea'), 'Header lands with the 1.4.1 Nginx change');
        // The date widget's typing order follows the locale; set the value.
        await browser.execute((el) => {
          el.value = '2099-01-31';
          el.dispatchEvent(new Event('input', { bubbles: true }));
        }, await form.$('input[type=date]'));
        await (await form.$('button[type=submit]')).click();
        await waitText(browser, '[data-testid=waiver]', 'Waived until 2099-01-31');
        await screenshot(browser, 'walkthrough-fail-waiver-light');
      }
      await waitSaved(browser);
      if (i < PLAN.length - 1) await press(browser, 'j');
    }
    // The backend has every result, as the CLI sees it.
    const run = box.cli('run', 'show', '1');
    const expected = { p: 'pass', f: 'fail', n: 'na' };
    run.items.forEach((item, i) => {
      assert.equal(item.status, expected[PLAN[i][0]], `${item.id} status`);
      if (PLAN[i][1]) assert.equal(item.note, PLAN[i][1], `${item.id} note`);
    });
    assert.equal(run.items[4].reason, PLAN[4][2]);
    assert.equal(run.items[6].waiver.expiresOn, '2099-01-31');
    assert.equal(run.items[6].waiver.justification, 'Header lands with the 1.4.1 Nginx change');
  });

  it('attaches a file (native dialog stand-in) and a pasted screenshot', async () => {
    const { browser } = app;
    await press(browser, 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k');
    assert.equal(await currentItem(browser), 'django-version');
    box.pick(box.file('pip show django.txt', 'Name: Django\nVersion: 4.2.24\n'));
    await press(browser, 'a');
    await waitText(browser, '[data-testid=evidence-panel]', 'pip show django.txt');
    await browser.execute((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'clip.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    }, PNG.toString('base64'));
    await waitText(browser, '[data-testid=evidence-panel]', 'Pasted screenshot');
    const thumb = await browser.$('.evidence-row img.thumb');
    await thumb.waitForExist({ timeout: 5000 });
    await browser.waitUntil(async () => (await browser.execute((el) => el.naturalWidth, thumb)) === 1, { timeoutMsg: 'thumbnail loaded' });
    await waitSaved(browser);
    await screenshot(browser, 'walkthrough-evidence-light');
    assert.deepEqual(await axe(browser), [], 'Walkthrough screen');
    const ev = box.cli('run', 'show', '1').items[0].evidence;
    assert.deepEqual(ev.map((e) => e.kind), ['file', 'file']);
    assert.equal(ev[0].name, 'pip show django.txt');
    assert.equal(ev[1].mediaType, 'image/png');
    assert.equal(ev[1].size, PNG.length);
  });

  it('keeps a note typed just before the window closes, and everything after a relaunch', async () => {
    await press(app.browser, 'j', 'j'); // secret-key: no note yet
    await press(app.browser, 'e');
    await type(app.browser, 'typed right before closing');
    await app.closeLikeAUser(); // no wait for the debounce: closing must save it
    app = await launch(box);
    const { browser } = app;
    await (await browser.$('[data-run="1"]')).waitForExist({ timeout: 15000 });
    await (await browser.$('[data-run="1"]')).click();
    await (await browser.$('[data-testid=walkthrough]')).waitForExist();
    const statuses = await browser.$$('.side-item').map((el) => el.getAttribute('data-status'));
    assert.deepEqual(statuses, PLAN.map(([k]) => ({ p: 'pass', f: 'fail', n: 'na' })[k]));
    assert.equal(await (await browser.$('[data-testid=note]')).getValue(), PLAN[0][1]);
    await waitText(browser, '[data-testid=evidence-panel]', 'pip show django.txt');
    const run = box.cli('run', 'show', '1');
    assert.equal(run.items[2].note, 'typed right before closing');
  });

  it('shows a change made with the CLI while the window is open', async () => {
    const { browser } = app;
    box.cli('run', 'set', '1', 'django-version', '--note', 'changed from the CLI');
    await browser.waitUntil(async () => (await (await browser.$('[data-testid=note]')).getValue()) === 'changed from the CLI', {
      timeout: 6000,
      timeoutMsg: 'the open window did not pick up the CLI change',
    });
  });

  it('imports a Markdown checklist through the UI, with a preview', async () => {
    const { browser } = app;
    await press(browser, 'h');
    await (await browser.$('[data-testid=import-checklist]')).click();
    box.pick(box.file('empty.md', '# Notes\n\nNo tasks here.\n'));
    await (await browser.$('[data-testid=choose-file]')).click();
    await waitText(browser, '[data-testid=import-error]', 'no task items found');
    box.pick(box.file('release.md', '# Release checklist\r\n\r\n## Before\r\n- [ ] Tag the release\r\n- [x] **Changelog** updated\r\n## After\r\n1. [ ] Announce it\r\n'));
    await (await browser.$('[data-testid=choose-file]')).click();
    await waitText(browser, '[data-testid=import-preview]', 'Announce it');
    await screenshot(browser, 'import-preview-light');
    assert.deepEqual(await axe(browser), [], 'Import screen');
    await (await browser.$('[data-testid=confirm-import]')).click();
    await (await browser.$('[data-testid=new-run-screen]')).waitForExist();
    assert.equal(await (await browser.$('input[value="release-checklist"]')).isSelected(), true);
    const templates = box.cli('template', 'list').map((t) => t.id);
    assert.ok(templates.includes('release-checklist'));
  });

  it('shows hostile template text and notes as text, executing nothing', async () => {
    const { browser } = app;
    const md = [
      `# Hostile ${XSS_IMG}`,
      `## Section ${XSS_SCRIPT}`,
      `- [ ] Item ${XSS_IMG} and ${XSS_SCRIPT}`,
      `  - guidance ${XSS_IMG} [click me](javascript:window.__xss='link') <a href="javascript:window.__xss='a'">raw link</a>`,
      '',
    ].join('\n');
    box.pick(box.file('hostile.md', md));
    await (await browser.$('.brand')).click();
    await (await browser.$('[data-testid=import-checklist]')).click();
    await (await browser.$('[data-testid=choose-file]')).click();
    await (await browser.$('[data-testid=import-preview]')).waitForExist();
    await (await browser.$('[data-testid=confirm-import]')).click();
    await fill(await browser.$('input[name=target]'), `v9 ${XSS_IMG}`);
    await (await browser.$('[data-testid=start-run]')).click();
    await (await browser.$('[data-testid=walkthrough]')).waitForExist();
    await press(browser, 'e');
    await type(browser, `note ${XSS_IMG}`);
    await press(browser, 'Escape');
    await waitSaved(browser);
    for (const link of await browser.$$('.markdown a')) await link.click();
    await sleep(300);
    const probe = await browser.execute(() => ({
      xss: window.__xss ?? null,
      imgs: document.querySelectorAll('.item-view img, .sidebar img, .markdown img').length,
      scripts: document.querySelectorAll('#app script').length,
      jsLinks: [...document.querySelectorAll('a')].filter((a) => (a.getAttribute('href') ?? '').startsWith('javascript:')).length,
      title: document.querySelector('#item-title')?.textContent,
      crumb: document.querySelector('[data-testid=current-run]')?.textContent,
    }));
    assert.equal(probe.xss, null, 'no payload ran');
    assert.equal(probe.imgs, 0, 'no <img> element was created from text');
    assert.equal(probe.scripts, 0);
    assert.equal(probe.jsLinks, 0, 'javascript: links are not rendered as links');
    assert.ok(probe.title.includes('<img src=x onerror='), `the title shows the markup as text: ${probe.title}`);
    assert.ok(probe.crumb.includes('<img src=x'), 'the target shows as text');
    assert.equal(await (await browser.$('[data-testid=note]')).getValue(), `note ${XSS_IMG}`);
    await screenshot(browser, 'walkthrough-hostile-text-light');
  });
});

describe('Dark theme screenshots', () => {
  it('renders every main screen in dark', async () => {
    const box = sandbox();
    box.cli('run', 'new', '--template', 'predeploy', '--target', 'v1.4.0', '--env', 'production');
    box.cli('run', 'set', '1', 'django-version', '--status', 'pass', '--note', 'pip show django: 4.2.24');
    box.cli('run', 'set', '1', 'debug-false', '--status', 'fail');
    box.cli('run', 'waive', '1', 'debug-false', '--justification', 'Fixed in the next deploy', '--expires', '2099-01-31');
    const app = await launch(box, { theme: 'dark' });
    try {
      const { browser } = app;
      await (await browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
      const dark = await browser.execute(() => matchMedia('(prefers-color-scheme: dark)').matches);
      assert.equal(dark, true, 'the webview follows the system dark theme');
      await screenshot(browser, 'home-dark');
      assert.deepEqual(await axe(browser), [], 'Home (dark)');
      await (await browser.$('[data-run="1"]')).click();
      await (await browser.$('[data-testid=walkthrough]')).waitForExist();
      await press(browser, 'j');
      await waitText(browser, '[data-testid=signoff-state]', '15 items block sign-off');
      await screenshot(browser, 'walkthrough-dark');
      assert.deepEqual(await axe(browser), [], 'Walkthrough (dark)');
      await press(browser, 'h');
      await (await browser.$('[data-testid=new-run]')).click();
      await screenshot(browser, 'new-run-dark');
      await (await browser.$('.brand')).click();
      await (await browser.$('[data-testid=import-checklist]')).click();
      box.pick(box.file('ops.md', '# Ops checklist\n\n## Weekly\n- [ ] Review logs\n- [ ] Check backups\n'));
      await (await browser.$('[data-testid=choose-file]')).click();
      await waitText(browser, '[data-testid=import-preview]', 'Check backups');
      await screenshot(browser, 'import-preview-dark');
      assert.deepEqual(await axe(browser), [], 'Import (dark)');
      await browser.setWindowSize(1024, 700);
      await press(browser, 'Escape');
      await (await browser.$('.brand')).click();
      await (await browser.$('[data-run="1"]')).click();
      await (await browser.$('[data-testid=walkthrough]')).waitForExist();
      await settle(browser);
      await screenshot(browser, 'walkthrough-1024x700-dark');
      await browser.setWindowSize(1280, 800);
      await (await browser.$('[data-testid=review-sign]')).click();
      await waitText(browser, '[data-testid=blockers]', 'not checked yet');
      await screenshot(browser, 'review-blocked-dark');
      assert.deepEqual(await axe(browser), [], 'Review & sign (dark)');
      await (await browser.$('[data-testid=nav-verify]')).click();
      await (await browser.$('[data-testid=verify]')).waitForExist();
      await screenshot(browser, 'verify-empty-dark');
      assert.deepEqual(await axe(browser), [], 'Verify (dark)');
    } finally {
      await app.stop();
    }
  });
});

describe('Long runs', () => {
  it('show one section of the sidebar at a time, and open others on request', async () => {
    const box = sandbox();
    let toml = 'id = "long"\nname = "Long checklist"\n';
    for (let s = 0; s < 4; s++) {
      toml += `[[section]]\nid = "s${s}"\ntitle = "Part ${s + 1}"\n`;
      for (let i = 0; i < 60; i++) toml += `[[section.item]]\nid = "i${s}-${i}"\ntitle = "Check ${s + 1}.${i + 1}"\n`;
    }
    box.cli('template', 'import', box.file('long.toml', toml));
    box.cli('run', 'new', '--template', 'long', '--target', 'v2');
    const app = await launch(box);
    try {
      const { browser } = app;
      await (await browser.$('[data-run="1"]')).waitForExist({ timeout: 15000 });
      await (await browser.$('[data-run="1"]')).click();
      await (await browser.$('[data-testid=walkthrough]')).waitForExist();
      assert.equal((await browser.$$('.side-item')).length, 60, 'only the current section is expanded');
      const part3 = await browser.$('//button[contains(@class, "side-section-title") and contains(., "Part 3")]');
      await part3.click();
      assert.equal((await browser.$$('.side-item')).length, 120, 'a clicked section opens');
      await (await browser.$('.side-item[data-item="i2-5"]')).click();
      assert.equal(await currentItem(browser), 'i2-5');
      assert.deepEqual(await axe(browser), [], 'collapsible sidebar');
    } finally {
      await app.stop();
    }
  });
});
