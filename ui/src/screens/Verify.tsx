import { useState } from 'preact/hooks';

import * as ipc from '../ipc';
import type { ReportVerification } from '../ipc';

const mark = (ok: boolean | null) => (ok === null ? '–' : ok ? '✓' : '✗');
const word = (ok: boolean | null) => (ok === null ? 'Not checked' : ok ? 'Pass' : 'Fail');

/** Verify: open any PDF report and see what `signoff verify` says, check by check. */
export function Verify() {
  const [result, setResult] = useState<ReportVerification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<ReportVerification | null>) => {
    setBusy(true);
    try {
      const r = await work();
      if (r) {
        setResult(r);
        setError(null);
      }
    } catch (e) {
      setError((e as Error).message);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };

  const trustGiven = (result?.trusted.length ?? 0) > 0;
  return (
    <div class="page verify" data-testid="verify">
      <div class="page-head">
        <div>
          <h1>Verify a report</h1>
          <p class="muted">
            Checks every signature, the embedded evidence against SHA256SUMS and the manifest, and the activity
            entries: the same checks as <code>signoff verify</code>. Nothing is sent anywhere.
          </p>
        </div>
        <div class="actions">
          <button class="btn primary" disabled={busy} onClick={() => run(ipc.verifyReport)} data-testid="open-report">
            {busy ? 'Checking…' : 'Open a report…'}
          </button>
        </div>
      </div>
      {error && <p class="error-text" role="alert" data-testid="verify-error">{error}</p>}
      {!result && !error && (
        <div class="empty">
          <p>Open a PDF report to check it.</p>
          <p class="muted">A self-signed signer is only as trustworthy as the certificate you compare it with: get the signer's certificate separately and add it with “Trust a certificate…”.</p>
        </div>
      )}
      {result && (
        <>
          <div class={`verdict ${result.ok ? 'ok' : 'bad'}`} role="status" data-testid="verdict" data-ok={String(result.ok)}>
            <strong>{result.ok ? '✓ Valid' : '✗ Not valid'}</strong>
            <span>
              {' '}— {result.fileName}
              {result.reportId && ` · ${result.reportId}`}
              {result.target && ` · ${result.target}${result.environment ? ` (${result.environment})` : ''}`}
            </span>
            <div class="small">
              {result.ok
                ? trustGiven
                  ? `Every check passed; the signers match the certificates you trust (${result.trusted.join(', ')}).`
                  : 'Every check passed. The signers were not compared with a certificate you trust.'
                : 'At least one check failed: do not rely on this report. Details below.'}
            </div>
          </div>
          <div class="actions left">
            <button class="btn" disabled={busy} onClick={() => run(() => ipc.verifyReportTrusting(result.token))} data-testid="trust">
              Trust a certificate…
            </button>
          </div>
          {result.problems.map((p) => <p key={p} class="error-text">{p}</p>)}

          <section aria-labelledby="sig-h">
            <h2 id="sig-h">Signatures</h2>
            {result.signatures.length === 0 && <p class="muted">This PDF carries no signature.</p>}
            <ol class="sig-list">
              {result.signatures.map((s) => (
                <li key={s.field} class="sig-card" data-testid="signature">
                  <div><strong>{s.signer}</strong> <span class="muted">· {s.reason}</span></div>
                  <div class="small muted">Signed {pdfDate(s.signedAt)} · field {s.field}</div>
                  <div class="small">Certificate SHA-256 <code class="wrap">{s.fingerprint}</code></div>
                  <ul class="checks">
                    <Check ok={s.integrity} label="Integrity: the signed bytes are unchanged" />
                    <Check ok={s.signature} label="Signature: verifies with the signer's certificate" />
                    <Check ok={s.trusted} label="Trust: the certificate is one you trust" />
                    <Check ok={s.onlySignaturesAfter} label="Nothing but signatures was added after it" />
                  </ul>
                  {s.problems.map((p) => <p key={p} class="error-text small">{p}</p>)}
                </li>
              ))}
            </ol>
          </section>

          <section aria-labelledby="content-h">
            <h2 id="content-h">Content</h2>
            <ul class="checks">
              {result.checks.map((c) => <Check key={c.name} ok={c.ok} label={`${c.name}: ${c.detail}`} />)}
            </ul>
          </section>
        </>
      )}
    </div>
  );
}

function Check({ ok, label }: { ok: boolean | null; label: string }) {
  const cls = ok === null ? 'unknown' : ok ? 'pass' : 'fail';
  return (
    <li class={`check-row ${cls}`} data-ok={String(ok)}>
      <span class="check-mark" aria-hidden="true">{mark(ok)}</span>
      <span class="sr-only">{word(ok)}: </span>
      <span>{label}</span>
    </li>
  );
}

/** `D:20261128202239+00'00'` as `2026-11-28 20:22:39 UTC`. */
function pdfDate(d: string): string {
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(d);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]} UTC` : d;
}
