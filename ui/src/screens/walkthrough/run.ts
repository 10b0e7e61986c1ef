// The run being walked, as the walkthrough's parts share it.
import { useCallback, useEffect, useLayoutEffect, useRef } from 'preact/hooks';

import { useResource } from '../../hooks/resource';
import * as ipc from '../../ipc';
import type { ItemResult, RunItem, Status } from '../../ipc';
import { retryIfLocked, toast, tracked } from '../../store';

/** The run: loaded (and again when the workspace changes), with what this
 * window saves applied in place, and the result buttons' save. */
export function useRun(runId: number) {
  const { data: run, error, reload, update } = useResource(useCallback(() => ipc.showRun(runId), [runId]));

  const patch = useCallback(
    (id: string, change: Partial<RunItem>) =>
      update((r) => ({ ...r, items: r.items.map((i) => (i.id === id ? { ...i, ...change } : i)) })),
    [update],
  );

  const applyResult = useCallback(
    (r: ItemResult) => {
      patch(r.itemId, { status: r.status, note: r.note, reason: r.reason, updatedAt: r.updatedAt, updatedBy: r.updatedBy });
      // Any status but fail revokes the waiver (signoff_core's rule).
      if (r.status !== 'fail') patch(r.itemId, { waiver: null });
    },
    [patch],
  );

  /** Saves an item's status; a busy database gets one more try (`retryIfLocked`), a
   * run signed meanwhile is loaded again. Failures are toasted. */
  const setStatus = useCallback(
    async (itemId: string, status: Status, reason?: string) => {
      try {
        applyResult(await retryIfLocked(() => tracked(() => ipc.setResult(runId, itemId, { status, reason }))));
      } catch (e) {
        const f = e as ipc.IpcFailure;
        toast(f.message, 'error');
        if (f.code === 'run_frozen') void reload();
      }
    },
    [runId, applyResult, reload],
  );

  return { run, error, reload, patch, applyResult, setStatus };
}

/** Timing for `cargo xtask measure`: from mount until the run is shown
 * (`window.__signoffOpenMs`, set on the frame after). */
export function useOpenTiming(shown: boolean) {
  const mountedAtRef = useRef<number | null>(null);
  // A layout effect: right after the first render, before it is painted.
  useLayoutEffect(() => {
    mountedAtRef.current = performance.now();
  }, []);
  useEffect(() => {
    if (!shown || mountedAtRef.current === null) return;
    const ms = performance.now() - mountedAtRef.current;
    mountedAtRef.current = null;
    requestAnimationFrame(() => ((window as unknown as Record<string, unknown>).__signoffOpenMs = ms));
  }, [shown]);
}
