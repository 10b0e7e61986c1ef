// Walking a run item by item: the sidebar, the current item, its evidence
// and the shortcut bar (their parts in ./walkthrough/).
import { useEffect, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { ErrorPage } from '../components/ErrorPage';
import { EvidencePanel } from '../components/EvidencePanel';
import { ItemView } from './walkthrough/ItemView';
import { useOpenTiming, useRun } from './walkthrough/run';
import { ShortcutBar } from './walkthrough/ShortcutBar';
import { Sidebar } from './walkthrough/Sidebar';

/** Blockers of a run gated on maintenance name the task this way (signoff_core). */
const MAINTENANCE_BLOCKER = 'maintenance/';

type Props = { runId: number; initialItem?: string; go: Nav; onTitle: (t: string) => void; actor: string };

export function Walkthrough({ runId, initialItem, go, onTitle, actor }: Props) {
  const { run, error, reload, patch, applyResult, setStatus } = useRun(runId);
  // The item shown, by id; the first one until another is picked.
  const [currentId, setCurrentId] = useState(initialItem);
  const [help, setHelp] = useState(false);
  useOpenTiming(run !== null);

  const title = run ? `${run.target}${run.environment ? ` · ${run.environment}` : ''}` : null;
  useEffect(() => {
    if (title !== null) onTitle(title);
  }, [title, onTitle]);

  if (error) {
    return (
      <ErrorPage
        message={error.code === 'not_found' ? `Run #${runId} no longer exists.` : error.message}
        back="Back to runs"
        onBack={() => go({ name: 'home' })}
      />
    );
  }
  const items = run?.items ?? [];
  const item = items.find((i) => i.id === currentId) ?? items[0];
  if (!run || !item) return <div class="page"><p class="muted">Loading run…</p></div>;

  const at = items.indexOf(item);
  const move = (delta: number) =>
    setCurrentId((id) => {
      const from = Math.max(0, items.findIndex((i) => i.id === id));
      return items[Math.max(0, Math.min(items.length - 1, from + delta))].id;
    });
  const pick = (id: string) => {
    if (items.some((i) => i.id === id)) setCurrentId(id);
    // An overdue task that gates the run: the task's page, as on Review & sign.
    else if (id.startsWith(MAINTENANCE_BLOCKER)) go({ name: 'task', id: id.slice(MAINTENANCE_BLOCKER.length) });
  };

  return (
    <div class="walkthrough" data-testid="walkthrough">
      <Sidebar run={run} current={item.id} onPick={pick} onReview={() => go({ name: 'review', id: runId })} />
      <ItemView
        key={item.id}
        run={run}
        item={item}
        actor={actor}
        position={at + 1}
        onStatus={(s, reason) => setStatus(item.id, s, reason)}
        onResult={applyResult}
        onWaiver={(w) => patch(item.id, { waiver: w })}
        onMove={move}
        onHelp={() => setHelp((h) => !h)}
        onHome={() => go({ name: 'home' })}
      />
      <EvidencePanel runId={runId} item={item} onChange={reload} />
      <ShortcutBar open={help} onToggle={() => setHelp((h) => !h)} />
    </div>
  );
}
