import { useEffect, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { ProgressBar } from '../components/Status';
import { count, isoDate, when } from '../format';
import * as ipc from '../ipc';
import type { RunSummary, TaskStatus, TemplateSummary } from '../ipc';
import { TaskRow } from './Maintenance';

/** Home lists at most this many tasks; the rest are one click away. */
const WEEK_SHOWN = 4;

export function Home({ go, version }: { go: Nav; version: number }) {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  const [tasks, setTasks] = useState<TaskStatus[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([ipc.listRuns(), ipc.listTemplates()]).then(
      ([r, t]) => {
        setRuns(r);
        setTemplates(t);
        setError(null);
      },
      (e) => setError(e.message),
    );
    ipc.listTasks().then(setTasks, () => setTasks([]));
  }, [version]);
  const today = isoDate(new Date());
  const weekAhead = isoDate(new Date(Date.now() + 7 * 86400000));
  const thisWeek = tasks.filter(
    (t) => t.standing === 'overdue' || t.standing === 'due' || (t.standing === 'upcoming' && t.nextDue !== null && t.nextDue <= weekAhead),
  );

  const active = (runs ?? []).filter((r) => r.state === 'open' && r.counts.pending > 0);
  const finished = (runs ?? []).filter((r) => !(r.state === 'open' && r.counts.pending > 0)).slice(0, 8);

  return (
    <div class="page home" data-testid="home">
      <div class="page-head">
        <h1>Runs</h1>
        <div class="actions">
          <button class="btn" onClick={() => go({ name: 'import' })} data-testid="import-checklist">
            Import checklist…
          </button>
          <button class="btn primary" onClick={() => go({ name: 'new-run' })} data-testid="new-run">
            New run
          </button>
        </div>
      </div>
      {error && <p class="error-text" role="alert">{error}</p>}

      <section aria-labelledby="week-h" data-testid="due-this-week">
        <h2 id="week-h">Maintenance this week</h2>
        {thisWeek.length === 0 ? (
          <p class="muted">Nothing due this week. <a href="#" onClick={(e) => { e.preventDefault(); go({ name: 'maintenance' }); }}>See the schedule</a></p>
        ) : (
          <ul class="task-list">
            {thisWeek.slice(0, WEEK_SHOWN).map((t) => <TaskRow key={t.id} task={t} today={today} go={go} />)}
          </ul>
        )}
        {thisWeek.length > WEEK_SHOWN && (
          <p class="small">
            <a href="#" onClick={(e) => { e.preventDefault(); go({ name: 'maintenance' }); }}>
              and {thisWeek.length - WEEK_SHOWN} more this week: see the schedule
            </a>
          </p>
        )}
      </section>

      <section aria-labelledby="active-h">
        <h2 id="active-h">In progress</h2>
        {runs === null ? (
          <p class="muted">Loading…</p>
        ) : active.length === 0 ? (
          <div class="empty">
            <p>No run in progress.</p>
            <p class="muted">Start one from a template below: each run walks a checklist for one release and environment.</p>
          </div>
        ) : (
          <ul class="run-list">{active.map((r) => <RunRow key={r.id} run={r} go={go} />)}</ul>
        )}
      </section>

      {finished.length > 0 && (
        <section aria-labelledby="done-h">
          <h2 id="done-h">Recently finished</h2>
          <ul class="run-list">{finished.map((r) => <RunRow key={r.id} run={r} go={go} />)}</ul>
        </section>
      )}

      <section aria-labelledby="tpl-h">
        <h2 id="tpl-h">Templates</h2>
        <ul class="template-list">
          {templates.map((t) => (
            <li key={`${t.id}@${t.version}`} class="template-card" data-template={t.id}>
              <div>
                <div class="template-name">{t.name}</div>
                <div class="muted small">
                  {t.id}@{t.version} · {count(t.sections, 'section')} · {count(t.items, 'item')} · {t.builtin ? 'built in' : 'imported'}
                </div>
              </div>
              <button class="btn" onClick={() => go({ name: 'new-run', template: t.id })} aria-label={`Start run: ${t.name}`}>
                Start run
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function RunRow({ run, go }: { run: RunSummary; go: Nav }) {
  const c = run.counts;
  const done = c.total - c.pending;
  return (
    <li>
      <button class="run-row" onClick={() => go({ name: 'run', id: run.id })} data-run={run.id}>
        <div class="run-main">
          <div class="run-title">
            {run.target}
            {run.environment && <span class="env">{run.environment}</span>}
            {run.revision > 1 && <span class="env">revision {run.revision}</span>}
            {run.state === 'signed' && <span class="signed-tag" data-testid="signed-tag">✓ Signed</span>}
          </div>
          <div class="muted small">
            #{run.id} · {run.templateName} · started {when(run.createdAt)} by {run.createdBy}
          </div>
        </div>
        <div class="run-progress">
          <ProgressBar done={done} total={c.total} label={`Progress of ${run.target}`} />
          <div class="small counts">
            <span>{done}/{c.total} done</span>
            <span class="c-pass">✓ {c.pass}</span>
            <span class="c-fail">✗ {c.fail}</span>
            <span class="c-na">⊘ {c.na}</span>
          </div>
        </div>
      </button>
    </li>
  );
}
