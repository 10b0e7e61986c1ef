import type { Nav } from '../app';
import { TaskRow } from '../components/Schedule';
import { ProgressBar } from '../components/Status';
import { count, isoDate, when } from '../format';
import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';
import type { RunSummary } from '../ipc';

/** Home lists at most this many tasks; the rest are one click away. */
const WEEK_SHOWN = 4;

async function loadRuns() {
  const [runs, templates] = await Promise.all([ipc.listRuns(), ipc.listTemplates()]);
  return { runs, templates };
}

/** The tasks, with the days they were listed on: their standing is as of
 * that day, and so is the week ahead. */
async function loadWeek() {
  const tasks = await ipc.listTasks();
  const now = Date.now();
  const weekAhead = isoDate(new Date(now + 7 * 86400000));
  return {
    today: isoDate(new Date(now)),
    thisWeek: tasks.filter(
      (t) => t.standing === 'overdue' || t.standing === 'due' || (t.standing === 'upcoming' && t.nextDue !== null && t.nextDue <= weekAhead),
    ),
  };
}

export function Home({ go }: { go: Nav }) {
  const { data, error } = useResource(loadRuns);
  const week = useResource(loadWeek);
  const runs = data?.runs ?? null;
  const templates = data?.templates ?? [];
  // A schedule that cannot be read leaves the section empty, not the screen.
  const thisWeek = week.error ? [] : (week.data?.thisWeek ?? []);
  const today = week.data?.today ?? '';

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
      {error && <p class="error-text" role="alert">{error.message}</p>}

      <section aria-labelledby="week-h" data-testid="due-this-week">
        <h2 id="week-h">Maintenance this week</h2>
        {thisWeek.length === 0 ? (
          <p class="muted">Nothing due this week. <button class="linklike link" onClick={() => go({ name: 'maintenance' })}>See the schedule</button></p>
        ) : (
          <ul class="task-list">
            {thisWeek.slice(0, WEEK_SHOWN).map((t) => <TaskRow key={t.id} task={t} today={today} go={go} />)}
          </ul>
        )}
        {thisWeek.length > WEEK_SHOWN && (
          <p class="small">
            <button class="linklike link" onClick={() => go({ name: 'maintenance' })}>
              and {thisWeek.length - WEEK_SHOWN} more this week: see the schedule
            </button>
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
