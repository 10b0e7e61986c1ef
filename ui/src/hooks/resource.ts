// Data a screen loads from Rust: the value, the failure of the last load,
// and a reload. Every resource loads again when the workspace changed
// elsewhere (the CLI, another window; see `workspaceVersion`).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { IpcFailure } from '../ipc';
import { workspaceVersion } from '../store';

export type Resource<T> = {
  /** The last value loaded; `null` until the first load succeeds. It stays
   * while a later load fails, so a screen can show both. */
  data: T | null;
  /** Why the last load failed; `null` once a load succeeds. */
  error: IpcFailure | null;
  /** Loads again; resolves when the new value (or failure) is in place. */
  reload: () => Promise<void>;
  /** Changes the loaded value in place (a change this window saved), until
   * the next load replaces it. Does nothing before the first load. */
  update: (change: (data: T) => T) => void;
};

type State<T> = { data: T | null; error: IpcFailure | null };

/** Loads `load()` now, whenever `load` changes (wrap it in `useCallback`
 * with what it reads) and whenever the workspace version changes. Only the
 * newest load's answer is kept: an older one that arrives late is dropped. */
export function useResource<T>(load: () => Promise<T>): Resource<T> {
  const version = workspaceVersion.use();
  const [state, setState] = useState<State<T>>({ data: null, error: null });
  const callRef = useRef(0);

  const reload = useCallback(async () => {
    const call = ++callRef.current;
    try {
      const data = await load();
      if (call === callRef.current) setState({ data, error: null });
    } catch (e) {
      if (call === callRef.current) setState((s) => ({ data: s.data, error: asFailure(e) }));
    }
  }, [load]);

  useEffect(() => {
    void reload();
  }, [reload, version]);

  const update = useCallback(
    (change: (data: T) => T) => setState((s) => (s.data === null ? s : { ...s, data: change(s.data) })),
    [],
  );

  return { data: state.data, error: state.error, reload, update };
}

function asFailure(e: unknown): IpcFailure {
  if (e instanceof IpcFailure) return e;
  return new IpcFailure('internal', e instanceof Error ? e.message : String(e));
}
