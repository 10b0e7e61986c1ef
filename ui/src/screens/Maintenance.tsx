import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { OCCURRENCE, TaskRow } from '../components/Schedule';
import { isoDate } from '../format';
import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';
import type { OccurrenceState, TaskStatus } from '../ipc';
import { toast } from '../store';

const GROUPS: { key: TaskStatus['standing']; title: string }[] = [
  { key: 'overdue', title: 'Overdue' },
  { key: 'due', title: 'Due' },
  { key: 'upcoming', title: 'Upcoming' },
  { key: 'paused', title: 'Paused' },
];

const listTasks = () => ipc.listTasks();

export function Maintenance({ go }: { go: Nav }) {
  const { data: tasks, error, reload } = useResource(listTasks);
  const [tab, setTab] = useState<'tasks' | 'calendar'>('tasks');
  const [adding, setAdding] = useState(false);
  const [logOpen, setLogOpen] = useState(false);
  const today = isoDate(new Date());

  const exportIcs = async () => {
    try {
      const name = await ipc.exportIcs();
      if (name) toast(`Calendar saved as ${name}. Importing it again updates the same events.`);
    } catch (e) {
      toast((e as Error).message, 'error');
    }
  };

  return (
    <div class="page maintenance" data-testid="maintenance">
      <div class="page-head">
        <div>
          <h1>Maintenance</h1>
          <p class="muted">Recurring security work, from the policy's schedule and your own tasks.</p>
        </div>
        <div class="actions">
          <button class="btn" onClick={exportIcs} data-testid="export-ics">Export calendar (.ics)…</button>
          <button class="btn" onClick={() => setLogOpen((o) => !o)} data-testid="open-log">Signed log…</button>
          <button class="btn primary" onClick={() => setAdding((a) => !a)} data-testid="add-task">Add task</button>
        </div>
      </div>
      {error && <p class="error-text" role="alert">{error.message}</p>}
      {logOpen && <SignLog onDone={() => setLogOpen(false)} />}
      {adding && (
        <AddTask
          onDone={(t) => {
            setAdding(false);
            if (t) {
              toast(`Added “${t.title}”, next due ${t.nextDue}.`);
              void reload();
            }
          }}
        />
      )}
      <div class="tabs" role="tablist" aria-label="View">
        <button role="tab" aria-selected={tab === 'tasks'} class={tab === 'tasks' ? 'tab active' : 'tab'} onClick={() => setTab('tasks')} data-testid="tab-tasks">Tasks</button>
        <button role="tab" aria-selected={tab === 'calendar'} class={tab === 'calendar' ? 'tab active' : 'tab'} onClick={() => setTab('calendar')} data-testid="tab-calendar">Calendar</button>
      </div>
      {tab === 'tasks' ? (
        tasks === null ? (
          <p class="muted">Loading…</p>
        ) : (
          GROUPS.map((g) => {
            const list = tasks.filter((t) => t.standing === g.key);
            if (list.length === 0) return null;
            return (
              <section key={g.key} aria-labelledby={`g-${g.key}`} data-group={g.key}>
                <h2 id={`g-${g.key}`}>{g.title} · {list.length}</h2>
                <ul class="task-list">
                  {list.map((t) => <TaskRow key={t.id} task={t} today={today} go={go} />)}
                </ul>
              </section>
            );
          })
        )
      ) : (
        <Calendar go={go} />
      )}
    </div>
  );
}

function monthStart(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), 1);
}

function addMonths(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth() + n, 1);
}

/** A month grid with ‹ › navigation (the coming months and the past year),
 * and the past year per task underneath. */
