// The maintenance schedule in the real app: Home shows what is due this
// week, the Maintenance view groups tasks (overdue first), the calendar
// shows the month and the past year, an overdue task is completed with a
// note and evidence (dialog stand-in and a pasted screenshot) and its next
// occurrence appears, and
// the release gate blocks a sign-off while a task is overdue.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { axe, launch, sandbox, screenshot, waitText, fill } from './harness.mjs';

// A 1x1 PNG, pasted as a "screenshot".
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** YYYY-MM-DD, `days` from today (UTC, like the app's dates). */
function day(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

describe('Maintenance schedule', () => {
  const box = sandbox();
  let app;

  before(async () => {
    box.cli('schedule', 'add', '--title', 'Check TLS certificate expiry', '--every', 'every 2 weeks', '--start', day(-45), '--grace', '2', '--id', 'tls');
    box.cli('schedule', 'add', '--title', 'Restore a backup', '--every', 'monthly', '--start', day(3), '--id', 'restore');
    box.cli('schedule', 'done', 'tls', '--on', day(-44), '--note', 'First check');
    box.cli('run', 'new', '--template', 'predeploy', '--target', 'v3.0.0', '--env', 'production', '--require-maintenance');
    app = await launch(box);
    await (await app.browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
  });
  after(async () => app && (await app.stop()));

  it('shows what is due this week on Home', async () => {
    const { browser } = app;
    await waitText(browser, '[data-testid=due-this-week]', 'Check TLS certificate expiry');
    await waitText(browser, '[data-testid=due-this-week]', 'Restore a backup');
    await waitText(browser, '[data-testid=due-this-week]', 'days late');
    await screenshot(browser, 'home-maintenance-light');
    assert.deepEqual(await axe(browser), [], 'Home with maintenance');
  });

  it('groups tasks by standing, overdue first, and shows the calendar', async () => {
    const { browser } = app;
    await (await browser.$('[data-testid=nav-maintenance]')).click();
    await (await browser.$('[data-testid=maintenance]')).waitForExist();
    const groups = await browser.execute(() => [...document.querySelectorAll('[data-group]')].map((g) => g.getAttribute('data-group')));
    assert.equal(groups[0], 'overdue', `groups in order: ${groups}`);
    await waitText(browser, '[data-group=overdue]', 'Check TLS certificate expiry');
    await waitText(browser, '[data-group=upcoming]', 'Review logs for suspicious activity');
    await screenshot(browser, 'maintenance-light');
    assert.deepEqual(await axe(browser), [], 'Maintenance');
    await (await browser.$('[data-testid=tab-calendar]')).click();
    await (await browser.$('[data-testid=calendar]')).waitForExist();
    await waitText(browser, '[data-testid=calendar]', 'The past year');
    const missed = await browser.execute(() => document.querySelectorAll('.year-table .occ-missed').length);
    assert.ok(missed >= 1, 'the past year shows the missed fortnight');
    await screenshot(browser, 'maintenance-calendar-light');
    assert.deepEqual(await axe(browser), [], 'Calendar');
  });

  it('blocks the sign-off of a gated run while a task is overdue', async () => {
    const { browser } = app;
    await (await browser.$('.brand')).click();
    await (await browser.$('[data-run="1"]')).click();
    await (await browser.$('[data-testid=review-sign]')).click();
    await waitText(browser, '[data-testid=blockers]', 'Maintenance: Check TLS certificate expiry');
    await waitText(browser, '[data-testid=blockers]', 'release gate');
  });

  it('completes the overdue task with a note and evidence; the next occurrence appears', async () => {
    const { browser } = app;
    // The blocker links to the task.
    const link = await browser.$('button=Maintenance: Check TLS certificate expiry');
    await link.click();
    await (await browser.$('[data-testid=task-page]')).waitForExist();
    assert.equal(await (await browser.$('[data-testid=standing]')).getAttribute('data-standing'), 'overdue');
    box.pick(box.file('tls-check.txt', 'openssl s_client: all certificates valid for 60+ days\n'));
    await (await browser.$('[data-testid=attach]')).click();
    await waitText(browser, '[data-testid=picked]', 'tls-check.txt');
    // A pasted screenshot joins the picked file.
    await browser.execute((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'clip.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    }, PNG.toString('base64'));
    await waitText(browser, '[data-testid=picked]', 'Pasted screenshot');
    await fill(await browser.$('[data-field=note]'), 'All certificates valid for 60+ days');
    await screenshot(browser, 'task-mark-done-light');
    assert.deepEqual(await axe(browser), [], 'Task page');
    await (await browser.$('[data-testid=done]')).click();
    await browser.waitUntil(
      async () => (await (await browser.$('[data-testid=standing]')).getAttribute('data-standing')) === 'upcoming',
      { timeout: 15000, timeoutMsg: 'the task did not move on to its next occurrence' },
    );
    await waitText(browser, '[data-testid=completions]', 'tls-check.txt');
    await waitText(browser, '[data-testid=completions]', 'All certificates valid for 60+ days');
    const states = await browser.execute(() => [...document.querySelectorAll('[data-testid=occurrences] li')].map((li) => li.getAttribute('data-state')));
    assert.ok(states.includes('late') || states.includes('done'), `a done occurrence: ${states}`);
    assert.ok(states.includes('upcoming'), `the next occurrence: ${states}`);
    await screenshot(browser, 'task-done-light');
    const shown = box.cli('schedule', 'show', 'tls');
    assert.equal(shown.completions.length, 2);
    assert.equal(shown.completions[1].files[0].name, 'tls-check.txt');
    assert.equal(shown.completions[1].files[1].mediaType, 'image/png');
    assert.equal(shown.status.standing, 'upcoming');
  });

  it('lets the gated run be signed once nothing is overdue', async () => {
    const { browser } = app;
    await (await browser.$('.brand')).click();
    await (await browser.$('[data-run="1"]')).click();
    await (await browser.$('[data-testid=review-sign]')).click();
    await (await browser.$('[data-testid=blockers]')).waitForExist();
    const text = await browser.execute(() => document.querySelector('[data-testid=blockers]').textContent);
    assert.ok(!text.includes('Maintenance:'), 'the gate no longer blocks');
  });
});

describe('Maintenance in dark', () => {
  it('renders the Maintenance view and the calendar', async () => {
    const box = sandbox();
    box.cli('schedule', 'add', '--title', 'Check TLS certificate expiry', '--every', 'every 2 weeks', '--start', day(-30), '--id', 'tls');
    const app = await launch(box, { theme: 'dark' });
    try {
      const { browser } = app;
      await (await browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
      await (await browser.$('[data-testid=nav-maintenance]')).click();
      await waitText(browser, '[data-group=overdue]', 'Check TLS certificate expiry');
      await screenshot(browser, 'maintenance-dark');
      assert.deepEqual(await axe(browser), [], 'Maintenance (dark)');
      await (await browser.$('[data-testid=tab-calendar]')).click();
      await (await browser.$('[data-testid=calendar]')).waitForExist();
      await screenshot(browser, 'maintenance-calendar-dark');
      assert.deepEqual(await axe(browser), [], 'Calendar (dark)');
    } finally {
      await app.stop();
    }
  });
});
