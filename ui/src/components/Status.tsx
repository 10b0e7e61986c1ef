import type { Status } from '../ipc';

/** Status is always shown as an icon *and* a word, never colour alone. */
export const STATUS_META: Record<Status, { icon: string; label: string }> = {
  pending: { icon: '○', label: 'Pending' },
  pass: { icon: '✓', label: 'Pass' },
  fail: { icon: '✗', label: 'Fail' },
  na: { icon: '⊘', label: 'N/A' },
};

export function StatusBadge({ status, compact = false }: { status: Status; compact?: boolean }) {
  const m = STATUS_META[status];
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      <span aria-hidden="true">{m.icon}</span>
      {compact ? <span class="sr-only">{m.label}</span> : <span>{m.label}</span>}
    </span>
  );
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done}
      aria-valuetext={`${done} of ${total}`}
    >
      <div class="progress-fill" ref={(el) => {
          if (el) el.style.setProperty('width', `${pct}%`);
        }} />
    </div>
  );
}
