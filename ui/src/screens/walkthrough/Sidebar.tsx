// The walkthrough's left column: progress, what blocks sign-off, and every
// item by section.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { ProgressBar, STATUS_META } from '../../components/Status';
import type { RunDetail, RunItem } from '../../ipc';

/** Runs longer than this show one section's items at a time in the sidebar. */
const COLLAPSE_ABOVE = 150;

type Props = { run: RunDetail; current: string; onPick: (id: string) => void; onReview: () => void };

export function Sidebar({ run, current, onPick, onReview }: Props) {
  const bySection = useMemo(() => {
    const m = new Map<string, RunItem[]>();
    for (const i of run.items) {
      const list = m.get(i.sectionId) ?? [];
      list.push(i);
      m.set(i.sectionId, list);
    }
    return m;
  }, [run]);
  const c = run.counts;
  const done = c.total - c.pending;
  const currentRef = useRef<HTMLButtonElement>(null);
  // Long runs show only the current section's items (and any the user
  // opens): thousands of rows cost memory and time for little use.
  const collapsible = run.items.length > COLLAPSE_ABOVE;
  const [opened, setOpened] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpened((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  useEffect(() => currentRef.current?.scrollIntoView({ block: 'nearest' }), [current]);
  return (
    <nav class="sidebar" aria-label="Checklist items">
      <div class="sidebar-head">
        <div class="small muted">{run.templateName}</div>
        <ProgressBar done={done} total={c.total} label="Run progress" />
        <div class="small counts">
          <span>{done}/{c.total}</span>
          <span class="c-pass">✓ {c.pass}</span>
          <span class="c-fail">✗ {c.fail}</span>
          <span class="c-na">⊘ {c.na}</span>
        </div>
        {run.blockers.length === 0 ? (
          <div class="signoff-state ready small" data-testid="signoff-state">✓ Ready for sign-off</div>
        ) : (
          <button
            class="signoff-state blocked small linklike"
            data-testid="signoff-state"
            title={run.blockers.slice(0, 12).map((b) => `${b.title}: ${b.problem}`).join('\n')}
            onClick={() => onPick(run.blockers[0].itemId)}
          >
            {run.blockers.length} {run.blockers.length === 1 ? 'item blocks' : 'items block'} sign-off · next
          </button>
        )}
        <button class="btn review-btn" onClick={onReview} data-testid="review-sign">
          {run.state === 'signed' ? 'Signed · see sign-off' : 'Review & sign…'}
        </button>
      </div>
      {run.template.section.map((s) => {
        const list = bySection.get(s.id) ?? [];
        const sDone = list.filter((i) => i.status !== 'pending').length;
        const here = list.some((i) => i.id === current);
        const expanded = !collapsible || here || opened.has(s.id);
        return (
          <div class="side-section" key={s.id}>
            {collapsible ? (
              <button
                class="side-section-title toggle"
                aria-expanded={expanded}
                onClick={() => toggle(s.id)}
                disabled={here}
              >
                <span><span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {s.title}</span>
                <span class="small muted">{sDone}/{list.length}<span class="sr-only"> done</span></span>
              </button>
            ) : (
              <div class="side-section-title">
                <span>{s.title}</span>
                <span class="small muted">{sDone}/{list.length}<span class="sr-only"> done</span></span>
              </div>
            )}
            {expanded && (
              <ul>
                {list.map((i) => (
                  <li key={i.id}>
                    <button
                      ref={i.id === current ? currentRef : undefined}
                      class={`side-item ${i.id === current ? 'current' : ''}`}
                      aria-current={i.id === current ? 'step' : undefined}
                      data-item={i.id}
                      data-status={i.status}
                      onClick={() => onPick(i.id)}
                    >
                      <span class={`dot dot-${i.status}`} aria-hidden="true">{STATUS_META[i.status].icon}</span>
                      <span class="side-item-title">{i.title}</span>
                      <span class="sr-only">({STATUS_META[i.status].label})</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
    </nav>
  );
}
