/** A secret shown once (a new API key, a new write key), read-only, with a copy button. */
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';

export function SecretBox({
  label,
  value,
  note,
}: {
  readonly label: string;
  readonly value: string;
  readonly note: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="secret-box" role="status">
      <label className="field" htmlFor={id}>
        <span className="field-label">{label}</span>
      </label>
      <div className="secret-row">
        <input
          id={id}
          className="input secret-value"
          readOnly
          value={value}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" className="button button-quiet" onClick={copy}>
          {copied ? t('settings.copied') : t('settings.copy')}
        </button>
      </div>
      <p className="settings-hint">{note}</p>
    </div>
  );
}

/** A code sample with a copy button. */
export function CodeBlock({ code, label }: { readonly code: string; readonly label: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(code).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <figure className="code-block">
      <figcaption className="visually-hidden">{label}</figcaption>
      <pre>
        <code>{code}</code>
      </pre>
      <button type="button" className="button button-quiet code-copy" onClick={copy}>
        {copied ? t('settings.copied') : t('settings.copy')}
      </button>
    </figure>
  );
}

/** An instant (epoch ms) in the browser's zone: `7 Dec 2026, 08:15`; `—` for none. */
export function instantText(ms: number | null, format: (iso: string) => string): string {
  return ms === null ? '—' : format(new Date(ms).toISOString());
}

/** A message for a failed change: the API's status in the page's words. */
export function failureKey(
  error: unknown,
): 'settings.error.conflict' | 'error.forbidden' | 'error.badRequest' | 'error.unexpected' {
  const status = (error as { status?: number } | null)?.status;
  if (status === 409) return 'settings.error.conflict';
  if (status === 403) return 'error.forbidden';
  if (status === 400) return 'error.badRequest';
  return 'error.unexpected';
}
