/**
 * Customer 360 (`/customers/:id`): the customer's sections (sections.tsx — value and predictions
 * with their reasons, profile, RFM, the order timeline with refunds, notes, events), each shown to
 * the roles that may see it, from one request (`GET /api/v1/customers/{id}/overview`).
 */

import { ApiError, useSession, useWorkspace } from '../../api';
import type { PageProps } from '../../app';
import { ErrorMessage } from '../../components/status';
import { formatDate, formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { Link } from '../../router';
import { customerLabel } from './format';
import { useCustomerOverview } from './queries';
import { CUSTOMER_SECTIONS } from './sections';
import './customers.css';

export default function CustomerPage({ params }: PageProps) {
  const { t, locale } = useI18n();
  const id = params.id ?? '';
  const overview = useCustomerOverview(id);
  const workspace = useWorkspace();
  const session = useSession();
  const timeZone = workspace.data?.settings.timeZone ?? 'UTC';
  const back = (
    <Link href="/customers" className="back-link">
      {t('customers.back')}
    </Link>
  );
  if (overview.isError) {
    const missing = overview.error instanceof ApiError && overview.error.status === 404;
    return (
      <div className="customer-page">
        {back}
        {missing ? (
          <div className="empty-state" role="alert">
            <h1 className="page-title">{t('customers.notFound')}</h1>
          </div>
        ) : (
          <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />
        )}
      </div>
    );
  }
  if (!overview.data) {
    return (
      <div className="customer-page">
        {back}
        <p className="centered" role="status">
          {t('status.loading')}
        </p>
      </div>
    );
  }
  const data = overview.data;
  const { customer } = data;
  const role = session.data?.role;
  const sections = CUSTOMER_SECTIONS.filter(
    (section) => section.needs === null || (role !== undefined && can(role, section.needs)),
  );
  const subtitle = [customer.email, customer.externalId].filter(
    (part): part is string => part !== null && part !== customerLabel(customer),
  );
  return (
    <div className="customer-page">
      {back}
      <div className="page-head">
        <div>
          <h1 className="page-title">{customerLabel(customer)}</h1>
          {subtitle.length > 0 && <p className="customer-subtitle">{subtitle.join(' · ')}</p>}
        </div>
        <p className="freshness">
          {data.scores
            ? t('customers.freshness', {
                asOf: data.scores.asOf ? formatDate(data.scores.asOf, locale) : '—',
                computedAt: formatDateTime(data.scores.computedAt, locale),
              })
            : t('customers.freshness.none')}
        </p>
      </div>
      <nav className="section-links" aria-label={t('customers.sections')}>
        <ul>
          {sections.map((section) => (
            <li key={section.id}>
              <a href={`#section-${section.id}`}>{t(section.title)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sections">
        {sections.map((section) => (
          <section
            key={section.id}
            id={`section-${section.id}`}
            className="customer-section"
            aria-labelledby={`section-${section.id}-title`}
          >
            <h2 id={`section-${section.id}-title`}>{t(section.title)}</h2>
            <section.component customerId={id} overview={data} timeZone={timeZone} />
          </section>
        ))}
      </div>
    </div>
  );
}
