// A failed item's waiver: shown, or recorded (accepted risk, who accepted
// it, until when).
import { useState } from 'preact/hooks';

import { isoDate } from '../../format';
import * as ipc from '../../ipc';
import type { RunItem } from '../../ipc';
import { tracked } from '../../store';

/** A new waiver expires this many days from today unless changed. */
const WAIVER_DAYS = 30;

type Props = {
  run: number;
  item: RunItem;
  actor: string;
  open: boolean;
  setOpen: (o: boolean) => void;
  onWaiver: (w: RunItem['waiver']) => void;
};

export function WaiverBox({ run, item, actor, open, setOpen, onWaiver }: Props) {
  const [justification, setJustification] = useState('');
  const [acceptedBy, setAcceptedBy] = useState(actor);
  const [expires, setExpires] = useState(() => {
    const d = new Date();
    d.setDate(d.getDate() + WAIVER_DAYS);
    return isoDate(d);
  });
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
