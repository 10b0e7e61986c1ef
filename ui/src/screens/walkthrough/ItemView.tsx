// The current item: its result, the N/A reason, the waiver, the note and
// the template's guidance, and the keys that act on it.
import { useMemo, useRef, useState } from 'preact/hooks';

import { Markdown } from '../../components/Markdown';
import { STATUS_META, StatusBadge } from '../../components/Status';
import { when } from '../../format';
import type { ItemResult, RunDetail, RunItem, Status } from '../../ipc';
import { useShortcuts } from '../../shortcuts';
import { useNote } from './note';
import { WaiverBox } from './WaiverBox';

type Props = {
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

const STATUSES: [Status, string, string][] = [
  ['pass', 'Pass', 'P'],
  ['fail', 'Fail', 'F'],
  ['na', 'N/A', 'N'],
];

export function ItemView({ run, item, actor, position, onStatus, onResult, onWaiver, onMove, onHelp, onHome }: Props) {
  const tItem = useMemo(() => run.template.section.flatMap((s) => s.item).find((i) => i.id === item.id), [run, item.id]);
  const section = run.template.section.find((s) => s.id === item.sectionId);
  const [askReason, setAskReason] = useState(false);
  const [reason, setReason] = useState(item.reason);
  const [waiverOpen, setWaiverOpen] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const note = useNote(run.id, item, noteRef, onResult);

  const chooseNa = () => {
    if (item.reason.trim()) void onStatus('na', item.reason);
    else {
      setAskReason(true);
      setTimeout(() => reasonRef.current?.focus(), 0);
    }
  };

  // Keyboard: everything without the mouse (see SHORTCUTS).
  useShortcuts({
    next: () => onMove(1),
    previous: () => onMove(-1),
    pass: () => void onStatus('pass'),
    fail: () => void onStatus('fail'),
    na: chooseNa,
    pending: () => void onStatus('pending'),
    note: () => noteRef.current?.focus(),
    waive: () => item.status === 'fail' && setWaiverOpen(true),
    'leave-field': (e) => {
      (e.target as HTMLElement).blur();
      setAskReason(false);
    },
    help: onHelp,
    home: onHome,
  });

  return (
    <section class="item-view" aria-labelledby="item-title" data-testid="item-view" data-item={item.id}>
      <div class="item-meta small muted">
        {section?.title} · item {position} of {run.items.length}
        {tItem?.evidence === 'required' && <span class="req"> · evidence required</span>}
      </div>
      <h1 id="item-title" class="item-title">{item.title}</h1>

      <div class="status-row" role="group" aria-label="Result">
        {STATUSES.map(([s, label, key]) => (
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
          value={note.note}
          data-testid="note"
          placeholder="What did you check, and how?"
          onInput={(e) => note.edit((e.target as HTMLTextAreaElement).value)}
          onBlur={() => void note.save()}
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