function Calendar({ go }: { go: Nav }) {
  const now = new Date();
  const [month, setMonth] = useState(monthStart(now));
  const first = addMonths(monthStart(now), -12);
  const last = addMonths(monthStart(now), 4);
  // The range as dates: it changes (and loads again) only when the month does.
  const from = isoDate(first);
  const to = isoDate(new Date(last.getTime() - 86400000));
  const calendar = useResource(useCallback(() => ipc.calendar(from, to), [from, to]));
  useEffect(() => {
    if (calendar.error) toast(calendar.error.message, 'error');
  }, [calendar.error]);
  const entries = useMemo(() => calendar.data ?? [], [calendar.data]);

  const byDay = useMemo(() => {
    const m = new Map<string, ipc.CalendarEntry[]>();
    for (const e of entries) m.set(e.dueOn, [...(m.get(e.dueOn) ?? []), e]);
    return m;
  }, [entries]);

  const days: (Date | null)[] = [];
  const lead = (month.getDay() + 6) % 7; // Monday first
  for (let i = 0; i < lead; i++) days.push(null);
  const count = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  for (let d = 1; d <= count; d++) days.push(new Date(month.getFullYear(), month.getMonth(), d));
  while (days.length % 7 !== 0) days.push(null);
  const weeks: (Date | null)[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  const label = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
  const todayIso = isoDate(now);

  // The past year per task: months x states.
  const months = Array.from({ length: 12 }, (_, i) => addMonths(monthStart(now), i - 11));
  const tasks = [...new Set(entries.map((e) => e.taskId))];

  return (
    <div class="calendar" data-testid="calendar">
      <div class="cal-nav">
        <button class="btn subtle" aria-label="Previous month" disabled={month <= first} onClick={() => setMonth(addMonths(month, -1))}>‹</button>
        <h2 class="cal-title" aria-live="polite">{label}</h2>
        <button class="btn subtle" aria-label="Next month" disabled={addMonths(month, 1) >= last} onClick={() => setMonth(addMonths(month, 1))}>›</button>
        <button class="btn subtle" onClick={() => setMonth(monthStart(now))}>Today</button>
      </div>
      <table class="cal-grid" aria-label={label}>
        <thead>
          <tr>{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => <th key={d} scope="col" class="cal-head">{d}</th>)}</tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((d, i) => {
                if (!d) return <td key={`x${i}`} class="cal-day empty" />;
                const iso = isoDate(d);
                const list = byDay.get(iso) ?? [];
                return (
                  <td key={iso} class={`cal-day ${iso === todayIso ? 'today' : ''}`}>
                    <div class="cal-num">{d.getDate()}{iso === todayIso && <span class="sr-only"> (today)</span>}</div>
                    {list.map((e) => (
                      <button key={e.taskId} class={`cal-chip occ-${e.state}`} onClick={() => go({ name: 'task', id: e.taskId })} title={`${e.title}: ${OCCURRENCE[e.state].label}${e.doneOn ? `, done ${e.doneOn}` : ''}`}>
                        <span aria-hidden="true">{OCCURRENCE[e.state].icon}</span> {e.title}
                        <span class="sr-only">, {OCCURRENCE[e.state].label}</span>
                      </button>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="legend small">
        {(['done', 'late', 'missed', 'overdue', 'due', 'upcoming', 'skipped'] as OccurrenceState[]).map((s) => (
          <span key={s} class={`occ-${s} legend-item`}><span aria-hidden="true">{OCCURRENCE[s].icon}</span> {OCCURRENCE[s].label}</span>
        ))}
      </div>
      <section aria-labelledby="year-h">
        <h2 id="year-h">The past year</h2>
        <table class="year-table">
          <thead>
            <tr>
              <th scope="col">Task</th>
              {months.map((m) => <th key={m.toISOString()} scope="col">{m.toLocaleDateString(undefined, { month: 'short' })}</th>)}
            </tr>
          </thead>
          <tbody>
            {tasks.map((id) => {
              const mine = entries.filter((e) => e.taskId === id);
              return (
                <tr key={id}>
                  <th scope="row"><button class="linklike link" onClick={() => go({ name: 'task', id })}>{mine[0]?.title ?? id}</button></th>
                  {months.map((m) => {
                    const inMonth = mine.filter((e) => e.dueOn.startsWith(isoDate(m).slice(0, 7)));
                    return (
                      <td key={m.toISOString()}>
                        {inMonth.map((e) => (
                          <span key={e.dueOn} class={`occ-${e.state} year-mark`} title={`${e.dueOn}: ${OCCURRENCE[e.state].label}`}>
                            <span aria-hidden="true">{OCCURRENCE[e.state].icon}</span>
                            <span class="sr-only">{e.dueOn} {OCCURRENCE[e.state].label}</span>
                          </span>
                        ))}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}

const CADENCES = ['weekly', 'monthly', 'quarterly', 'annually', 'custom'] as const;

function AddTask({ onDone }: { onDone: (t: TaskStatus | null) => void }) {
  const [title, setTitle] = useState('');
  const [cadence, setCadence] = useState<(typeof CADENCES)[number]>('monthly');
  const [n, setN] = useState(2);
  const [unit, setUnit] = useState('weeks');
  const [start, setStart] = useState(isoDate(new Date()));
  const [grace, setGrace] = useState(0);
  const [owner, setOwner] = useState('');
  const [guidance, setGuidance] = useState('');
  const [fromCompletion, setFromCompletion] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const t = await ipc.addTask({
        id: null, title, guidance, owner, graceDays: grace, startOn: start || null, fromCompletion,
        cadence: cadence === 'custom' ? `every ${n} ${unit}` : cadence,
      });
      onDone(t);
    } catch (err) {
      toast((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const val = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <form class="form add-task card" onSubmit={submit} data-testid="add-task-form">
      <div class="two-cols">
        <label class="field"><span>Title</span><input type="text" value={title} onInput={(e) => setTitle(val(e))} data-field="title" /></label>
        <label class="field"><span>Owner</span><input type="text" value={owner} onInput={(e) => setOwner(val(e))} /></label>
      </div>
      <div class="two-cols">
        <label class="field">
          <span>Repeats</span>
          <select value={cadence} onChange={(e) => setCadence(val(e) as (typeof CADENCES)[number])} data-field="cadence">
            {CADENCES.map((c) => <option key={c} value={c}>{c === 'custom' ? 'Every N days, weeks, months…' : c[0].toUpperCase() + c.slice(1)}</option>)}
          </select>
        </label>
        {cadence === 'custom' ? (
          <div class="inline-form">
            <label class="field"><span>Every</span><input type="number" min={1} value={n} onInput={(e) => setN(Number(val(e)))} /></label>
            <label class="field grow"><span>Unit</span>
              <select value={unit} onChange={(e) => setUnit(val(e))}>
                {['days', 'weeks', 'months', 'years'].map((u) => <option key={u} value={u}>{u}</option>)}
              </select>
            </label>
          </div>
        ) : <div />}
      </div>
      <div class="two-cols">
        <label class="field"><span>First due date</span><input type="date" value={start} onInput={(e) => setStart(val(e))} data-field="start" /></label>
        <label class="field"><span>Grace period (days)</span><input type="number" min={0} value={grace} onInput={(e) => setGrace(Number(val(e)))} />
          <span class="hint">Days after the due date before it counts as overdue</span></label>
      </div>
      <label class="field"><span>Guidance (Markdown)</span><textarea rows={3} value={guidance} onInput={(e) => setGuidance(val(e))} /></label>
      <label class="check"><input type="checkbox" checked={fromCompletion} onChange={(e) => setFromCompletion((e.target as HTMLInputElement).checked)} /> Schedule the next date from each completion (not from the first due date)</label>
      <div class="actions left">
        <button class="btn primary" type="submit" disabled={busy || !title.trim()} data-testid="save-task">Add task</button>
        <button class="btn" type="button" onClick={() => onDone(null)}>Cancel</button>
      </div>
    </form>
  );
}

function SignLog({ onDone }: { onDone: () => void }) {
  const now = new Date();
  const [from, setFrom] = useState(isoDate(new Date(now.getFullYear(), now.getMonth() - 3, 1)));
  const [to, setTo] = useState(isoDate(now));
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<ipc.ReportWritten | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const w = await ipc.signMaintenanceLog(from, to, 'preparer', '', passphrase, 'a4');
      if (w) setWritten(w);
      setPassphrase('');
    } catch (err) {
      toast((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const val = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <form class="form card" onSubmit={submit} data-testid="sign-log">
      <p class="muted small">A signed PDF of every occurrence in the period: who did it, when, notes and evidence (embedded, hashed). Checked like any report in “Verify a report”.</p>
      <div class="two-cols">
        <label class="field"><span>From</span><input type="date" value={from} onInput={(e) => setFrom(val(e))} /></label>
        <label class="field"><span>To</span><input type="date" value={to} onInput={(e) => setTo(val(e))} /></label>
      </div>
      <label class="field"><span>Passphrase of your signing key</span><input type="password" value={passphrase} onInput={(e) => setPassphrase(val(e))} autocomplete="current-password" /></label>
      <div class="actions left">
        <button class="btn primary" type="submit" disabled={busy || !passphrase}>{busy ? 'Signing…' : 'Sign and save log…'}</button>
        <button class="btn" type="button" onClick={onDone}>Close</button>
      </div>
      {written && (
        <div class="verdict ok written" role="status">
          <span><strong>Signed log saved:</strong> {written.fileName} · {written.pages} pages</span>
          <button class="btn" type="button" onClick={() => ipc.openReport(written.token).catch((e: Error) => toast(e.message, 'error'))}>Open</button>
        </div>
      )}
    </form>
  );
}
