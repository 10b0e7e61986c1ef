// Measurements (not tests) of the real app, printed for `cargo xtask measure`:
// launch to first interactive screen, opening a 2,000-item run, idle memory
// (PSS) of the app's processes, and the release binary's size.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { APP, launch, sandbox } from './harness.mjs';

const ITEMS = 2000;
const ROUNDS = 5;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** PSS (KiB) of a process and all its descendants. */
function pssTree(rootPid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (pid) => {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const pss = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      out.push({ pid, name, pss });
    } catch {
      /* gone */
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(rootPid);
  return out;
}

const box = sandbox();
let toml = 'id = "big"\nname = "Two thousand items"\n';
for (let s = 0; s < 20; s++) {
  toml += `[[section]]\nid = "s${s}"\ntitle = "Section ${s + 1}"\n`;
  for (let i = 0; i < ITEMS / 20; i++) {
    toml += `[[section.item]]\nid = "i${s}-${i}"\ntitle = "Check number ${i + 1} of section ${s + 1}"\nguidance = "Look at **thing ${i}** and attach \`proof-${i}.txt\`."\n`;
  }
}
box.cli('template', 'import', box.file('big.toml', toml));
const big = box.cli('run', 'new', '--template', 'big', '--target', 'big-release').id;

const launches = [];
const opens = [];
const usable = [];
let memory = null;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = Date.now();
  const app = await launch(box);
  const { browser } = app;
  try {
    await (await browser.$(`[data-run="${big}"]`)).waitForExist({ timeout: 20000 });
    launches.push(Date.now() - t0);
    const t1 = Date.now();
    await (await browser.$(`[data-run="${big}"]`)).click();
    await browser.waitUntil(async () => (await browser.execute(() => window.__signoffOpenMs ?? null)) !== null, { timeout: 20000 });
    usable.push(Date.now() - t1);
    opens.push(await browser.execute(() => window.__signoffOpenMs));
    if (r === ROUNDS - 1) {
      await sleep(5000); // idle
      const pid = Number(execFileSync('pgrep', ['-n', '-f', APP], { encoding: 'utf8' }).trim());
      memory = pssTree(pid);
    }
  } finally {
    await app.stop();
  }
}

const mib = (kib) => (kib / 1024).toFixed(1);
console.log(`\nmeasured on ${APP} (${ROUNDS} launches):`);
console.log(`  launch to first interactive screen (WebDriver session start to the runs list): median ${median(launches)} ms  [${launches.join(', ')}]`);
console.log(`  open a ${ITEMS}-item run until usable (in-page, mount to first full render): median ${median(opens).toFixed(0)} ms  [${opens.map((x) => x.toFixed(0)).join(', ')}]  (goal <= 300 ms)`);
console.log(`  same, seen from WebDriver (click to render done, includes the round trips): median ${median(usable)} ms`);
if (memory) {
  const total = memory.reduce((n, p) => n + p.pss, 0);
  console.log(`  idle memory, PSS after 5 s idle with the ${ITEMS}-item run open: ${mib(total)} MiB (goal <= 200 MiB)`);
  for (const p of memory) console.log(`    ${p.name} (${p.pid}): ${mib(p.pss)} MiB`);
}
console.log(`  binary size: ${mib(statSync(APP).size / 1024)} MiB (${APP})`);
