import { useState } from 'preact/hooks';

import type { Nav } from '../app';
import { count } from '../format';
import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';

export function NewRun({ go, preselect }: { go: Nav; preselect?: string }) {
  const loaded = useResource(ipc.listTemplates);
  const templates = loaded.data ?? [];
  const [template, setTemplate] = useState(preselect ?? 'predeploy');
  const [target, setTarget] = useState('');
  const [env, setEnv] = useState('production');
  const [failed, setFailed] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Why the run was not started, or else why the templates did not load.
  const error = failed ?? loaded.error?.message ?? null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const run = await ipc.newRun(template, target, env);
      go({ name: 'run', id: run.id });
    } catch (err) {
      setFailed((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <div class="page narrow" data-testid="new-run-screen">
      <h1>New run</h1>
      <form onSubmit={submit} class="form">
        <fieldset>
          <legend>Template</legend>
          {templates.map((t) => (
            <label key={t.id} class={`choice ${template === t.id ? 'chosen' : ''}`}>
              <input type="radio" name="template" value={t.id} checked={template === t.id} onChange={() => setTemplate(t.id)} />
              <span>
                <span class="template-name">{t.name}</span>
                <span class="muted small"> · {count(t.items, 'item')}{t.builtin ? ' · built in' : ''}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>Target</span>
          <input
            name="target" required autoFocus value={target} placeholder="e.g. v1.4.0"
            onInput={(e) => setTarget((e.target as HTMLInputElement).value)}
          />
          <span class="hint">What is being assessed: a release, a service, an incident.</span>
        </label>
        <label class="field">
          <span>Environment</span>
          <input name="environment" list="envs" value={env} onInput={(e) => setEnv((e.target as HTMLInputElement).value)} />
          <datalist id="envs">
            <option value="production" />
            <option value="staging" />
            <option value="development" />
          </datalist>
        </label>
        {error && <p class="error-text" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="btn" onClick={() => go({ name: 'home' })}>Cancel</button>
          <button type="submit" class="btn primary" disabled={busy || !target.trim()} data-testid="start-run">
            Start run
          </button>
        </div>
      </form>
    </div>
  );
}
