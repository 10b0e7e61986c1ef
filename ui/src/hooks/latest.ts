// The latest value of something a long-lived listener needs (the current
// item, the handlers of this render), without re-subscribing the listener
// on every render.
import { useLayoutEffect, useRef } from 'preact/hooks';

/** A ref that holds `value` as of the last render. Read it in handlers and
 * effects, never while rendering. */
export function useLatest<T>(value: T): { readonly current: T } {
  const valueRef = useRef(value);
  useLayoutEffect(() => {
    valueRef.current = value;
  });
  return valueRef;
}
