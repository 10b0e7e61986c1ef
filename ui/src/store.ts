// Small shared stores: the workspace version, the save indicator, toasts,
// and the savers that must flush before the window closes; and what a save
// does when the database is busy. No framework state library needed.
import { useEffect, useState } from 'preact/hooks';

import { IpcFailure } from './ipc';

type Listener = () => void;

function createStore<T>(initial: T) {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => value,
    set(next: T) {
      value = next;
      listeners.forEach((l) => l());
    },
    use(): T {
      const [, tick] = useState(0);
      useEffect(() => {
        const l = () => tick((n) => n + 1);
        listeners.add(l);
        return () => listeners.delete(l);
      }, []);
      return value;
    },
  };
}

/** The workspace's data version, polled by the app: it changes when the CLI
 * or another window changed data, and every `useResource` loads again. */
export const workspaceVersion = createStore(0);

export type SaveState = { pending: number; error: string | null; lastSaved: number | null };
export const saveState = createStore<SaveState>({ pending: 0, error: null, lastSaved: null });

/** Runs a save, keeping the header's "saved" indicator truthful. */
export async function tracked<T>(work: () => Promise<T>): Promise<T> {
  const s = saveState.get();
  saveState.set({ ...s, pending: s.pending + 1 });
  try {
    const out = await work();
    const t = saveState.get();
    saveState.set({ pending: t.pending - 1, error: null, lastSaved: Date.now() });
    return out;
  } catch (e) {
    const t = saveState.get();
    saveState.set({ ...t, pending: t.pending - 1, error: (e as Error).message });
    throw e;
  }
}

/** How long a save waits before its one more try on a busy database. */
const LOCKED_RETRY_MS = 500;

/** Runs `work`, and once more after a short wait if the database was busy
 * (`database_locked`: the CLI or another window is writing). Any other
 * failure, or a second one, is thrown to the caller. */
export async function retryIfLocked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof IpcFailure && e.code === 'database_locked')) throw e;
    await new Promise((r) => setTimeout(r, LOCKED_RETRY_MS));
    return work();
  }
}

export type Toast = { id: number; kind: 'info' | 'error'; text: string };
export const toasts = createStore<Toast[]>([]);
let toastId = 0;
export function toast(text: string, kind: Toast['kind'] = 'info') {
  const id = ++toastId;
  toasts.set([...toasts.get(), { id, kind, text }]);
  setTimeout(() => toasts.set(toasts.get().filter((t) => t.id !== id)), kind === 'error' ? 9000 : 4000);
}

/** Functions that write pending edits now (called before closing or navigating). */
const flushers = new Set<() => Promise<void>>();
export function registerFlusher(f: () => Promise<void>) {
  flushers.add(f);
  return () => flushers.delete(f);
}
export async function flushAll() {
  await Promise.allSettled([...flushers].map((f) => f()));
}
