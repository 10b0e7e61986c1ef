import { useState } from 'preact/hooks';

import { useResource } from '../hooks/resource';
import * as ipc from '../ipc';
import type { ReportVerification } from '../ipc';

const mark = (ok: boolean | null) => (ok === null ? '–' : ok ? '✓' : '✗');
const word = (ok: boolean | null) => (ok === null ? 'Not checked' : ok ? 'Pass' : 'Fail');

/** Verify: open any PDF report and see what `signoff verify` says, check by check. */
export function Verify() {
  const [result, setResult] = useState<ReportVerification | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const certificates = useResource(ipc.listTrusted);
  const trusted = certificates.data ?? [];
  // Why the last check failed, or else why the trusted list did not load.
  const error = failed ?? certificates.error?.message ?? null;
  // The signature whose certificate a person is about to trust.
  const [confirming, setConfirming] = useState<number | null>(null);
  const [compared, setCompared] = useState(false);

  const run = async (work: () => Promise<ReportVerification | null>) => {
    setBusy(true);
    try {
      const r = await work();
      if (r) {
        setResult(r);
        setFailed(null);
        setConfirming(null);
        setCompared(false);
      }
      await certificates.reload();
    } catch (e) {
      setFailed((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const untrust = async (fingerprint: string) => {
    try {
      const left = await ipc.untrustCertificate(fingerprint);
      certificates.update(() => left);
      // What the report comes to may change: check it again.
      if (result) await run(() => ipc.recheckReport(result.token));
    } catch (e) {
      setFailed((e as Error).message);
    }
  };

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
          <p class="muted">A signature proves who signed only if you trust their certificate: compare its fingerprint with the signer (in person, or through a channel you trust), or trust the certificate of the CA that issued it.</p>
        </div>
      )}
      {result && (
        <>
          <div class={`verdict ${verdictClass(result.verdict)}`} role="status" data-testid="verdict" data-ok={String(result.ok)} data-verdict={result.verdict}>
            <strong>{verdictTitle(result.verdict)}</strong>
            <span>
              {' '}— {result.fileName}
              {result.reportId && ` · ${result.reportId}`}
              {result.target && ` · ${result.target}${result.environment ? ` (${result.environment})` : ''}`}
            </span>
            <div class="small">
              {result.verdict === 'valid' && 'Every check passed, and every signer matches a certificate you trust.'}
              {result.verdict === 'untrusted' && 'The report is unchanged since it was signed, but not every signer is one you trust. Compare the fingerprints below with the signers before you rely on it.'}
              {result.verdict === 'invalid' && 'At least one check failed: do not rely on this report. Details below.'}
            </div>
          </div>
          <div class="actions left">
            <button class="btn" disabled={busy} onClick={() => run(() => ipc.verifyReportTrusting(result.token))} data-testid="trust">
              Trust a certificate file…
            </button>
          </div>
          {result.problems.map((p) => <p key={p} class="error-text">{p}</p>)}

          <section aria-labelledby="sig-h">
            <h2 id="sig-h">Signatures</h2>
            {result.signatures.length === 0 && <p class="muted">This PDF carries no signature.</p>}
            <ol class="sig-list">
              {result.signatures.map((s, i) => (
                <li key={s.field} class="sig-card" data-testid="signature" data-trust={s.trust}>
                  <div><strong>{s.signer}</strong> <span class="muted">· {s.reason}</span></div>
                  <div class="small muted">Signed {pdfDate(s.signedAt)} · field {s.field}</div>
                  <div class="small">Certificate SHA-256 <code class="wrap" data-testid="signer-fingerprint">{s.fingerprint}</code></div>
                  <ul class="checks">
                    <Check ok={s.integrity} label="Integrity: the signed bytes are unchanged" />
                    <Check ok={s.signature} label="Signature: verifies with the signer's certificate" />
                    <TrustRow trust={s.trust} detail={s.trustDetail} />
                    <Check ok={s.onlySignaturesAfter} label="Nothing but signatures was added after it" />
                  </ul>
                  {s.problems.map((p) => <p key={p} class="error-text small">{p}</p>)}
                  {s.trust !== 'trusted' && result.intact && s.fingerprint && confirming !== i && (
                    <button class="btn subtle" disabled={busy} onClick={() => { setConfirming(i); setCompared(false); }} data-testid="trust-signer">
                      Trust this signer…
                    </button>
                  )}
                  {confirming === i && (
                    <div class="trust-confirm" data-testid="trust-confirm">
                      <p class="small">
                        Ask {s.signer} for their certificate's SHA-256 fingerprint through a channel you trust (in person,
                        by phone), and compare it with the one above, every character. Trust it only if they match.
                      </p>
                      <label>
                        <input type="checkbox" checked={compared} onChange={(e) => setCompared((e.target as HTMLInputElement).checked)} data-testid="trust-compared" />
                        <span>I compared the fingerprint with {s.signer}, and it matches</span>
                      </label>
                      <div class="actions left">
                        <button class="btn primary" disabled={!compared || busy} onClick={() => run(() => ipc.trustSigner(result.token, i, s.fingerprint))} data-testid="trust-signer-confirm">
                          Trust {s.signer}'s certificate
                        </button>
                        <button class="btn subtle" onClick={() => setConfirming(null)}>Cancel</button>
                      </div>
                    </div>
                  )}
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

      <section aria-labelledby="trusted-h" data-testid="trusted-list">
        <h2 id="trusted-h">Certificates you trust</h2>
        {trusted.length === 0 && <p class="muted">None yet. Signers you trust, or the CA that issued their certificates, appear here.</p>}
        <ul class="trusted-list">
          {trusted.map((c) => (
            <li key={c.fingerprint} data-testid="trusted-cert">
              <div>
                <strong>{c.name}</strong>{c.ca && <span class="badge badge-na"> CA</span>}
                <div class="small muted">{c.subject} · valid until {c.notAfter}</div>
                <div class="small">SHA-256 <code class="wrap">{c.fingerprint}</code></div>
              </div>
              <button class="btn subtle" disabled={busy} onClick={() => untrust(c.fingerprint)} aria-label={`Remove ${c.name}`} data-testid="untrust">
                Remove
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function verdictClass(v: ReportVerification['verdict']): string {
  return v === 'valid' ? 'ok' : v === 'untrusted' ? 'warn' : 'bad';
}

function verdictTitle(v: ReportVerification['verdict']): string {
  return v === 'valid' ? '✓ Valid' : v === 'untrusted' ? '! Intact, signer not trusted' : '✗ Not valid';
}

function TrustRow({ trust, detail }: { trust: ReportVerification['signatures'][number]['trust']; detail: string }) {
  const cls = trust === 'trusted' ? 'pass' : trust === 'untrusted' ? 'warn' : 'unknown';
  const word = trust === 'trusted' ? 'Trusted' : trust === 'untrusted' ? 'Not trusted' : 'Not checked';
  return (
    <li class={`check-row ${cls}`} data-ok={String(trust === 'trusted')}>
      <span class="check-mark" aria-hidden="true">{trust === 'trusted' ? '✓' : trust === 'untrusted' ? '!' : '–'}</span>
      <span class="sr-only">{word}: </span>
      <span>Trust: {detail}</span>
    </li>
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
