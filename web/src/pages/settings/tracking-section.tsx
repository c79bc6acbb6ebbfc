/**
 * Tracking: the workspace's write key and the code that sends events here with Segment's own
 * libraries. The key is kept only as a hash, so the page shows its beginning; a new key (the old
 * one stops working) is shown once and fills the snippets.
 */
import { useState } from 'react';
import { useWorkspace } from '../../api';
import { useI18n } from '../../i18n/i18n';
import { useReplaceWriteKey } from './queries';
import { CodeBlock, failureKey, SecretBox } from './secret-box';
import { SNIPPET_LANGUAGES, type SnippetLanguage, trackingSnippet } from './tracking-snippets';

const LANGUAGE_NAMES = {
  browser: 'settings.tracking.browser',
  node: 'settings.tracking.node',
  python: 'settings.tracking.python',
} as const;

export function TrackingSection() {
  const { t } = useI18n();
  const workspace = useWorkspace();
  const replace = useReplaceWriteKey();
  const [confirming, setConfirming] = useState(false);
  const [language, setLanguage] = useState<SnippetLanguage>('browser');
  const writeKey = replace.data?.writeKey ?? null;
  const prefix = workspace.data?.writeKeyPrefix ?? '';
  const shownKey = writeKey ?? t('settings.tracking.placeholder', { prefix });
  return (
    <section className="settings-card" aria-labelledby="settings-tracking">
      <h2 id="settings-tracking">{t('settings.tracking.title')}</h2>
      <p className="settings-hint">{t('settings.tracking.intro')}</p>
      <p>
        {t('settings.tracking.current')} <code data-write-key-prefix={prefix}>{`${prefix}…`}</code>
      </p>
      {writeKey ? (
        <SecretBox
          label={t('settings.tracking.newKey')}
          value={writeKey}
          note={t('settings.tracking.shownOnce')}
        />
      ) : confirming ? (
        <div className="confirm">
          <p className="notice">{t('settings.tracking.replaceWarning')}</p>
          <button
            type="button"
            className="button button-danger"
            disabled={replace.isPending}
            onClick={() => replace.mutate(undefined, { onSettled: () => setConfirming(false) })}
          >
            {t('settings.tracking.confirmReplace')}
          </button>
          <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
            {t('settings.cancel')}
          </button>
        </div>
      ) : (
        <button type="button" className="button button-quiet" onClick={() => setConfirming(true)}>
          {t('settings.tracking.replace')}
        </button>
      )}
      {replace.isError && (
        <p className="form-error" role="alert">
          {t(failureKey(replace.error))}
        </p>
      )}
      <h3 className="snippet-title">{t('settings.tracking.snippets')}</h3>
      <fieldset className="segmented">
        <legend className="visually-hidden">{t('settings.tracking.library')}</legend>
        {SNIPPET_LANGUAGES.map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="snippet-language"
              value={option}
              checked={language === option}
              onChange={() => setLanguage(option)}
            />
            <span>{t(LANGUAGE_NAMES[option])}</span>
          </label>
        ))}
      </fieldset>
      <CodeBlock
        label={t('settings.tracking.snippetOf', { library: t(LANGUAGE_NAMES[language]) })}
        code={trackingSnippet(language, window.location.origin, shownKey)}
      />
    </section>
  );
}
