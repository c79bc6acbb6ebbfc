/**
 * Segments: every saved segment of the workspace with its member count and whether its membership
 * is up to date, and the way to a new one (the builder, segment-page.tsx).
 */
import type { ReactNode } from 'react';
import { useWorkspace } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { useRuleWords } from './names';
import { useSegmentFields, useSegments } from './queries';
import { describeRule } from './rule-words';
import './segments.css';

export default function SegmentsPage() {
  const { t, locale } = useI18n();
  const segments = useSegments();
  const fields = useSegmentFields();
  const workspace = useWorkspace();
  const words = useRuleWords();
  const names = new Map((segments.data?.items ?? []).map((segment) => [segment.id, segment.name]));
  const ruleWords = (rule: unknown) =>
    fields.data
      ? describeRule(rule, {
          catalogue: fields.data,
          locale,
          currency: workspace.data?.settings.currency ?? 'USD',
          t,
          field: words.field,
          value: words.value,
          segmentName: (id) => names.get(id) ?? `#${id}`,
        })
      : '';
  let body: ReactNode;
  if (segments.isError)
    body = <ErrorMessage error={segments.error} onRetry={() => void segments.refetch()} />;
  else if (!segments.data) body = <Loading />;
  else if (segments.data.items.length === 0) {
    body = (
      <div className="empty-state" role="status">
        <p>{t('segments.empty')}</p>
        <Link href="/segments/new" className="button">
          {t('segments.new')}
        </Link>
      </div>
    );
  } else {
    body = (
      <ScrollRegion label={t('segments.table')}>
        <table className="segment-table">
          <caption className="visually-hidden">{t('segments.table')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('segments.column.name')}</th>
              <th scope="col">{t('segments.column.rule')}</th>
              <th scope="col" className="numeric">
                {t('segments.column.members')}
              </th>
              <th scope="col">{t('segments.column.status')}</th>
              <th scope="col">{t('segments.column.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {segments.data.items.map((segment) => (
              <tr key={segment.id} data-segment={segment.id}>
                <th scope="row">
                  <Link href={`/segments/${segment.id}`}>{segment.name}</Link>
                </th>
                <td className="rule-words">{ruleWords(segment.rule)}</td>
                <td className="numeric" data-members={segment.memberCount}>
                  <Link href={`/segments/${segment.id}/members`}>
                    {formatCount(segment.memberCount, locale)}
                  </Link>
                </td>
                <td>
                  <span className="status-pill" data-status={segment.status}>
                    {segment.status === 'ready' ? t('segments.status.ready') : t('segments.status.pending')}
                  </span>
                </td>
                <td>{formatDateTime(segment.updatedAt, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }
  return (
    <div className="segments-page">
      <div className="page-head">
        <h1 className="page-title">{t('segments.title')}</h1>
        {segments.data && segments.data.items.length > 0 && (
          <Link href="/segments/new" className="button">
            {t('segments.new')}
          </Link>
        )}
      </div>
      <p className="view-intro">{t('segments.intro')}</p>
      {body}
    </div>
  );
}
