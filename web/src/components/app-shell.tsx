/**
 * The frame of every page once logged in: a skip link, the header (workspace, navigation by role,
 * language, theme, the user and log out) and the main region. Later pages add their entry to
 * `NAVIGATION`; a workspace switcher takes the workspace name's place when a user has several.
 */
import type { ReactNode } from 'react';
import { type Session, useHasSubscriptions, useLogout } from '../api';
import { type MessageKey, useI18n } from '../i18n/i18n';
import { type Capability, can } from '../roles';
import { Link, useLocation } from '../router';
import { Logo } from './logo';
import { LanguageSelect, ThemeSelect } from './preference-controls';
import { WorkspaceSwitcher } from './workspace-switcher';

interface NavigationEntry {
  readonly href: string;
  readonly label: MessageKey;
  readonly needs: Capability | null;
  /** Shown only when the workspace has subscriptions. */
  readonly onlyWithSubscriptions?: boolean;
}

export const NAVIGATION: readonly NavigationEntry[] = [
  { href: '/', label: 'nav.overview', needs: 'analytics' },
  { href: '/customers', label: 'customers.nav', needs: 'customers' },
  { href: '/cohorts', label: 'cohorts.nav', needs: 'analytics' },
  { href: '/value', label: 'value.nav', needs: 'analytics' },
  { href: '/subscriptions', label: 'subscriptions.nav', needs: 'analytics', onlyWithSubscriptions: true },
  { href: '/segments', label: 'segments.nav', needs: 'segments' },
  { href: '/flows', label: 'flows.nav', needs: 'flows' },
  { href: '/outbox', label: 'outbox.nav', needs: 'email' },
  { href: '/help-centre', label: 'help.nav', needs: 'helpCentre' },
  { href: '/feedback', label: 'feedback.nav', needs: 'feedback' },
  { href: '/import', label: 'import.nav', needs: 'imports' },
  { href: '/settings', label: 'settings.nav', needs: 'settings' },
];

const ROLE_NAMES: Readonly<Record<Session['role'], MessageKey>> = {
  owner: 'role.owner',
  admin: 'role.admin',
  analyst: 'role.analyst',
  marketer: 'role.marketer',
  agent: 'role.agent',
};

export function AppShell({ session, children }: { readonly session: Session; readonly children: ReactNode }) {
  const { t } = useI18n();
  const { path } = useLocation();
  const logout = useLogout();
  const analytics = can(session.role, 'analytics');
  const hasSubscriptions = useHasSubscriptions(analytics).data === true;
  const entries = NAVIGATION.filter(
    (entry) =>
      (entry.needs === null || can(session.role, entry.needs)) &&
      (!entry.onlyWithSubscriptions || hasSubscriptions),
  );
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="app-header">
        <div className="brand">
          <Logo />
          <span className="brand-name">{t('app.name')}</span>
          <WorkspaceSwitcher session={session} />
        </div>
        {entries.length > 0 && (
          <nav className="main-nav" aria-label={t('nav.label')}>
            <ul>
              {entries.map((entry) => (
                <li key={entry.href}>
                  <Link
                    href={entry.href}
                    aria-current={
                      path === entry.href || (entry.href !== '/' && path.startsWith(`${entry.href}/`))
                        ? 'page'
                        : undefined
                    }
                  >
                    {t(entry.label)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div className="header-tools">
          <LanguageSelect />
          <ThemeSelect />
          <div className="user">
            <span className="user-email">{session.user?.email ?? session.apiKey?.name}</span>
            <span className="role-badge">{t(ROLE_NAMES[session.role])}</span>
            <button
              type="button"
              className="button button-quiet"
              onClick={() => logout.mutate()}
              disabled={logout.isPending}
            >
              {t('auth.logout')}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
