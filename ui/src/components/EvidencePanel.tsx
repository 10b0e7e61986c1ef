import { useEffect, useState } from 'preact/hooks';

import { humanSize, shortHash } from '../format';
import { useLatest } from '../hooks/latest';
import * as ipc from '../ipc';
import type { Evidence, EvidenceProgress, RunItem } from '../ipc';
import { useShortcuts } from '../shortcuts';
import { toast, tracked } from '../store';

type Props = { runId: number; item: RunItem; onChange: () => void };

/** Evidence of the current item: attach (dialog, drop, paste), notes, links. */
export function EvidencePanel({ runId, item, onChange }: Props) {
  const [sensitive, setSensitive] = useState(false);
  const [progress, setProgress] = useState<EvidenceProgress | null>(null);
  const [dragging, setDragging] = useState(false);
  const [form, setForm] = useState<'note' | 'link' | null>(null);
  const [text, setText] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await tracked(work);
      if (done) toast(done);
      onChange();
    } catch (e) {
      const f = e as ipc.IpcFailure;
      toast(f.code === 'expired' ? 'Those files are no longer available: drop or pick them again.' : f.message, 'error');
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const attach = () =>
    run(async () => {
      const added = await ipc.addEvidenceFiles(runId, item.id, sensitive);
      if (added.length) toast(`Attached ${added.map((a) => a.name).join(', ')}`);
    });

  useShortcuts({ attach: () => void attach() });

  // Files dropped on the window and screenshots pasted go to the item shown
  // when they arrive, with the sensitivity ticked then.
  const latestRef = useLatest({ itemId: item.id, sensitive, run });
  useEffect(() => {
    const subs = [
      ipc.onProgress(setProgress),
      ipc.onDragState(setDragging),
      ipc.onDropped((d) => {
        const { itemId, sensitive, run } = latestRef.current;
        void run(async () => {
          const added = await ipc.addEvidenceDropped(d.token, runId, itemId, sensitive);
          toast(`Attached ${added.map((a) => a.name).join(', ')}`);
        });
      }),
    ];
    const onPaste = (e: ClipboardEvent) => {
      const file = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'))?.getAsFile();
      if (!file) return;
      e.preventDefault();
      const { itemId, sensitive, run } = latestRef.current;
      void run(async () => {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const ev = await ipc.addEvidenceBytes(runId, itemId, bytes, file.type, sensitive);
        toast(`Pasted screenshot attached (${humanSize(ev.size)})`);
      });
    };
    document.addEventListener('paste', onPaste);
    return () => {
      subs.forEach((s) => void s.then((un) => un()));
      document.removeEventListener('paste', onPaste);
    };
  }, [runId, latestRef]);

  const submitForm = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    void run(
      () => (form === 'note' ? ipc.addEvidenceNote(runId, item.id, t) : ipc.addEvidenceLink(runId, item.id, t, label.trim() || null)),
      form === 'note' ? 'Note added' : 'Link added',
    ).then(() => {
      setForm(null);
      setText('');
      setLabel('');
    });
  };

  return (
    <aside class="evidence" aria-labelledby="ev-h" data-testid="evidence-panel">
      <div class="evidence-head">
        <h2 id="ev-h">Evidence <span class="muted small">({item.evidence.length})</span></h2>
      </div>
      <div class="evidence-actions">
        <button class="btn" onClick={attach} disabled={busy} data-testid="attach-files">Attach files… <kbd aria-hidden="true">A</kbd></button>
        <button class="btn subtle" onClick={() => setForm(form === 'note' ? null : 'note')}>Add note</button>
        <button class="btn subtle" onClick={() => setForm(form === 'link' ? null : 'link')}>Add link</button>
      </div>
      <label class="check small">
        <input type="checkbox" checked={sensitive} onChange={(e) => setSensitive((e.target as HTMLInputElement).checked)} />
        New evidence is sensitive (reports list it by hash only)
      </label>
      {form && (
        <form class="form compact" onSubmit={submitForm}>
          {form === 'note' ? (
            <label class="field"><span>Note</span>
              <textarea rows={3} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
            </label>
          ) : (
            <>
              <label class="field"><span>URL</span>
                <input type="url" placeholder="https://…" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
              </label>
              <label class="field"><span>Label (optional)</span>
                <input value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
              </label>
            </>
          )}
          <div class="actions">
            <button type="button" class="btn" onClick={() => setForm(null)}>Cancel</button>
            <button type="submit" class="btn primary" disabled={!text.trim() || busy}>Add</button>
          </div>
        </form>
      )}
      {progress && (
        <div class="attach-progress" aria-live="polite">
          <div class="small">Attaching {progress.name} ({progress.index}/{progress.count}): {humanSize(progress.done)} of {humanSize(progress.total)}</div>
          <progress max={progress.total} value={progress.done} aria-label={`Copying ${progress.name}`} />
        </div>
      )}
      {item.evidence.length === 0 ? (
        <p class="muted small drop-hint">No evidence yet. Attach files, drop them on the window, or paste a screenshot.</p>
      ) : (
        <ul class="evidence-list">
          {item.evidence.map((e) => (
            <EvidenceRow key={e.id} ev={e} onRemove={() => run(() => ipc.removeEvidence(e.id), `Removed ${e.name}`)} />
          ))}
        </ul>
      )}
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          <div>Drop to attach to “{item.title}”</div>
        </div>
      )}
    </aside>
  );
}

function EvidenceRow({ ev, onRemove }: { ev: Evidence; onRemove: () => void }) {
  const [thumb, setThumb] = useState<string | null>(null);
  // Why a picture has no thumbnail (too large, damaged): said, not hidden.
  const [noThumb, setNoThumb] = useState<string | null>(null);
  useEffect(() => {
    if (ev.kind !== 'file' || !/^image\/(png|jpeg|gif|webp)$/.test(ev.mediaType)) return;
    let url: string | null = null;
    ipc.evidenceThumbnailUrl(ev.id).then(
      (u) => setThumb((url = u)),
      (e: ipc.IpcFailure) => {
        if (e.code.startsWith('picture_')) setNoThumb(e.message);
      },
    );
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [ev.id, ev.kind, ev.mediaType]);
  const icon = ev.kind === 'note' ? '✎' : ev.kind === 'link' ? '↗' : '▤';
  return (
    <li class="evidence-row" data-evidence={ev.id} data-kind={ev.kind}>
      {thumb ? (
        <img class="thumb" src={thumb} alt={`Preview of ${ev.name}`} />
      ) : noThumb ? (
        <span class="ev-icon no-thumb" aria-hidden="true">⊘</span>
      ) : (
        <span class="ev-icon" aria-hidden="true">{icon}</span>
      )}
      <div class="ev-body">
        <div class="ev-name" title={ev.name}>{ev.kind === 'link' ? ev.text : ev.name}</div>
        {ev.kind === 'note' && ev.text !== ev.name && <div class="ev-text">{ev.text}</div>}
        {noThumb && <div class="ev-text small" data-testid="no-thumb">No preview: {noThumb}</div>}
        <div class="ev-meta small muted">
          {ev.kind === 'file' ? `${humanSize(ev.size)} · ` : ''}observed {ev.observedOn} ·{' '}
          <code title={`SHA-256 ${ev.sha256}`}>{shortHash(ev.sha256)}</code>
          {ev.sensitive && <span class="tag">sensitive</span>}
        </div>
      </div>
      <button class="icon-btn" onClick={onRemove} aria-label={`Remove ${ev.name}`} title="Remove from this item">×</button>
    </li>
  );
}
