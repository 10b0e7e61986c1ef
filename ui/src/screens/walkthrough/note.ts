// An item's note, saved as the person types.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';

import { useLatest } from '../../hooks/latest';
import * as ipc from '../../ipc';
import type { ItemResult, RunItem } from '../../ipc';
import { registerFlusher, toast, tracked } from '../../store';

/** Note edits are saved this long after the last keystroke (and on blur). */
const NOTE_DEBOUNCE_MS = 500;

/** The note of `item` as typed in `fieldRef`: saved NOTE_DEBOUNCE_MS after
 * the last keystroke, by `save` (on blur), when the item is left and before
 * the window closes. A change made elsewhere (the CLI) replaces the text
 * unless the person is typing here. */
export function useNote(runId: number, item: RunItem, fieldRef: RefObject<HTMLTextAreaElement | null>, onResult: (r: ItemResult) => void) {
  const [note, setNote] = useState(item.note);
  const pendingRef = useRef<string | null>(null);
  const timerRef = useRef<number | undefined>(undefined);
  const onResultRef = useLatest(onResult);
  const itemId = item.id;

  useEffect(() => {
    if (pendingRef.current === null && document.activeElement !== fieldRef.current) setNote(item.note);
  }, [item.note, fieldRef]);

  const save = useCallback(async () => {
    window.clearTimeout(timerRef.current);
    const text = pendingRef.current;
    if (text === null) return;
    pendingRef.current = null;
    try {
      onResultRef.current(await tracked(() => ipc.setResult(runId, itemId, { note: text })));
    } catch (e) {
      pendingRef.current = pendingRef.current ?? text; // keep it for the next try
      toast(`The note was not saved: ${(e as Error).message}`, 'error');
    }
  }, [runId, itemId, onResultRef]);

  useEffect(() => registerFlusher(save), [save]);
  useEffect(() => () => void save(), [save]); // leaving the item saves it

  const edit = (text: string) => {
    setNote(text);
    pendingRef.current = text;
    window.clearTimeout(timerRef.current);
    timerRef.current = window.setTimeout(save, NOTE_DEBOUNCE_MS);
  };

  return { note, edit, save };
}
