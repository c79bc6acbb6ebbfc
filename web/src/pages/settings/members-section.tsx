/**
 * The workspace's members (`/api/v1/users`, owners and admins): their roles, removing and restoring
 * them, and adding one with a role and an initial password that the person adding them passes on
 * (Retain sends no e-mail). An admin cannot make or touch an owner, and the last owner stays: the
 * API refuses both, and the page does not offer them.
 */
import { type FormEvent, useId, useState } from 'react';
import type { Role, Session } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { type Member, useAddMember, useChangeMember, useMembers, useRemoveMember } from './queries';
import { failureKey, instantText } from './secret-box';

export const ROLE_NAMES: Readonly<Record<Role, MessageKey>> = {
  owner: 'role.owner',
  admin: 'role.admin',
  analyst: 'role.analyst',
  marketer: 'role.marketer',
  agent: 'role.agent',
};

const ROLES: readonly Role[] = ['owner', 'admin', 'analyst', 'marketer', 'agent'];

/** The roles `grantor` may hand out (nobody grants more than they hold). */
export function grantableRoles(grantor: Role): readonly Role[] {
  return grantor === 'owner' ? ROLES : ROLES.filter((role) => role !== 'owner');
}

/** A password of 16 characters from the browser's cryptographic random source. */
function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

export function MembersSection({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const members = useMembers();
  return (
    <section className="settings-card" aria-labelledby="settings-members">
      <h2 id="settings-members">{t('settings.members.title')}</h2>
      <p className="settings-hint">{t('settings.members.intro')}</p>
      {members.data ? (
        <MemberTable members={members.data.users} session={session} />
      ) : members.isError ? (
        <ErrorMessage error={members.error} onRetry={() => void members.refetch()} />
      ) : (
        <Loading />
      )}
      <AddMember session={session} />
    </section>
  );
}

function MemberTable({
  members,
  session,
}: {
  readonly members: readonly Member[];
  readonly session: Session;
}) {
  const { t, locale } = useI18n();
  const change = useChangeMember();
  const remove = useRemoveMember();
  const failure = change.error ?? remove.error;
  return (
    <>
      <ScrollRegion label={t('settings.members.caption')}>
        <table className="settings-table wide-table">
          <caption className="visually-hidden">{t('settings.members.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('settings.members.email')}</th>
              <th scope="col">{t('settings.members.role')}</th>
              <th scope="col">{t('settings.members.lastLogin')}</th>
              <th scope="col">{t('settings.members.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('settings.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => {
              const removed = member.disabledAt !== null;
              const you = member.id === session.user?.id;
              // An admin cannot change an owner (the API would answer 403); nobody is offered to
              // demote or remove themselves, which would lock them out at once.
              const locked = you || (session.role !== 'owner' && member.role === 'owner');
              return (
                <tr key={member.id} data-member={member.email} data-removed={removed}>
                  <th scope="row">
                    <span className="member-email">{member.email}</span>
                    {you && <span className="role-badge">{t('settings.members.you')}</span>}
                    {member.name && <span className="member-name">{member.name}</span>}
                  </th>
                  <td>
                    {locked || removed ? (
                      t(ROLE_NAMES[member.role])
                    ) : (
                      <select
                        className="select select-compact"
                        aria-label={t('settings.members.roleOf', { email: member.email })}
                        value={member.role}
                        disabled={change.isPending}
                        onChange={(event) =>
                          change.mutate({ id: member.id, change: { role: event.target.value as Role } })
                        }
                      >
                        {grantableRoles(session.role).map((role) => (
                          <option key={role} value={role}>
                            {t(ROLE_NAMES[role])}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                  <td>{instantText(member.lastLoginAt, (iso) => formatDateTime(iso, locale))}</td>
                  <td>{removed ? t('settings.members.removed') : t('settings.members.active')}</td>
                  <td className="row-actions">
                    {!locked &&
                      (removed ? (
                        <button
                          type="button"
                          className="button button-quiet"
                          disabled={change.isPending}
                          onClick={() => change.mutate({ id: member.id, change: { disabled: false } })}
                        >
                          {t('settings.members.restore')}
                          <span className="visually-hidden"> {member.email}</span>
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="button button-quiet"
                          disabled={remove.isPending}
                          onClick={() => remove.mutate(member.id)}
                        >
                          {t('settings.members.remove')}
                          <span className="visually-hidden"> {member.email}</span>
                        </button>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      {failure && (
        <p className="form-error" role="alert">
          {t(failureKey(failure))}
        </p>
      )}
    </>
  );
}

function AddMember({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const add = useAddMember();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [password, setPassword] = useState('');
  const [added, setAdded] = useState<{ email: string; password: string } | null>(null);
  const passwordHelp = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const member = { email: email.trim(), name: name.trim() === '' ? null : name.trim(), role, password };
    add.mutate(member, {
      onSuccess: () => {
        setAdded({ email: member.email, password });
        setEmail('');
        setName('');
        setPassword('');
      },
    });
  };

  return (
    <form className="settings-form add-member" onSubmit={submit} aria-labelledby="settings-add-member">
      <h3 id="settings-add-member">{t('settings.members.add')}</h3>
      <div className="settings-grid">
        <label className="field">
          <span className="field-label">{t('settings.members.email')}</span>
          <input
            className="input"
            name="memberEmail"
            type="email"
            autoComplete="off"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('settings.members.name')}</span>
          <input
            className="input"
            name="memberName"
            autoComplete="off"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('settings.members.role')}</span>
          <select
            className="select"
            name="memberRole"
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
        <div className="field">
          <label className="field-label" htmlFor="settings-member-password">
            {t('settings.members.password')}
          </label>
          <div className="secret-row">
            <input
              id="settings-member-password"
              className="input"
              name="memberPassword"
              type="text"
              autoComplete="new-password"
              spellCheck={false}
              minLength={8}
              maxLength={1024}
              required
              value={password}
              aria-describedby={passwordHelp}
              onChange={(event) => setPassword(event.target.value)}
            />
            <button
              type="button"
              className="button button-quiet"
              onClick={() => setPassword(randomPassword())}
            >
              {t('settings.members.generate')}
            </button>
          </div>
          <span id={passwordHelp} className="settings-hint">
            {t('settings.members.passwordHelp')}
          </span>
        </div>
      </div>
      <div className="settings-actions">
        <button type="submit" className="button" disabled={add.isPending}>
          {t('settings.members.addButton')}
        </button>
      </div>
      {add.isError && (
        <p className="form-error" role="alert">
          {add.error && (add.error as { status?: number }).status === 409
            ? t('settings.members.taken')
            : t(failureKey(add.error))}
        </p>
      )}
      {added && (
        <p className="notice" role="status">
          {t('settings.members.added', { email: added.email, workspace: session.workspace.slug })}
        </p>
      )}
    </form>
  );
}
