import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { EvidencePanel } from '../components/EvidencePanel';
import { Markdown } from '../components/Markdown';
import { ProgressBar, STATUS_META, StatusBadge } from '../components/Status';
import { isoDate, when } from '../format';
import * as ipc from '../ipc';
import type { ItemResult, RunDetail, RunItem, Status } from '../ipc';
import { registerFlusher, toast, tracked } from '../store';

/** Note edits are saved this long after the last keystroke (and on blur). */
const NOTE_DEBOUNCE_MS = 500;
/** Runs longer than this show one section's items at a time in the sidebar. */
const COLLAPSE_ABOVE = 150;

type Props = { runId: number; initialItem?: string; go: Nav; version: number; onTitle: (t: string) => void; actor: string };

export function Walkthrough({ runId, initialItem, go, version, onTitle, actor }: Props) {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const [help, setHelp] = useState(false);
  const opened = useRef(performance.now());

  const wanted = useRef(initialItem);
  const load = useCallback(() => {
    ipc.showRun(runId).then(
      (r) => {
        setRun(r);
        if (wanted.current) {
          const at = r.items.findIndex((i) => i.id === wanted.current);
          if (at >= 0) setIndex(at);
          wanted.current = undefined;
        }
        setError(null);
        onTitle(`${r.target}${r.environment ? ` · ${r.environment}` : ''}`);
      },
      (e: ipc.IpcFailure) =>
        setError(e.code === 'not_found' ? `Run #${runId} no longer exists.` : e.message),
    );
  }, [runId]);

  useEffect(load, [load, version]);

  // Timing for `cargo xtask measure`: mount to a usable screen.
  useEffect(() => {
    if (run && opened.current) {
      const ms = performance.now() - opened.current;
      opened.current = 0;
      requestAnimationFrame(() => ((window as unknown as Record<string, unknown>).__signoffOpenMs = ms));
    }
  }, [run]);

  const items = run?.items ?? [];
  const item = items[Math.min(index, Math.max(items.length - 1, 0))];

  const patch = (id: string, r: Partial<RunItem>) =>
    setRun((prev) => (prev ? { ...prev, items: prev.items.map((i) => (i.id === id ? { ...i, ...r } : i)) } : prev));

  const applyResult = (r: ItemResult) => {
    patch(r.itemId, { status: r.status, note: r.note, reason: r.reason, updatedAt: r.updatedAt, updatedBy: r.updatedBy });
    if (r.status !== 'fail') patch(r.itemId, { waiver: null });
  };

  const setStatus = async (status: Status, reason?: string) => {
    if (!item) return;
    const save = () => tracked(() => ipc.setResult(runId, item.id, { status, reason }));
    try {
      applyResult(await save());
    } catch (e) {
      const f = e as ipc.IpcFailure;
      if (f.code === 'database_locked') {
        // Another process is writing (the CLI, another window): try once more.
        await new Promise((r) => setTimeout(r, 500));
        await save().then(applyResult, (e2: Error) => toast(e2.message, 'error'));
      } else if (f.code === 'run_frozen') {
        toast(f.message, 'error');
        load();
      } else {
        toast(f.message, 'error');
      }
    }
  };

  const move = (delta: number) => setIndex((i) => Math.max(0, Math.min(items.length - 1, i + delta)));

  if (error) {
    return (
      <div class="page narrow">
        <p class="error-text" role="alert">{error}</p>
        <button class="btn" onClick={() => go({ name: 'home' })}>Back to runs</button>
      </div>
    );
  }
  if (!run || !item) return <div class="page"><p class="muted">Loading run…</p></div>;

  return (
    <div class="walkthrough" data-testid="walkthrough">
      <Sidebar run={run} current={item.id} onPick={(id) => setIndex(items.findIndex((i) => i.id === id))} onReview={() => go({ name: 'review', id: runId })} />
      <ItemView
        key={item.id}
        run={run}
        item={item}
        actor={actor}
        position={items.indexOf(item) + 1}
        onStatus={setStatus}
        onResult={applyResult}
        onWaiver={(w) => patch(item.id, { waiver: w })}
        onMove={move}
        onHelp={() => setHelp((h) => !h)}
        onHome={() => go({ name: 'home' })}
      />
      <EvidencePanel runId={runId} item={item} onChange={load} />
      <ShortcutBar open={help} onToggle={() => setHelp((h) => !h)} />
    </div>
  );
}

