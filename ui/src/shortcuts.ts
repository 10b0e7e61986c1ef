// The walkthrough's keyboard shortcuts: one table that the key handlers and
// the help (the bar under the item and its overlay) both read, so a key is
// never handled without being listed, or listed without being handled.
import { useEffect } from 'preact/hooks';

import { useLatest } from './hooks/latest';

/** What a shortcut does; the component that can do it binds a handler. */
export type Action =
  | 'next' | 'previous' | 'pass' | 'fail' | 'na' | 'pending' | 'note' | 'waive'
  | 'attach' | 'leave-field' | 'home' | 'help';

export type Shortcut = {
  /** The keys as the help shows them, and what stands between them
   * (" or " unless said). */
  shown: string[];
  join?: ' / ' | '+';
  /** The help's line for them. */
  description: string;
  /** `KeyboardEvent.key` values and the action each runs. Empty for a key
   * the webview delivers as another event (Ctrl+V is a paste). */
  on: Partial<Record<string, Action>>;
  /** `outside` (the default): only when no text field has the focus, and
   * the key's default is prevented. `fields`: only in a text field, where
   * the key keeps its default. */
  where?: 'outside' | 'fields';
  /** Entries of the bar under the item, each keys and a word or two. */
  bar?: { shown: string[]; text: string }[];
  /** Not a line of the help overlay (the bar's own button says it). */
  unlisted?: true;
};

/** In the order the help lists them. Letters act only outside text fields. */
export const SHORTCUTS: Shortcut[] = [
  { shown: ['J', '↓'], description: 'Next item', on: { j: 'next', ArrowDown: 'next' }, bar: [{ shown: ['J', 'K'], text: 'next/previous' }] },
  { shown: ['K', '↑'], description: 'Previous item', on: { k: 'previous', ArrowUp: 'previous' } },
  {
    shown: ['P', 'F', 'N'], join: ' / ', description: 'Pass / Fail / Not applicable (asks for a reason)',
    on: { p: 'pass', f: 'fail', n: 'na' },
    bar: [{ shown: ['P'], text: 'pass' }, { shown: ['F'], text: 'fail' }, { shown: ['N'], text: 'N/A' }],
  },
  { shown: ['U'], description: 'Back to pending', on: { u: 'pending' } },
  { shown: ['E', 'Enter'], description: 'Write a note', on: { e: 'note', Enter: 'note' }, bar: [{ shown: ['E'], text: 'note' }] },
  { shown: ['W'], description: 'Waive a failed item', on: { w: 'waive' } },
  { shown: ['A'], description: 'Attach files', on: { a: 'attach' }, bar: [{ shown: ['A'], text: 'attach' }] },
  // A paste event, not a key: EvidencePanel listens for it.
  { shown: ['Ctrl', 'V'], join: '+', description: 'Paste a screenshot as evidence', on: {} },
  { shown: ['Esc'], description: 'Leave a text field', on: { Escape: 'leave-field' }, where: 'fields', bar: [{ shown: ['Esc'], text: 'leave field' }] },
  { shown: ['H'], description: 'Back to runs', on: { h: 'home' } },
  { shown: ['?'], description: 'All shortcuts', on: { '?': 'help' }, unlisted: true },
];

const BY_KEY = new Map<string, { action: Action; where: 'outside' | 'fields' }>(
  SHORTCUTS.flatMap((s) =>
    Object.entries(s.on).flatMap(([key, action]) => (action ? [[key, { action, where: s.where ?? 'outside' }] as const] : [])),
  ),
);

export type Handlers = Partial<Record<Action, (e: KeyboardEvent) => void>>;

/** Runs this component's handlers for the keys of `SHORTCUTS` while it is
 * mounted. Keys with Ctrl, Alt or Meta are left alone. */
export function useShortcuts(handlers: Handlers) {
  const handlersRef = useLatest(handlers);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const bound = BY_KEY.get(e.key);
      const run = bound && handlersRef.current[bound.action];
      if (!bound || !run) return;
      const el = e.target as HTMLElement;
      const typing = el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' || el.tagName === 'SELECT';
      if (typing !== (bound.where === 'fields')) return;
      if (!typing) e.preventDefault();
      run(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [handlersRef]);
}
