import { useEffect, useState } from 'preact/hooks';

import * as ipc from './ipc';
import type { AppStatus } from './ipc';
import { Home } from './screens/Home';
import { ImportChecklist } from './screens/ImportChecklist';
import { Maintenance } from './screens/Maintenance';
import { NewRun } from './screens/NewRun';
import { ReviewSign } from './screens/ReviewSign';
import { TaskPage } from './screens/TaskPage';
import { Verify } from './screens/Verify';
import { Walkthrough } from './screens/Walkthrough';
import { flushAll, saveState, toasts, workspaceVersion } from './store';

export type Route =
  | { name: 'home' }
  | { name: 'new-run'; template?: string }
  | { name: 'import' }
  | { name: 'run'; id: number; item?: string }
  | { name: 'review'; id: number }
  | { name: 'verify' }
  | { name: 'maintenance' }
  | { name: 'task'; id: string };

export type Nav = (r: Route) => void;

/** How often the view checks whether the CLI or another window changed data. */
const POLL_MS = 2000;

export function App() {
  const [route, setRoute] = useState<Route>({ name: 'home' });
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [runTitle, setRunTitle] = useState('');

  useEffect(() => {
    ipc.appStatus().then(setStatus, (e) => setStatus({ dataDir: '', actor: '', version: '', error: { code: e.code ?? 'internal', message: e.message } }));
  }, []);

  // Refresh when anything changed elsewhere (the CLI, another window).
  useEffect(() => {
    let last = -1;
    const check = () =>
      ipc.workspaceVersion().then((v) => {
        if (last !== -1 && v !== last) workspaceVersion.set(v);
        last = v;
      }, () => undefined);
    check();
    const t = setInterval(check, POLL_MS);
    const onFocus = () => check();
    window.addEventListener('focus', onFocus);
    return () => {
      clearInterval(t);
      window.removeEventListener('focus', onFocus);
    };
  }, []);

  // Closing: save what is pending, then let Rust close the window.
  useEffect(() => {
    const un = ipc.onCloseRequested(async () => {
      await flushAll();
      await ipc.closeWindow();
    });
    return () => void un.then((f) => f());
  }, []);

  const go: Nav = (r) => {
    void flushAll();
    setRoute(r);
    if (r.name !== 'run' && r.name !== 'review') setRunTitle('');
  };

  if (status?.error) return <StartupError status={status} />;

  return (
    <div class="shell">
      <header class="topbar">
        <button class="brand" onClick={() => go({ name: 'home' })} aria-label="Signoff home">
          <img src="/icon.svg" alt="" width={22} height={22} />
          <span>Signoff</span>
        </button>
        <nav class="crumbs" aria-label="Location">
          {route.name === 'home' && <span>Runs</span>}
          {route.name === 'new-run' && <span>New run</span>}
          {route.name === 'import' && <span>Import checklist</span>}
          {route.name === 'verify' && <span>Verify a report</span>}
          {route.name === 'maintenance' && <span>Maintenance</span>}
          {route.name === 'task' && (
            <>
              <button class="linklike link" onClick={() => go({ name: 'maintenance' })}>Maintenance</button>
              <span aria-hidden="true"> / </span>
              <span>{route.id}</span>
            </>
          )}
          {route.name === 'run' && (
            <>
              <button class="linklike link" onClick={() => go({ name: 'home' })}>Runs</button>
              <span aria-hidden="true"> / </span>
              <span data-testid="current-run">{runTitle}</span>
            </>
          )}
          {route.name === 'review' && (
            <>
              <button class="linklike link" onClick={() => go({ name: 'home' })}>Runs</button>
              <span aria-hidden="true"> / </span>
              <button class="linklike link" onClick={() => go({ name: 'run', id: route.id })}>{runTitle || `Run #${route.id}`}</button>
              <span aria-hidden="true"> / </span>
              <span>Review &amp; sign</span>
            </>
          )}
        </nav>
        <button class="btn subtle nav-maintenance" onClick={() => go({ name: 'maintenance' })} data-testid="nav-maintenance">
          Maintenance
        </button>
        <button class="btn subtle" onClick={() => go({ name: 'verify' })} data-testid="nav-verify">
          Verify a report
        </button>
        <SaveIndicator />
        {status && <span class="who" title={`Data: ${status.dataDir}`}>{status.actor}</span>}
      </header>
      <main class="content" id="main">
        {route.name === 'home' && <Home go={go} />}
        {route.name === 'new-run' && <NewRun go={go} preselect={route.template} />}
        {route.name === 'import' && <ImportChecklist go={go} />}
        {route.name === 'run' && (
          <Walkthrough key={route.id} runId={route.id} initialItem={route.item} go={go} onTitle={setRunTitle} actor={status?.actor ?? ''} />
        )}
        {route.name === 'review' && <ReviewSign key={route.id} runId={route.id} go={go} />}
        {route.name === 'verify' && <Verify />}
        {route.name === 'maintenance' && <Maintenance go={go} />}
        {route.name === 'task' && <TaskPage key={route.id} id={route.id} go={go} />}
      </main>
      <Toasts />
    </div>
  );
}

function SaveIndicator() {
  const s = saveState.use();
  let text = 'All changes saved';
  let cls = 'saved';
  if (s.pending > 0) {
    text = 'Saving…';
    cls = 'saving';
  } else if (s.error) {
    text = `Not saved: ${s.error}`;
    cls = 'unsaved';
  }
  return (
    <span class={`save-indicator ${cls}`} role="status" aria-live="polite" data-testid="save-state">
      <span aria-hidden="true">{cls === 'saved' ? '✓' : cls === 'saving' ? '…' : '!'}</span> {text}
    </span>
  );
}

function Toasts() {
  const list = toasts.use();
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`}>{t.text}</div>
      ))}
    </div>
  );
}

function StartupError({ status }: { status: AppStatus }) {
  return (
    <main class="startup-error" id="main">
      <h1>Signoff cannot open its data</h1>
      <p class="error-text" data-testid="startup-error">{status.error?.message}</p>
      <p>Nothing was changed. Fix the problem above, then start Signoff again.</p>
      {status.dataDir && <p class="muted">Data directory: <code>{status.dataDir}</code></p>}
    </main>
  );
}
