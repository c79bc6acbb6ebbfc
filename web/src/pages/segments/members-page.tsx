/**
 * A segment's members (`/segments/:id/members`): a page of 25 at a time by customer id (keyset
 * cursors: next and previous), each linked to the customer's page, and every member as CSV.
 * E-mail and name show for the roles the API gives them to.
 */
import { type ReactNode, useState } from 'react';
import { ApiError } from '../../api';
import type { PageProps } from '../../app';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { MEMBERS_PAGE_SIZE, useSegment, useSegmentMembers } from './queries';
import { SegmentTabs } from './segment-tabs';
import './segments.css';

export default function MembersPage({ params }: PageProps) {
  const { t, locale } = useI18n();
  const id = params.id!;
  const segment = useSegment(id);
  // The cursors of the pages before the current one (null: the first), for "previous".
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const members = useSegmentMembers(id, cursor);
  const error = segment.error ?? members.error;
  if (error) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div className="segments-page">
          <p className="error-box" role="alert">
            {t('segments.notFound')}
          </p>
          <Link href="/segments">{t('segments.back')}</Link>
        </div>
      );
    }
    return <ErrorMessage error={error} onRetry={() => void members.refetch()} />;
  }
  if (!segment.data || !members.data) return <Loading />;
  const page = members.data;
  const first = (cursors.length - 1) * MEMBERS_PAGE_SIZE;
  const personal = page.items.some((member) => member.email !== undefined);
  const current = !members.isPlaceholderData;
  let body: ReactNode;
  if (page.items.length === 0) {
    body = (
      <div className="empty-state" role="status">
        <p>{t('segments.members.none')}</p>
      </div>
    );
  } else {
    body = (
      <ScrollRegion label={t('segments.members.table')}>
        <table className="segment-table" aria-busy={!current}>
          <caption className="visually-hidden">{t('segments.members.table')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('segments.members.customer')}</th>
              {personal && <th scope="col">{t('segments.members.email')}</th>}
              <th scope="col">{t('segments.members.country')}</th>
              <th scope="col">{t('segments.members.entered')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((member) => (
              <tr key={member.customerId} data-customer={member.customerId}>
                <th scope="row">
                  <Link href={`/customers/${member.customerId}`}>
                    {member.name ?? member.externalId ?? `#${member.customerId}`}
                  </Link>
                  {member.name && member.externalId && (
                    <span className="customer-sub">{member.externalId}</span>
                  )}
                </th>
                {personal && <td>{member.email ?? '—'}</td>}
                <td>{member.country ?? '—'}</td>
                <td>{formatDateTime(member.enteredAt, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }
  return (
    <div className="segments-page">
      <Link href="/segments" className="back-link">
        {t('segments.back')}
      </Link>
      <div className="page-head">
        <h1 className="page-title">{segment.data.name}</h1>
      </div>
      <SegmentTabs id={id} current="members" />
      <div className="list-meta">
        <p className="list-range" aria-live="polite" data-total={page.total}>
          {page.items.length > 0
            ? t('segments.members.range', {
                from: formatCount(first + 1, locale),
                to: formatCount(first + page.items.length, locale),
                total: formatCount(page.total, locale),
              })
            : null}
        </p>
        {page.total > 0 && (
          <a
            className="button button-quiet export-link"
            href={`/api/v1/segments/${encodeURIComponent(id)}/members.csv`}
            download
          >
            {t('segments.members.export')}
          </a>
        )}
      </div>
      {body}
      {page.items.length > 0 && (
        <nav className="pager" aria-label={t('segments.members.pages')}>
          <button
            type="button"
            className="button button-quiet"
            disabled={cursors.length <= 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            {t('segments.members.previous')}
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={!current || page.nextCursor === null}
            onClick={() => setCursors([...cursors, page.nextCursor])}
          >
            {t('segments.members.next')}
          </button>
        </nav>
      )}
    </div>
  );
}