function Sidebar({ run, current, onPick, onReview }: { run: RunDetail; current: string; onPick: (id: string) => void; onReview: () => void }) {
  const bySection = useMemo(() => {
    const m = new Map<string, RunItem[]>();
    for (const i of run.items) {
      const list = m.get(i.sectionId) ?? [];
      list.push(i);
      m.set(i.sectionId, list);
    }
    return m;
  }, [run]);
  const c = run.counts;
  const done = c.total - c.pending;
  const currentRef = useRef<HTMLButtonElement>(null);
  // Long runs show only the current section's items (and any the user
  // opens): thousands of rows cost memory and time for little use.
  const collapsible = run.items.length > COLLAPSE_ABOVE;
  const [opened, setOpened] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpened((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  useEffect(() => currentRef.current?.scrollIntoView({ block: 'nearest' }), [current]);
  return (
    <nav class="sidebar" aria-label="Checklist items">
      <div class="sidebar-head">
        <div class="small muted">{run.templateName}</div>
        <ProgressBar done={done} total={c.total} label="Run progress" />
        <div class="small counts">
          <span>{done}/{c.total}</span>
          <span class="c-pass">✓ {c.pass}</span>
          <span class="c-fail">✗ {c.fail}</span>
          <span class="c-na">⊘ {c.na}</span>
        </div>
        {run.blockers.length === 0 ? (
          <div class="signoff-state ready small" data-testid="signoff-state">✓ Ready for sign-off</div>
        ) : (
          <button
            class="signoff-state blocked small linklike"
            data-testid="signoff-state"
            title={run.blockers.slice(0, 12).map((b) => `${b.title}: ${b.problem}`).join('\n')}
            onClick={() => onPick(run.blockers[0].itemId)}
          >
            {run.blockers.length} {run.blockers.length === 1 ? 'item blocks' : 'items block'} sign-off · next
          </button>
        )}
        <button class="btn review-btn" onClick={onReview} data-testid="review-sign">
          {run.state === 'signed' ? 'Signed · see sign-off' : 'Review & sign…'}
        </button>
      </div>
      {run.template.section.map((s) => {
        const list = bySection.get(s.id) ?? [];
        const sDone = list.filter((i) => i.status !== 'pending').length;
        const here = list.some((i) => i.id === current);
        const expanded = !collapsible || here || opened.has(s.id);
        return (
          <div class="side-section" key={s.id}>
            {collapsible ? (
              <button
                class="side-section-title toggle"
                aria-expanded={expanded}
                onClick={() => toggle(s.id)}
                disabled={here}
              >
                <span><span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {s.title}</span>
                <span class="small muted">{sDone}/{list.length}<span class="sr-only"> done</span></span>
              </button>
            ) : (
              <div class="side-section-title">
                <span>{s.title}</span>
                <span class="small muted">{sDone}/{list.length}<span class="sr-only"> done</span></span>
              </div>
            )}
            {expanded && (
              <ul>
                {list.map((i) => (
                  <li key={i.id}>
                    <button
                      ref={i.id === current ? currentRef : undefined}
                      class={`side-item ${i.id === current ? 'current' : ''}`}
                      aria-current={i.id === current ? 'step' : undefined}
                      data-item={i.id}
                      data-status={i.status}
                      onClick={() => onPick(i.id)}
                    >
                      <span class={`dot dot-${i.status}`} aria-hidden="true">{STATUS_META[i.status].icon}</span>
                      <span class="side-item-title">{i.title}</span>
                      <span class="sr-only">({STATUS_META[i.status].label})</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
    </nav>
  );
}

type ItemProps = {
  run: RunDetail;
  item: RunItem;
  actor: string;
  position: number;
  onStatus: (s: Status, reason?: string) => Promise<void>;
  onResult: (r: ItemResult) => void;
  onWaiver: (w: RunItem['waiver']) => void;
  onMove: (d: number) => void;
  onHelp: () => void;
  onHome: () => void;
};

function ItemView({ run, item, actor, position, onStatus, onResult, onWaiver, onMove, onHelp, onHome }: ItemProps) {
  const tItem = useMemo(() => run.template.section.flatMap((s) => s.item).find((i) => i.id === item.id), [run, item.id]);
  const section = run.template.section.find((s) => s.id === item.sectionId);
  const [note, setNote] = useState(item.note);
  const [askReason, setAskReason] = useState(false);
  const [reason, setReason] = useState(item.reason);
  const [waiverOpen, setWaiverOpen] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const pending = useRef<string | null>(null);
  const timer = useRef<number | undefined>(undefined);

  // Follow changes made elsewhere unless the user is typing here.
  useEffect(() => {
    if (pending.current === null && document.activeElement !== noteRef.current) setNote(item.note);
  }, [item.note]);

  const saveNote = useCallback(async () => {
    window.clearTimeout(timer.current);
    const text = pending.current;
    if (text === null) return;
    pending.current = null;
    try {
      onResult(await tracked(() => ipc.setResult(run.id, item.id, { note: text })));
    } catch (e) {
      pending.current = pending.current ?? text; // keep it for the next try
      toast(`The note was not saved: ${(e as Error).message}`, 'error');
    }
  }, [run.id, item.id]);

  useEffect(() => registerFlusher(saveNote), [saveNote]);
  useEffect(() => () => void saveNote(), [saveNote]); // leaving the item saves it

  const onNote = (text: string) => {
    setNote(text);
    pending.current = text;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(saveNote, NOTE_DEBOUNCE_MS);
  };

  const chooseNa = () => {
    if (item.reason.trim()) void onStatus('na', item.reason);
    else {
      setAskReason(true);
      setTimeout(() => reasonRef.current?.focus(), 0);
    }
  };

  // Keyboard: everything without the mouse. Letters act only outside fields.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement;
      const typing = el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' || el.tagName === 'SELECT';
      if (typing) {
        if (e.key === 'Escape') {
          el.blur();
          setAskReason(false);
        }
        return;
      }
      const keys: Record<string, () => void> = {
        j: () => onMove(1), ArrowDown: () => onMove(1),
        k: () => onMove(-1), ArrowUp: () => onMove(-1),
        p: () => void onStatus('pass'), f: () => void onStatus('fail'),
        n: chooseNa, u: () => void onStatus('pending'),
        e: () => noteRef.current?.focus(), Enter: () => noteRef.current?.focus(),
        w: () => item.status === 'fail' && setWaiverOpen(true),
        '?': onHelp, h: onHome,
      };
      const f = keys[e.key];
      if (f) {
        e.preventDefault();
        f();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [item, onStatus, onMove]);

  const statuses: [Status, string, string][] = [
    ['pass', 'Pass', 'P'],
    ['fail', 'Fail', 'F'],
    ['na', 'N/A', 'N'],
  ];

  return (
    <section class="item-view" aria-labelledby="item-title" data-testid="item-view" data-item={item.id}>
      <div class="item-meta small muted">
        {section?.title} · item {position} of {run.items.length}
        {tItem?.evidence === 'required' && <span class="req"> · evidence required</span>}
      </div>
      <h1 id="item-title" class="item-title">{item.title}</h1>

      <div class="status-row" role="group" aria-label="Result">
        {statuses.map(([s, label, key]) => (
          <button
            key={s}
            class={`status-btn status-${s} ${item.status === s ? 'active' : ''}`}
            aria-pressed={item.status === s}
            data-set-status={s}
            onClick={() => (s === 'na' ? chooseNa() : void onStatus(s))}
          >
            <span aria-hidden="true">{STATUS_META[s].icon}</span> {label}
            <kbd aria-hidden="true">{key}</kbd>
          </button>
        ))}
        {item.status !== 'pending' && (
          <button class="btn subtle" onClick={() => void onStatus('pending')} data-set-status="pending">
            Reset <kbd aria-hidden="true">U</kbd>
          </button>
        )}
      </div>
      <div class="result-line small muted" data-testid="result-line">
        <StatusBadge status={item.status} />
        {item.updatedBy && <span> · last changed by {item.updatedBy}, {when(item.updatedAt)}</span>}
        {item.status === 'na' && item.reason && <span> · N/A because: {item.reason}</span>}
      </div>

      {askReason && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!reason.trim()) return;
            setAskReason(false);
            void onStatus('na', reason);
          }}
        >
          <label class="field grow">
            <span>Why does this item not apply?</span>
            <input ref={reasonRef} value={reason} data-testid="na-reason" onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <button class="btn primary" type="submit" disabled={!reason.trim()}>Mark N/A</button>
          <button class="btn" type="button" onClick={() => setAskReason(false)}>Cancel</button>
        </form>
      )}

      {item.status === 'fail' && (
        <WaiverBox run={run.id} item={item} actor={actor} open={waiverOpen} setOpen={setWaiverOpen} onWaiver={onWaiver} />
      )}

      <label class="field">
        <span>Note <span class="muted small">(saved as you type)</span></span>
        <textarea
          ref={noteRef}
          rows={4}
          value={note}
          data-testid="note"
          placeholder="What did you check, and how?"
          onInput={(e) => onNote((e.target as HTMLTextAreaElement).value)}
          onBlur={() => void saveNote()}
        />
      </label>

      {tItem?.guidance && (
        <section class="guidance" aria-label="Guidance">
          <h2 class="small-heading">Guidance</h2>
          <Markdown text={tItem.guidance} />
        </section>
      )}
    </section>
  );
}

function WaiverBox(props: {
  run: number; item: RunItem; actor: string; open: boolean;
  setOpen: (o: boolean) => void; onWaiver: (w: RunItem['waiver']) => void;
}) {
  const { run, item, actor, open, setOpen, onWaiver } = props;
  const inMonth = new Date();
  inMonth.setDate(inMonth.getDate() + 30);
  const [justification, setJustification] = useState('');
  const [acceptedBy, setAcceptedBy] = useState(actor);
  const [expires, setExpires] = useState(isoDate(inMonth));
  const [error, setError] = useState<string | null>(null);
  const w = item.waiver;

  if (w && !open) {
    return (
      <div class="waiver" data-testid="waiver">
        <strong>Waived until {w.expiresOn}</strong> · accepted by {w.acceptedBy}
        <p>{w.justification}</p>
        <button class="btn subtle" onClick={() => setOpen(true)}>Change waiver</button>
      </div>
    );
  }
  if (!open) {
    return (
      <div class="waiver muted">
        This item failed. Record accepted risk with a waiver, or fix it and mark it passed.{' '}
        <button class="btn subtle" onClick={() => setOpen(true)} data-testid="open-waiver">Add waiver <kbd aria-hidden="true">W</kbd></button>
      </div>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const saved = await tracked(() => ipc.waiveItem(run, item.id, justification, acceptedBy || null, expires));
      onWaiver(saved);
      setOpen(false);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="waiver form" onSubmit={save} data-testid="waiver-form">
      <label class="field">
        <span>Justification</span>
        <textarea rows={2} value={justification} required onInput={(e) => setJustification((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="row">
        <label class="field grow">
          <span>Accepted by</span>
          <input value={acceptedBy} onInput={(e) => setAcceptedBy((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>Expires on</span>
          <input type="date" value={expires} required onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error && <p class="error-text" role="alert">{error}</p>}
      <div class="actions">
        <button class="btn" type="button" onClick={() => setOpen(false)}>Cancel</button>
        <button class="btn primary" type="submit" disabled={!justification.trim()}>Save waiver</button>
      </div>
    </form>
  );
}

function ShortcutBar({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <footer class="shortcut-bar" aria-label="Keyboard shortcuts">
      <span><kbd>J</kbd>/<kbd>K</kbd> next/previous</span>
      <span><kbd>P</kbd> pass</span>
      <span><kbd>F</kbd> fail</span>
      <span><kbd>N</kbd> N/A</span>
      <span><kbd>E</kbd> note</span>
      <span><kbd>A</kbd> attach</span>
      <span><kbd>Esc</kbd> leave field</span>
      <button class="linklike" onClick={onToggle} aria-expanded={open}><kbd>?</kbd> all shortcuts</button>
      {open && (
        <div class="shortcut-help" role="dialog" aria-label="All keyboard shortcuts">
          <dl>
            <dt><kbd>J</kbd> or <kbd>↓</kbd></dt><dd>Next item</dd>
            <dt><kbd>K</kbd> or <kbd>↑</kbd></dt><dd>Previous item</dd>
            <dt><kbd>P</kbd> / <kbd>F</kbd> / <kbd>N</kbd></dt><dd>Pass / Fail / Not applicable (asks for a reason)</dd>
            <dt><kbd>U</kbd></dt><dd>Back to pending</dd>
            <dt><kbd>E</kbd> or <kbd>Enter</kbd></dt><dd>Write a note</dd>
            <dt><kbd>W</kbd></dt><dd>Waive a failed item</dd>
            <dt><kbd>A</kbd></dt><dd>Attach files</dd>
            <dt><kbd>Ctrl</kbd>+<kbd>V</kbd></dt><dd>Paste a screenshot as evidence</dd>
            <dt><kbd>Esc</kbd></dt><dd>Leave a text field</dd>
            <dt><kbd>H</kbd></dt><dd>Back to runs</dd>
          </dl>
        </div>
      )}
    </footer>
  );
}
