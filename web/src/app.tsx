/**
 * The app: the session decides between the login page and the pages (each loaded on demand), and
 * the path picks the page. Adding a page: a folder under pages/, an entry in `PAGES` and, if it has
 * one, in the header's navigation (components/app-shell.tsx).
 */
import { Component, type ComponentType, lazy, type ReactNode, Suspense, useEffect } from 'react';
import { type Session, useSession } from './api';
import { AppShell } from './components/app-shell';
import { ErrorMessage, Loading } from './components/status';
import { useI18n } from './i18n/i18n';
import { NoAccessPage, NotFoundPage } from './pages/not-found/not-found-page';
import { type Capability, can } from './roles';
import { matchPath, navigate, type PathParams, useLocation } from './router';

const LoginPage = lazy(() => import('./pages/login/login-page'));
const OverviewPage = lazy(() => import('./pages/overview/overview-page'));
const ImportPage = lazy(() => import('./pages/import/import-page'));
const SettingsPage = lazy(() => import('./pages/settings/settings-page'));
const CustomersPage = lazy(() => import('./pages/customers/customers-page'));
const CustomerPage = lazy(() => import('./pages/customers/customer-page'));
const CohortsPage = lazy(() => import('./pages/cohorts/cohorts-page'));
const ValuePage = lazy(() => import('./pages/value/value-page'));
const SubscriptionsPage = lazy(() => import('./pages/subscriptions/subscriptions-page'));
const SegmentsPage = lazy(() => import('./pages/segments/segments-page'));
const SegmentPage = lazy(() => import('./pages/segments/segment-page'));
const SegmentMembersPage = lazy(() => import('./pages/segments/members-page'));
const FlowsPage = lazy(() => import('./pages/flows/flows-page'));
const FlowPage = lazy(() => import('./pages/flows/flow-page'));
const FlowReportPage = lazy(() => import('./pages/flows/report-page'));
const OutboxPage = lazy(() => import('./pages/outbox/outbox-page'));
const MessagePage = lazy(() => import('./pages/outbox/message-page'));
const HelpPage = lazy(() => import('./pages/help/help-page'));
const FeedbackPage = lazy(() => import('./pages/feedback/feedback-page'));
const LoyaltyPage = lazy(() => import('./pages/loyalty/loyalty-page'));

/** What a page receives: the values of its path's `:name` segments. */
export interface PageProps {
  readonly params: PathParams;
}

interface PageEntry {
  /** A path pattern (router.ts `matchPath`), e.g. `/customers/:id`. */
  readonly path: string;
  readonly page: ComponentType<PageProps>;
  readonly needs: Capability | null;
}

const PAGES: readonly PageEntry[] = [
  { path: '/', page: OverviewPage, needs: 'analytics' },
  { path: '/import', page: ImportPage, needs: 'imports' },
  { path: '/settings', page: SettingsPage, needs: 'settings' },
  { path: '/customers', page: CustomersPage, needs: 'customers' },
  { path: '/customers/at-risk', page: CustomersPage, needs: 'customers' },
  { path: '/customers/:id', page: CustomerPage, needs: 'customers' },
  { path: '/cohorts', page: CohortsPage, needs: 'analytics' },
  { path: '/value', page: ValuePage, needs: 'analytics' },
  { path: '/subscriptions', page: SubscriptionsPage, needs: 'analytics' },
  { path: '/segments', page: SegmentsPage, needs: 'segments' },
  { path: '/segments/new', page: SegmentPage, needs: 'segments' },
  { path: '/segments/:id', page: SegmentPage, needs: 'segments' },
  { path: '/segments/:id/members', page: SegmentMembersPage, needs: 'segments' },
  { path: '/flows', page: FlowsPage, needs: 'flows' },
  { path: '/flows/new', page: FlowPage, needs: 'writeFlows' },
  { path: '/flows/:id', page: FlowPage, needs: 'flows' },
  { path: '/flows/:id/report', page: FlowReportPage, needs: 'flows' },
  { path: '/outbox', page: OutboxPage, needs: 'email' },
  { path: '/outbox/:id', page: MessagePage, needs: 'email' },
  // Not `/help`: the public help centre of each workspace lives at /help/{slug} on the same server.
  { path: '/help-centre', page: HelpPage, needs: 'helpCentre' },
  { path: '/feedback', page: FeedbackPage, needs: 'feedback' },
  { path: '/loyalty', page: LoyaltyPage, needs: 'loyalty' },
];

function findPage(path: string): { entry: PageEntry; params: PathParams } | null {
  for (const entry of PAGES) {
    const params = matchPath(entry.path, path);
    if (params) return { entry, params };
  }
  return null;
}

/** A page that failed to render (or its code to load) shows an error instead of a blank screen. */
class PageBoundary extends Component<{ children: ReactNode; path: string }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidUpdate(previous: { path: string }) {
    if (previous.path !== this.props.path && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (this.state.error) return <PageError error={this.state.error} />;
    return this.props.children;
  }
}

function PageError({ error }: { readonly error: unknown }) {
  return <ErrorMessage error={error} onRetry={() => window.location.reload()} />;
}

function Pages({ session }: { readonly session: Session }) {
  const { path } = useLocation();
  const found = findPage(path);
  let content: ReactNode;
  if (!found) content = <NotFoundPage />;
  else if (found.entry.needs !== null && !can(session.role, found.entry.needs)) content = <NoAccessPage />;
  else content = <found.entry.page params={found.params} />;
  return (
    <AppShell session={session}>
      <PageBoundary path={path}>
        <Suspense fallback={<Loading />}>{content}</Suspense>
      </PageBoundary>
    </AppShell>
  );
}

export function App() {
  const session = useSession();
  const { path, search } = useLocation();
  const { t } = useI18n();
  const loggedIn = Boolean(session.data);
  useEffect(() => {
    // After logging in on /login, go where the user was headed (or the overview).
    if (loggedIn && path === '/login') navigate(search.get('next') ?? '/', { replace: true });
  }, [loggedIn, path, search]);

  if (session.isPending) return <Loading label={t('status.starting')} />;
  if (session.isError) {
    return (
      <main className="page">
        <ErrorMessage error={session.error} onRetry={() => void session.refetch()} />
      </main>
    );
  }
  if (!session.data) {
    return (
      <Suspense fallback={<Loading />}>
        <LoginPage />
      </Suspense>
    );
  }
  return <Pages session={session.data} />;
}
