import { useCallback, useEffect, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { ErrorPage } from '../components/ErrorPage';
import { Markdown } from '../components/Markdown';
import { OCCURRENCE, dueText } from '../components/Schedule';
import { humanSize, isoDate, shortHash, when } from '../format';
import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';
import { toast } from '../store';

type Picked = { token: string; names: string[] };

/** One task: where it stands, "Mark done" with a note and evidence, its history. */
export function TaskPage({ id, go }: { id: string; go: Nav }) {
  const { data: detail, error, reload } = useResource(useCallback(() => ipc.showTask(id), [id]));
  const [editing, setEditing] = useState(false);

  if (error) {
    return (
      <ErrorPage
        message={error.code === 'not_found' ? `Task “${id}” does not exist.` : error.message}
        back="Back to maintenance"
        onBack={() => go({ name: 'maintenance' })}
      />
    );
  }
  if (!detail) return <div class="page"><p class="muted">Loading…</p></div>;
  const t = detail.status;
  const today = isoDate(new Date());

  const setState = async (to: ipc.TaskState) => {
    try {
      await ipc.setTaskState(id, to);
      await reload();
    } catch (e) {
      toast((e as Error).message, 'error');
    }
  };

  return (
    <div class="page task-page" data-testid="task-page" data-task={id}>
      <div class="page-head">
        <div>
          <h1>{t.title}</h1>
          <p class="muted">
            {t.cadence} from {t.startOn} · grace {t.graceDays} day{t.graceDays === 1 ? '' : 's'}
            {t.owner && ` · owner ${t.owner}`}
            {t.anchor === 'completion' && ' · next date counted from each completion'}
          </p>
        </div>
        <div class="actions">
          <button class="btn" onClick={() => go({ name: 'maintenance' })}>All tasks</button>
        </div>
      </div>

      <div class={`verdict standing-card ${t.standing}`} data-testid="standing" data-standing={t.standing}>
        <strong>{t.standing === 'overdue' ? '! Overdue' : t.standing === 'due' ? '● Due' : t.standing === 'upcoming' ? '○ Upcoming' : t.standing === 'paused' ? '– Paused' : 'Archived'}</strong>
        {t.nextDue && t.standing !== 'paused' && t.standing !== 'archived' && (
          <span> · next occurrence {t.nextDue} ({dueText(t, today)})</span>
        )}
      </div>

      {t.state === 'active' && <MarkDone id={id} dueOn={t.nextDue} onDone={reload} />}

      {t.guidance && (
        <section aria-labelledby="guid-h">
          <h2 id="guid-h">How</h2>
          <div class="guidance"><Markdown text={t.guidance} /></div>
        </section>
      )}

      <section aria-labelledby="occ-h">
        <h2 id="occ-h">Occurrences: the past year and the next ones</h2>
        <ul class="occ-list" data-testid="occurrences">
          {detail.occurrences.map((o) => (
            <li key={o.dueOn} class={`occ-${o.state}`} data-due={o.dueOn} data-state={o.state}>
              <span aria-hidden="true">{OCCURRENCE[o.state].icon}</span> {o.dueOn} · {OCCURRENCE[o.state].label}
              {o.doneOn && ` · done ${o.doneOn}`}
            </li>
          ))}
        </ul>
      </section>

      {detail.completions.length > 0 && (
        <section aria-labelledby="done-h">
          <h2 id="done-h">Completions</h2>
          <ul class="signoff-list" data-testid="completions">
            {[...detail.completions].reverse().map((c) => (
              <li key={c.id}>
                <strong>{c.doneOn}</strong> for the occurrence of {c.dueOn} · {c.doneBy}{c.late && ' · late'}
                <div class="muted small">recorded {when(c.doneAt)}</div>
                {c.note && <div class="note-text">{c.note}</div>}
                {c.files.map((f) => (
                  <div key={f.id} class="small">
                    <span class="muted">File</span> {f.name} · {humanSize(f.size)} · SHA-256 <code title={f.sha256}>{shortHash(f.sha256)}</code>{f.sensitive && ' · sensitive'}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="manage-h">
        <h2 id="manage-h">Manage</h2>
        <div class="actions left">
          {t.state === 'active' && <button class="btn" onClick={() => setState('paused')} data-testid="pause">Pause</button>}
          {t.state === 'paused' && <button class="btn" onClick={() => setState('active')} data-testid="resume">Resume</button>}
          {t.state !== 'archived' && <button class="btn" onClick={() => setEditing((e) => !e)} data-testid="edit">Edit…</button>}
          {t.state !== 'archived' && <button class="btn subtle" onClick={() => setState('archived')}>Archive</button>}
          <span class="small muted">Pausing skips occurrences until you resume; history is never rewritten.</span>
        </div>
        {editing && (
          <EditTask
            task={t}
            onDone={(changed) => {
              setEditing(false);
              if (changed) void reload();
            }}
          />
        )}
      </section>
    </div>
  );
}

function EditTask({ task, onDone }: { task: ipc.TaskStatus; onDone: (changed: boolean) => void }) {
  const [title, setTitle] = useState(task.title);
  const [cadence, setCadence] = useState(task.cadence);
  const [grace, setGrace] = useState(task.graceDays);
  const [owner, setOwner] = useState(task.owner);
  const [guidance, setGuidance] = useState(task.guidance);
  const val = (e: Event) => (e.target as HTMLInputElement).value;
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await ipc.editTask(task.id, { title, cadence, graceDays: grace, owner, guidance, startOn: null });
      toast('Task saved. Completions keep the occurrences they closed.');
      onDone(true);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  };
  return (
    <form class="form card" onSubmit={submit} data-testid="edit-form">
      <div class="two-cols">
        <label class="field"><span>Title</span><input type="text" value={title} onInput={(e) => setTitle(val(e))} /></label>
        <label class="field"><span>Repeats</span><input type="text" value={cadence} onInput={(e) => setCadence(val(e))} />
          <span class="hint">weekly, monthly, quarterly, annually, or “every 3 weeks”</span></label>
      </div>
      <div class="two-cols">
        <label class="field"><span>Grace period (days)</span><input type="number" min={0} value={grace} onInput={(e) => setGrace(Number(val(e)))} /></label>
        <label class="field"><span>Owner</span><input type="text" value={owner} onInput={(e) => setOwner(val(e))} /></label>
      </div>
      <label class="field"><span>Guidance (Markdown)</span><textarea rows={4} value={guidance} onInput={(e) => setGuidance(val(e))} /></label>
      <div class="actions left">
        <button class="btn primary" type="submit">Save</button>
        <button class="btn" type="button" onClick={() => onDone(false)}>Cancel</button>
      </div>
    </form>
  );
}

function MarkDone({ id, dueOn, onDone }: { id: string; dueOn: string | null; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [on, setOn] = useState(isoDate(new Date()));
  const [files, setFiles] = useState<Picked[]>([]);
  const [sensitive, setSensitive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);

  // Files dropped on the window, and screenshots pasted, while this form
  // is shown are for it.
  useEffect(() => {
    const a = ipc.onDropped((d) => setFiles((f) => [...f, d]));
    const b = ipc.onDragState(setDragging);
    const onPaste = (e: ClipboardEvent) => {
      const file = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'))?.getAsFile();
      if (!file) return;
      e.preventDefault();
      void file
        .arrayBuffer()
        .then((buf) => ipc.stagePastedImage(new Uint8Array(buf)))
        .then((p) => setFiles((f) => [...f, p]), (err: Error) => toast(err.message, 'error'));
    };
    document.addEventListener('paste', onPaste);
    return () => {
      void a.then((f) => f());
      void b.then((f) => f());
      document.removeEventListener('paste', onPaste);
    };
  }, []);

  const pick = async () => {
    try {
      const p = await ipc.pickCompletionFiles();
      if (p) setFiles((f) => [...f, p]);
    } catch (e) {
      toast((e as Error).message, 'error');
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const c = await ipc.completeTask(id, note, on || null, files.map((f) => f.token), sensitive);
      toast(`Done for ${c.dueOn}${c.late ? ' (late)' : ''}${c.files.length ? `, ${c.files.length} file${c.files.length === 1 ? '' : 's'} attached` : ''}.`);
      setNote('');
      setFiles([]);
      onDone();
    } catch (err) {
      toast((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const names = files.flatMap((f) => f.names);
  return (
    <form class={`form card mark-done ${dragging ? 'dragging' : ''}`} onSubmit={submit} data-testid="mark-done">
      <h2 class="small-heading">Mark done{dueOn && ` · occurrence of ${dueOn}`}</h2>
      <label class="field">
        <span>Note</span>
        <textarea rows={2} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} placeholder="What you did and found" data-field="note" />
      </label>
      <div class="two-cols">
        <label class="field">
          <span>Done on</span>
          <input type="date" value={on} max={isoDate(new Date())} onInput={(e) => setOn((e.target as HTMLInputElement).value)} data-field="on" />
        </label>
        <div class="field">
          <span>Evidence</span>
          <div class="actions left">
            <button class="btn" type="button" onClick={pick} data-testid="attach">Attach files…</button>
            <span class="small muted">drop files on the window, or paste a screenshot</span>
          </div>
        </div>
      </div>
      {names.length > 0 && (
        <ul class="picked small" data-testid="picked">
          {names.map((n, i) => <li key={`${n}-${i}`}><span aria-hidden="true">+ </span>{n}</li>)}
        </ul>
      )}
      <label class="check"><input type="checkbox" checked={sensitive} onChange={(e) => setSensitive((e.target as HTMLInputElement).checked)} /> Sensitive: list the files in logs by name and hash only</label>
      <div class="actions left">
        <button class="btn primary" type="submit" disabled={busy} data-testid="done">{busy ? 'Saving…' : 'Mark done'}</button>
      </div>
    </form>
  );
}
