import { useState } from 'preact/hooks';

import type { Nav } from '../app';
import { count } from '../format';
import * as ipc from '../ipc';
import type { TemplatePreview } from '../ipc';
import { toast } from '../store';

export function ImportChecklist({ go }: { go: Nav }) {
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = async () => {
    setError(null);
    setBusy(true);
    try {
      const p = await ipc.pickTemplateFile();
      if (p) setPreview(p);
    } catch (e) {
      setPreview(null);
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    if (!preview) return;
    setBusy(true);
    try {
      const t = await ipc.importTemplate(preview.token);
      toast(t.created ? `Imported “${t.name}” (${t.items} items)` : `“${t.name}” was already imported; nothing changed`);
      go({ name: 'new-run', template: t.id });
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  const items = preview ? preview.template.section.reduce((n, s) => n + s.item.length, 0) : 0;

  return (
    <div class="page narrow" data-testid="import-screen">
      <h1>Import a checklist</h1>
      <p class="muted">
        A Markdown file with task lists (<code>- [ ] item</code>) under headings, like a SECURITY.md, or a
        Signoff TOML template. Headings become sections; task lines become items.
      </p>
      <div class="actions left">
        <button class="btn" onClick={choose} disabled={busy} data-testid="choose-file">Choose file…</button>
      </div>
      {error && (
        <p class="error-text" role="alert" data-testid="import-error">{error}</p>
      )}
      {preview && (
        <section class="preview" aria-labelledby="pv-h" data-testid="import-preview">
          <h2 id="pv-h">{preview.template.name}</h2>
          <p class="muted small">
            From {preview.fileName} · id <code>{preview.template.id}</code> · {count(preview.template.section.length, 'section')} · {count(items, 'item')}
          </p>
          {preview.template.section.map((s) => (
            <div key={s.id} class="preview-section">
              <h3>{s.title}</h3>
              <ol>
                {s.item.map((i) => (
                  <li key={i.id}>{i.title}</li>
                ))}
              </ol>
            </div>
          ))}
          <div class="actions">
            <button class="btn" onClick={() => setPreview(null)}>Discard</button>
            <button class="btn primary" onClick={save} disabled={busy} data-testid="confirm-import">Import {count(items, 'item')}</button>
          </div>
        </section>
      )}
    </div>
  );
}
