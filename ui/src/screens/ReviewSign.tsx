import { useCallback, useEffect, useState } from 'preact/hooks';

import type { Nav } from '../app';
import { ErrorPage } from '../components/ErrorPage';
import { NewPassphrase } from '../components/PassphraseStrength';
import { ProgressBar } from '../components/Status';
import { count, humanSize, when } from '../format';
import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';
import type { ReportWritten, SignerIdentity } from '../ipc';
import { toast } from '../store';

type Props = { runId: number; go: Nav };

/** Review & sign: what blocks sign-off, the summary, the signer, then the signed report. */
export function ReviewSign({ runId, go }: Props) {
  const { data, error, reload, update } = useResource(
    useCallback(async () => {
      const [run, identity, signoffs] = await Promise.all([ipc.showRun(runId), ipc.identityStatus(), ipc.listSignoffs(runId)]);
      return { run, identity, signoffs };
    }, [runId]),
  );
  const setIdentity = (identity: SignerIdentity) => update((d) => ({ ...d, identity }));
  const [written, setWritten] = useState<ReportWritten | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [busy, setBusy] = useState<'' | 'sign' | 'draft' | 'reopen'>('');

  useEffect(() => {
    const un = ipc.onReportProgress((p) => setProgress(p));
    return () => void un.then((f) => f());
  }, []);

  const draft = async (paper: ipc.Paper) => {
    setBusy('draft');
    setProgress(null);
    try {
      const w = await ipc.exportDraft(runId, paper);
      if (w) setWritten(w);
    } catch (e) {
      toast((e as Error).message, 'error');
    } finally {
      setBusy('');
    }
  };

  const reopen = async () => {
    setBusy('reopen');
    try {
      const r = await ipc.reopenRun(runId);
      toast(`Reopened as run #${r.id} (revision ${r.revision}); the signed run and its report stay as they are.`);
      go({ name: 'run', id: r.id });
    } catch (e) {
      toast((e as Error).message, 'error');
    } finally {
      setBusy('');
    }
  };

  if (error) return <ErrorPage message={error.message} back="Back to runs" onBack={() => go({ name: 'home' })} />;
  if (!data) return <div class="page"><p class="muted">Loading…</p></div>;
  const { run, identity, signoffs } = data;

  const c = run.counts;
  const waived = run.items.filter((i) => i.status === 'fail' && i.waiver).length;
  const signed = run.state === 'signed';
  const ready = run.blockers.length === 0 && !signed;

  return (
    <div class="page review" data-testid="review">
      <div class="page-head">
        <div>
          <h1>Review &amp; sign</h1>
          <p class="muted">
            {run.target}{run.environment && ` · ${run.environment}`} · {run.templateName} · run #{run.id}
            {run.revision > 1 && ` · revision ${run.revision}`}
          </p>
        </div>
        <div class="actions">
          <button class="btn" onClick={() => go({ name: 'run', id: runId })}>Back to the checklist</button>
        </div>
      </div>

      <section aria-labelledby="sum-h">
        <h2 id="sum-h">Summary</h2>
        <div class="summary-card">
          <ProgressBar done={c.total - c.pending} total={c.total} label="Items checked" />
          <div class="counts summary-counts">
            <span class="c-pass">✓ {c.pass} pass</span>
            <span class="c-fail">✗ {c.fail} fail{waived > 0 && ` (${waived} waived)`}</span>
            <span class="c-na">⊘ {c.na} N/A</span>
            <span class="muted">○ {c.pending} not checked</span>
            <span class="muted">{count(run.items.reduce((n, i) => n + i.evidence.length, 0), 'piece')} of evidence</span>
          </div>
        </div>
      </section>

      {signed ? (
        <section aria-labelledby="signed-h">
          <h2 id="signed-h">Signed</h2>
          <div class="verdict ok" data-testid="signed-state">
            <strong>✓ This run is signed and frozen.</strong> To change anything, reopen it as a new
            revision; this revision and its report stay valid.
          </div>
          <ul class="signoff-list">
            {signoffs.map((s) => (
              <li key={s.reportId + s.signedAt}>
                <strong>{s.signerName}</strong> · {s.role} · {when(s.signedAt)}
                <div class="muted small">Report {s.reportId} · certificate <code class="wrap">{s.fingerprint}</code></div>
                {s.statement && <div class="small">“{s.statement}”</div>}
              </li>
            ))}
          </ul>
          <div class="actions left">
            <button class="btn" disabled={busy !== ''} onClick={reopen} data-testid="reopen">Reopen as revision {run.revision + 1}</button>
          </div>
        </section>
      ) : (
        <section aria-labelledby="block-h">
          <h2 id="block-h">What blocks sign-off</h2>
          {run.blockers.length === 0 ? (
            <div class="verdict ok" data-testid="no-blockers">✓ Nothing: every item is resolved and has the evidence it needs.</div>
          ) : (
            <ul class="blocker-list" data-testid="blockers">
              {run.blockers.map((b) => (
                <li key={b.itemId}>
                  <button
                    class="linklike"
                    onClick={() =>
                      b.itemId.startsWith('maintenance/')
                        ? go({ name: 'task', id: b.itemId.slice('maintenance/'.length) })
                        : go({ name: 'run', id: runId, item: b.itemId })
                    }
                  >
                    {b.title}
                  </button>
                  <span class="muted"> — {b.problem}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {!signed && (
        <section aria-labelledby="signer-h">
          <h2 id="signer-h">Signer</h2>
          {identity ? (
            <IdentityCard identity={identity} />
          ) : (
            <>
              <CreateIdentity onDone={setIdentity} />
              <ImportIdentity onDone={setIdentity} />
            </>
          )}
        </section>
      )}

      {!signed && identity && (
        <section aria-labelledby="sign-h">
          <h2 id="sign-h">Sign</h2>
          <SignForm
            ready={ready}
            busy={busy}
            onSign={async (role, statement, passphrase, paper) => {
              setBusy('sign');
              setProgress(null);
              try {
                const w = await ipc.signRun(runId, role, statement, passphrase, paper);
                if (w) {
                  setWritten(w);
                  await reload();
                }
                return true;
              } catch (e) {
                const f = e as ipc.IpcFailure;
                toast(f.message, 'error');
                return f.code !== 'wrong_passphrase';
              } finally {
                setBusy('');
              }
            }}
          />
        </section>
      )}

      {busy && progress && progress.total > 0 && (
        <div class="report-progress" data-testid="report-progress">
          <ProgressBar done={progress.done} total={progress.total} label="Embedding evidence" />
          <span class="small muted">Embedding evidence: {humanSize(progress.done)} of {humanSize(progress.total)}</span>
        </div>
      )}

      {written && (
        <div class="verdict ok written" role="status" data-testid="report-written">
          <div>
            <strong>{written.signed ? 'Signed report saved' : 'Draft saved'}:</strong> {written.fileName}
            <div class="small muted">
              {written.reportId} · {count(written.pages, 'page')} · {count(written.embeddedFiles, 'embedded file')} ·{' '}
              {humanSize(written.bytes)}
            </div>
          </div>
          <button class="btn" onClick={() => ipc.openReport(written.token).catch((e: Error) => toast(e.message, 'error'))}>
            Open report
          </button>
        </div>
      )}

      <section aria-labelledby="draft-h">
        <h2 id="draft-h">Draft for review</h2>
        <p class="muted small">An unsigned PDF with DRAFT on every page, to circulate before signing. Any state, blockers listed.</p>
        <div class="actions left">
          <button class="btn" disabled={busy !== ''} onClick={() => draft('a4')} data-testid="export-draft">Export draft (A4)…</button>
          <button class="btn subtle" disabled={busy !== ''} onClick={() => draft('letter')}>Letter…</button>
        </div>
      </section>
    </div>
  );
}

function IdentityCard({ identity }: { identity: SignerIdentity }) {
  return (
    <div class="identity-card" data-testid="identity">
      <div><strong>{identity.name}</strong> {identity.role && <span class="muted">· {identity.role}</span>}</div>
      <div class="muted small">{identity.email}{identity.organisation && ` · ${identity.organisation}`} · {identity.algorithm} · {identity.source}</div>
      <div class="small">Certificate SHA-256 <code class="wrap" data-testid="fingerprint">{identity.fingerprint}</code></div>
    </div>
  );
}

function CreateIdentity({ onDone }: { onDone: (i: SignerIdentity) => void }) {
  const [who, setWho] = useState({ name: '', email: '', role: '', organisation: '' });
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const mismatch = again.length > 0 && pass !== again;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setRefused(null);
    try {
      onDone(await ipc.createIdentity(who, pass));
      toast('Signing identity created. Keep the passphrase safe: it cannot be recovered.');
    } catch (err) {
      const f = err as ipc.IpcFailure;
      // A weak passphrase is answered under its field, where the person is
      // typing; a toast would linger over the form after they fix it.
      if (f.code === 'weak_passphrase') setRefused(f.message);
      else toast(f.message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const field = (key: keyof typeof who, label: string, hint?: string) => (
    <label class="field">
      <span>{label}</span>
      <input type="text" value={who[key]} onInput={(e) => setWho({ ...who, [key]: (e.target as HTMLInputElement).value })} data-identity={key} />
      {hint && <span class="hint">{hint}</span>}
    </label>
  );
  return (
    <form class="form identity-form" onSubmit={submit} data-testid="create-identity">
      <p class="muted small">
        No signing identity yet. Create one: a P-256 key and a self-signed certificate, the key encrypted with your
        passphrase and never stored in clear. Or import your organisation's certificate below.
      </p>
      <div class="two-cols">
        {field('name', 'Name', 'As it should appear on the report')}
        {field('email', 'Email')}
        {field('role', 'Role', 'e.g. Release manager')}
        {field('organisation', 'Organisation')}
      </div>
      <div class="two-cols">
        <NewPassphrase
          label="Passphrase"
          value={pass}
          onInput={(v) => {
            setPass(v);
            setRefused(null);
          }}
          userInputs={[who.name, who.email, who.role, who.organisation]}
          refused={refused}
          testid="passphrase"
        />
        <label class="field">
          <span>Repeat the passphrase</span>
          <input type="password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} autocomplete="new-password" aria-invalid={mismatch} data-identity="again" />
          {mismatch && <span class="hint error-text">The two passphrases differ</span>}
        </label>
      </div>
      <div class="actions left">
        <button class="btn primary" type="submit" disabled={busy || !who.name.trim() || !who.email.trim() || pass.length === 0 || pass !== again}>
          {busy ? 'Creating…' : 'Create signing identity'}
        </button>
      </div>
    </form>
  );
}

function ImportIdentity({ onDone }: { onDone: (i: SignerIdentity) => void }) {
  const [p12, setP12] = useState('');
  const [pass, setPass] = useState('');
  const [role, setRole] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setRefused(null);
    try {
      const id = await ipc.importIdentity(p12, pass, role);
      if (id) {
        onDone(id);
        toast('Certificate imported; its key is now encrypted with your passphrase.');
      }
    } catch (err) {
      const f = err as ipc.IpcFailure;
      // A weak passphrase is answered under its field, where the person is
      // typing; a toast would linger over the form after they fix it.
      if (f.code === 'weak_passphrase') setRefused(f.message);
      else toast(f.message, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="import-identity">
      <summary>Import an organisation certificate (.p12 / .pfx) instead</summary>
      <form class="form compact" onSubmit={submit}>
        <div class="two-cols">
          <label class="field">
            <span>Password of the .p12 file</span>
            <input type="password" value={p12} onInput={(e) => setP12((e.target as HTMLInputElement).value)} autocomplete="off" />
          </label>
          <label class="field">
            <span>Your role</span>
            <input type="text" value={role} onInput={(e) => setRole((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <NewPassphrase
          label="New passphrase for the key"
          value={pass}
          onInput={(v) => {
            setPass(v);
            setRefused(null);
          }}
          userInputs={[role]}
          refused={refused}
          testid="import-passphrase"
        />
        <div class="actions left">
          <button class="btn" type="submit" disabled={busy || pass.length === 0}>{busy ? 'Importing…' : 'Choose the file and import…'}</button>
        </div>
      </form>
    </details>
  );
}

type SignProps = {
  ready: boolean;
  busy: string;
  onSign: (role: ipc.Role, statement: string, passphrase: string, paper: ipc.Paper) => Promise<boolean>;
};

function SignForm({ ready, busy, onSign }: SignProps) {
  const [role, setRole] = useState<ipc.Role>('preparer');
  const [statement, setStatement] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [paper, setPaper] = useState<ipc.Paper>('a4');
  const submit = async (e: Event) => {
    e.preventDefault();
    const keep = await onSign(role, statement, passphrase, paper);
    if (!keep) setPassphrase('');
  };
  return (
    <form class="form" onSubmit={submit} data-testid="sign-form">
      <div class="two-cols">
        <label class="field">
          <span>Sign as</span>
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as ipc.Role)} data-sign="role">
            <option value="preparer">Preparer</option>
            <option value="approver">Approver</option>
          </select>
        </label>
        <label class="field">
          <span>Paper</span>
          <select value={paper} onChange={(e) => setPaper((e.target as HTMLSelectElement).value as ipc.Paper)}>
            <option value="a4">A4</option>
            <option value="letter">Letter</option>
          </select>
        </label>
      </div>
      <label class="field">
        <span>Statement</span>
        <textarea rows={2} value={statement} onInput={(e) => setStatement((e.target as HTMLTextAreaElement).value)}
          placeholder={role === 'approver' ? 'I approve this release: every item above is resolved as recorded.' : 'I prepared this sign-off: every item above was checked as recorded.'}
          data-sign="statement" />
        <span class="hint">What you attest to; printed on the cover and recorded with the sign-off. Leave empty for the sentence shown.</span>
      </label>
      <label class="field">
        <span>Passphrase of your signing key</span>
        <input type="password" value={passphrase} onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)} autocomplete="current-password" data-sign="passphrase" />
      </label>
      <div class="actions left">
        <button class="btn primary" type="submit" disabled={!ready || busy !== '' || passphrase.length === 0} data-testid="sign">
          {busy === 'sign' ? 'Signing…' : 'Sign and save report…'}
        </button>
        {!ready && <span class="small muted">Resolve what blocks sign-off first.</span>}
      </div>
    </form>
  );
}
