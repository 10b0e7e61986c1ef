// Evidence pictures in the real app (issue 11): the thumbnail is made in
// Rust, at thumbnail size, so the webview never decodes the original; a
// picture over the limits shows why it has no preview instead.
import assert from 'node:assert/strict';
import { deflateSync, constants, crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { axe, launch, sandbox, screenshot, waitText } from './harness.mjs';

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function png(width, height, zdata) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zdata), chunk('IEND', Buffer.alloc(0))]);
}

/** A 640 x 400 RGB gradient. */
function normalPng() {
  const [w, h] = [640, 400];
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (1 + 3 * w) + 1 + 3 * x;
      raw[o] = x % 256;
      raw[o + 1] = y % 256;
      raw[o + 2] = 160;
    }
  }
  return png(w, h, deflateSync(raw));
}

/** A 12,300 x 12,300 PNG of zeros (~440 KB, 454 MB decoded), made without
 * holding its pixels: 100 rows compressed once (sync flush), repeated,
 * then an empty final block and the Adler-32 of all zeros. */
function bombPng() {
  const side = 12300;
  const row = 1 + 3 * side;
  const run = deflateSync(Buffer.alloc(100 * row), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const parts = [run.subarray(0, 2)];
  for (let i = 0; i < side / 100; i++) parts.push(run.subarray(2));
  const n = BigInt(side) * BigInt(row);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((Number(n % 65521n) << 16) | 1) >>> 0);
  parts.push(Buffer.from([0x03, 0x00]), adler);
  return png(side, side, Buffer.concat(parts));
}

describe('Evidence pictures', () => {
  const box = sandbox();
  let app;

  before(async () => {
    box.cli('run', 'new', '--template', 'predeploy', '--target', 'v3.0.0', '--env', 'staging');
    const item = box.cli('run', 'show', '1').items[0].id;
    const bomb = bombPng();
    assert.ok(bomb.length < 500000, `the bomb is small on disk (${bomb.length} bytes)`);
    box.cli('evidence', 'add', '1', item, box.file('login page.png', normalPng()), box.file('huge.png', bomb));
    app = await launch(box);
    await (await app.browser.$('[data-testid=home]')).waitForExist({ timeout: 15000 });
  });
  after(async () => app && (await app.stop()));

  it('shows a thumbnail made in Rust, and says why a picture bomb has none', async () => {
    const { browser } = app;
    await (await browser.$('[data-run="1"]')).click();
    await waitText(browser, '[data-testid=evidence-panel]', 'login page.png', 10000);
    const thumb = await browser.$('.evidence-row img.thumb');
    await thumb.waitForExist({ timeout: 30000 });
    // 640 x 400 arrives as a 224 x 140 PNG: scaled in Rust, not in WebKit.
    await browser.waitUntil(async () => (await browser.execute((el) => el.naturalWidth, thumb)) === 224, {
      timeout: 30000,
      timeoutMsg: 'the thumbnail did not load at 224 px',
    });
    assert.equal(await browser.execute((el) => el.naturalHeight, thumb), 140);
    await waitText(browser, '[data-testid=no-thumb]', 'picture too large to render (12300×12300 px > 8192 px per side)', 30000);
    assert.equal(await browser.execute(() => document.querySelectorAll('.evidence-row img.thumb').length), 1, 'no <img> for the bomb');
    await screenshot(browser, 'evidence-thumbnails-light');
    assert.deepEqual(await axe(browser), [], 'Walkthrough with thumbnails');
  });
});
