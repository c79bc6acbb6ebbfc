/**
 * The workspace in the header: its name, or — when the person's login opened two workspaces or
 * more (`session.workspaces`, the same e-mail and password in each) — a menu that moves the session
 * to another without asking the password again (`POST /auth/switch`).
 */
import { type Session, useSwitchWorkspace } from '../api';
import { useI18n } from '../i18n/i18n';

export function WorkspaceSwitcher({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const switchTo = useSwitchWorkspace();
  if (session.workspaces.length < 2) {
    return (
      <span className="workspace-name" title={session.workspace.slug}>
        <span className="visually-hidden">{t('header.workspace')} </span>
        {session.workspace.name}
      </span>
    );
  }
  return (
    <label className="workspace-switcher">
      <span className="visually-hidden">{t('header.switchWorkspace')}</span>
      <select
        className="select select-compact"
        name="workspace"
        value={session.workspace.slug}
        disabled={switchTo.isPending}
        onChange={(event) => switchTo.mutate(event.target.value)}
      >
        {session.workspaces.map((workspace) => (
          <option key={workspace.id} value={workspace.slug}>
            {workspace.name}
          </option>
        ))}
      </select>
      {switchTo.isError && (
        <span className="form-error workspace-switch-error" role="alert">
          {t('header.switchFailed')}
        </span>
      )}
    </label>
  );
}
