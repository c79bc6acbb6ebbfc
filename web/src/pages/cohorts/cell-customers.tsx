/**
 * The customers of the heatmap cell the user clicked: as many as the cell counts, a page at a time
 * (`Show more`), each a link to their page. The list carries `data-count` (the API's count of the
 * cell) and one `data-customer-id` row per customer listed, so a test can compare them.
 */
import { useEffect, useId, useRef } from 'react';
import { ErrorMessage } from '../../components/status';
import { formatCount } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { ageName, cohortName } from './cohort-labels';
import type { CohortPeriod } from './cohort-options';
import { type CohortCell, type CohortsQuery, useCellCustomers } from './queries';

export interface CellCustomersProps {
  readonly query: CohortsQuery;
  readonly cell: CohortCell;
  readonly period: CohortPeriod;
  readonly onClose: () => void;
}

export function CellCustomers({ query, cell, period, onClose }: CellCustomersProps) {
  const { t, locale } = useI18n();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const pages = useCellCustomers(query, cell);
  const first = pages.data?.pages[0];
  const customers = pages.data?.pages.flatMap((page) => page.customers) ?? [];

  // A new cell: bring its list into view and move the focus there (keyboard and screen readers).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the chosen cell changes.
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView?.({ block: 'nearest' });
  }, [cell.cohort, cell.age, cell.value]);

  const title = t('cohorts.customers.title', {
    cohort: cohortName(cell.cohort, period, locale, t),
    age: ageName(cell.age, period, t),
  });
  return (
    <section className="cell-customers" aria-labelledby={headingId} data-count={first?.count ?? ''}>
      <div className="cell-customers-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          {t('cohorts.customers.close')}
        </button>
      </div>
      {first && (
        <p className="chart-caption">
          {t('cohorts.customers.count', {
            count: formatCount(first.count, locale),
            shown: formatCount(customers.length, locale),
          })}
        </p>
      )}
      {pages.isError && <ErrorMessage error={pages.error} onRetry={() => void pages.refetch()} />}
      {pages.isPending && <p role="status">{t('status.loading')}</p>}
      {customers.length > 0 && (
        <div className="data-table-scroll cell-customers-scroll">
          <table className="customer-list">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cohorts.customers.customer')}</th>
                <th scope="col">{t('cohorts.customers.email')}</th>
                <th scope="col">{t('cohorts.customers.externalId')}</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((customer) => (
                <tr key={customer.customerId} data-customer-id={customer.customerId}>
                  <td>
                    <Link href={`/customers/${customer.customerId}`}>
                      {customer.name ?? customer.email ?? customer.externalId ?? `#${customer.customerId}`}
                    </Link>
                  </td>
                  <td>{customer.email ?? '—'}</td>
                  <td>{customer.externalId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {first && first.count === 0 && <p>{t('cohorts.customers.none')}</p>}
      {pages.hasNextPage && (
        <button
          type="button"
          className="button"
          onClick={() => void pages.fetchNextPage()}
          disabled={pages.isFetchingNextPage}
        >
          {pages.isFetchingNextPage ? t('status.loading') : t('cohorts.customers.more')}
        </button>
      )}
    </section>
  );
}
