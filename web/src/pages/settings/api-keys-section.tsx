/**
 * The workspace's API keys (`/api/v1/api-keys`, owners and admins): each with its role and when it
 * was last used; creating one shows the key once; revoking asks to confirm, then the key's next
 * request is refused.
 */
import { type FormEvent, useState } from 'react';
import type { Role, Session } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { grantableRoles, ROLE_NAMES } from './members-section';
import { type ApiKey, useApiKeys, useCreateApiKey, useRevokeApiKey } from './queries';
import { failureKey, instantText, SecretBox } from './secret-box';

export function ApiKeysSection({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const keys = useApiKeys();
  return (
    <section className="settings-card" aria-labelledby="settings-keys">
      <h2 id="settings-keys">{t('settings.keys.title')}</h2>
      <p className="settings-hint">{t('settings.keys.intro')}</p>
      {keys.data ? (
        keys.data.apiKeys.length > 0 ? (
          <KeyTable keys={keys.data.apiKeys} />
        ) : (
          <p>{t('settings.keys.none')}</p>
        )
      ) : keys.isError ? (
        <ErrorMessage error={keys.error} onRetry={() => void keys.refetch()} />
      ) : (
        <Loading />
      )}
      <CreateKey session={session} />
    </section>
  );
}

function KeyTable({ keys }: { readonly keys: readonly ApiKey[] }) {
  const { t, locale } = useI18n();
  const revoke = useRevokeApiKey();
  const [confirming, setConfirming] = useState<string | null>(null);
  const at = (ms: number | null) => instantText(ms, (iso) => formatDateTime(iso, locale));
  return (
    <>
      <ScrollRegion label={t('settings.keys.caption')}>
        <table className="settings-table wide-table">
          <caption className="visually-hidden">{t('settings.keys.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('settings.keys.name')}</th>
              <th scope="col">{t('settings.keys.prefix')}</th>
              <th scope="col">{t('settings.members.role')}</th>
              <th scope="col">{t('settings.keys.created')}</th>
              <th scope="col">{t('settings.keys.lastUsed')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('settings.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-key={key.prefix} data-revoked={key.revokedAt !== null}>
                <th scope="row">{key.name}</th>
                <td>
                  <code>{key.prefix}</code>
                </td>
                <td>{t(ROLE_NAMES[key.role])}</td>
                <td>{at(key.createdAt)}</td>
                <td>{at(key.lastUsedAt)}</td>
                <td className="row-actions">
                  {key.revokedAt !== null ? (
                    <span className="muted">{t('settings.keys.revokedOn', { date: at(key.revokedAt) })}</span>
                  ) : confirming === key.id ? (
                    <span className="confirm">
                      <button
                        type="button"
                        className="button button-danger"
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(key.id, { onSettled: () => setConfirming(null) })}
                      >
                        {t('settings.keys.confirmRevoke', { name: key.name })}
                      </button>
                      <button
                        type="button"
                        className="button button-quiet"
                        onClick={() => setConfirming(null)}
                      >
                        {t('settings.cancel')}
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="button button-quiet"
                      onClick={() => setConfirming(key.id)}
                    >
                      {t('settings.keys.revoke')}
                      <span className="visually-hidden"> {key.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {revoke.isError && (
        <p className="form-error" role="alert">
          {t(failureKey(revoke.error))}
        </p>
      )}
    </>
  );
}

function CreateKey({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), role }, { onSuccess: () => setName('') });
  };
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="settings-create-key">
      <h3 id="settings-create-key">{t('settings.keys.create')}</h3>
      <div className="settings-grid">
        <label className="field">
          <span className="field-label">{t('settings.keys.name')}</span>
          <input
            className="input"
            name="keyName"
            required
            maxLength={200}
            autoComplete="off"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('settings.members.role')}</span>
          <select
            className="select"
            name="keyRole"
            value={role}
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {grantableRoles(session.role).map((option) => (
              <option key={option} value={option}>
                {t(ROLE_NAMES[option])}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="settings-actions">
        <button type="submit" className="button" disabled={create.isPending}>
          {t('settings.keys.createButton')}
        </button>
      </div>
      {create.isError && (
        <p className="form-error" role="alert">
          {t(failureKey(create.error))}
        </p>
      )}
      {create.data && (
        <SecretBox
          label={t('settings.keys.newKey', { name: create.data.apiKey.name })}
          value={create.data.key}
          note={t('settings.keys.shownOnce')}
        />
      )}
    </form>
  );
}
