// How the maintenance schedule reads wherever it is shown (Home,
// Maintenance and its calendar, a task's page).
import type { Nav } from '../app';
import type { OccurrenceState, TaskStatus } from '../ipc';

/** How each state reads: an icon and a word, never colour alone. */
export const OCCURRENCE: Record<OccurrenceState, { icon: string; label: string }> = {
  done: { icon: '✓', label: 'Done on time' },
  late: { icon: '✓', label: 'Done late' },
  missed: { icon: '✗', label: 'Missed' },
  overdue: { icon: '!', label: 'Overdue' },
  due: { icon: '●', label: 'Due' },
  upcoming: { icon: '○', label: 'Upcoming' },
  skipped: { icon: '–', label: 'Skipped (paused)' },
};

/** "3 days late", "due today", "in 5 days". */
export function dueText(t: TaskStatus, today: string): string {
  if (!t.nextDue) return '';
  if (t.standing === 'overdue') return `${t.daysLate} day${t.daysLate === 1 ? '' : 's'} late`;
  const days = Math.round((Date.parse(t.nextDue) - Date.parse(today)) / 86400000);
  if (days === 0) return 'due today';
  if (days < 0) return `due ${-days} day${days === -1 ? '' : 's'} ago`;
  return `in ${days} day${days === 1 ? '' : 's'}`;
}

/** A task as a row: title, cadence, and how its date stands. */
export function TaskRow({ task: t, today, go }: { task: TaskStatus; today: string; go: Nav }) {
  return (
    <li>
      <button class={`task-row standing-${t.standing}`} onClick={() => go({ name: 'task', id: t.id })} data-task={t.id}>
        <span class="task-main">
          <span class="task-title">{t.title}</span>
          <span class="muted small">{t.cadence}{t.owner && ` · ${t.owner}`}{t.lastDone && ` · last done ${t.lastDone}`}</span>
        </span>
        <span class="task-due">
          <span class={`standing-badge ${t.standing}`}>{t.standing === 'overdue' ? '! ' : ''}{dueText(t, today)}</span>
          <span class="small muted">{t.nextDue}</span>
        </span>
      </button>
    </li>
  );
}
