// A new passphrase's field with live strength feedback. The estimate is
// made in Rust (zxcvbn, `passphrase_strength`), the same one that refuses
// a weak passphrase when the key is encrypted; this only shows it.
import { useEffect, useState } from 'preact/hooks';

import * as ipc from '../ipc';
import type { PassphraseCheck } from '../ipc';

const LABELS = ['very weak', 'weak', 'fair', 'strong', 'very strong'];

type Props = {
  label: string;
  value: string;
  onInput: (v: string) => void;
  /** Name, email… of the signer: a passphrase made of them is weak. */
  userInputs: string[];
  /** Set when Rust refused the passphrase (submit): shown under the field. */
  refused?: string | null;
  testid?: string;
};

export function NewPassphrase({ label, value, onInput, userInputs, refused, testid }: Props) {
  const [check, setCheck] = useState<PassphraseCheck | null>(null);
  // The effect runs again when the words change, not when the array is new.
  const inputs = JSON.stringify(userInputs);
  useEffect(() => {
    if (!value) {
      setCheck(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      ipc.passphraseStrength(value, JSON.parse(inputs) as string[]).then(
        (c) => current && setCheck(c),
        () => current && setCheck(null),
      );
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [value, inputs]);
  const id = `strength-${testid ?? 'passphrase'}`;
  return (
    <label class="field">
      <span>{label}</span>
      <input
        type="password"
        value={value}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)}
        autocomplete="new-password"
        aria-describedby={id}
        aria-invalid={refused ? true : undefined}
        data-identity={testid}
      />
      <div id={id} class="strength" aria-live="polite" data-testid={`${testid ?? 'passphrase'}-strength`} data-score={check?.score ?? ''} data-acceptable={check ? String(check.acceptable) : ''}>
        {check ? (
          <>
            <div class="strength-bar" aria-hidden="true">
              {[0, 1, 2, 3].map((i) => (
                <span class={i < check.score ? (check.acceptable ? 'on ok' : 'on weak') : ''} />
              ))}
            </div>
            <span class={check.acceptable ? 'hint strength-ok' : 'hint error-text'}>
              Strength: {LABELS[check.score]} ({check.score} of 4{check.acceptable ? '' : `, ${check.required} needed`})
            </span>
            {!check.acceptable && check.warning && <span class="hint">{check.warning}</span>}
            {!check.acceptable && check.suggestions.map((s: string) => <span class="hint">{s}</span>)}
          </>
        ) : (
          <span class="hint">Several unusual words, or a long random string: a strength of 3 of 4 is needed</span>
        )}
        {refused && <span class="hint error-text" data-testid={`${testid ?? 'passphrase'}-refused`}>{refused}</span>}
      </div>
    </label>
  );
}
