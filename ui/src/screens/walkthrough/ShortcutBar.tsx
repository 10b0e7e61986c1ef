// The bar of keyboard shortcuts under the walkthrough, and the overlay with
// all of them: both read `SHORTCUTS`, the table the key handlers use.
import { Fragment } from 'preact';

import { SHORTCUTS } from '../../shortcuts';

/** `<kbd>J</kbd> or <kbd>↓</kbd>` */
function Keys({ shown, join }: { shown: string[]; join: string }) {
  return (
    <>
      {shown.map((k, i) => (
        <Fragment key={k}>
          {i > 0 && join}
          <kbd>{k}</kbd>
        </Fragment>
      ))}
    </>
  );
}

export function ShortcutBar({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <footer class="shortcut-bar" aria-label="Keyboard shortcuts">
      {SHORTCUTS.flatMap((s) => s.bar ?? []).map((b) => (
        <span key={b.text}><Keys shown={b.shown} join="/" /> {b.text}</span>
      ))}
      <button class="linklike" onClick={onToggle} aria-expanded={open}><kbd>?</kbd> all shortcuts</button>
      {open && (
        <div class="shortcut-help" role="dialog" aria-label="All keyboard shortcuts">
          <dl>
            {SHORTCUTS.filter((s) => !s.unlisted).map((s) => (
              <Fragment key={s.description}>
                <dt><Keys shown={s.shown} join={s.join ?? ' or '} /></dt>
                <dd>{s.description}</dd>
              </Fragment>
            ))}
          </dl>
        </div>
      )}
    </footer>
  );
}
