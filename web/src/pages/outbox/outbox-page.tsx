/**
 * The outbox (`/outbox`): every e-mail Retain was asked to send, newest first, with its state —
 * and, when no SMTP server is configured, said plainly: these messages were kept here, not sent.
 * Filter by state; pages by cursor; each message opens with its rendered content.
 */
import { type ReactNode, useId, useState } from 'react';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { STATUS_NAMES, STATUSES } from './names';
import { type EmailStatus, useMessages } from './queries';
import '../segments/segments.css';
import './outbox.css';

export function NotSentNotice() {
  const { t } = useI18n();
  return (
    <p className="notice outbox-notice" role="note">
      <strong>{t('outbox.notSent.title')}</strong> {t('outbox.notSent.text')}
    </p>
  );
}

export default function OutboxPage() {
  const { t, locale } = useI18n();
  const id = useId();
  const [status, setStatus] = useState<EmailStatus | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const messages = useMessages(status, cursor);
  const data = messages.data;
  let body: ReactNode;
  if (messages.isError && !data)
    body = <ErrorMessage error={messages.error} onRetry={() => void messages.refetch()} />;
  else if (!data) body = <Loading />;
  else if (data.items.length === 0) {
    body = (
      <div className="empty-state" role="status">
        <p>{status === null ? t('outbox.empty') : t('outbox.emptyFiltered')}</p>
      </div>
    );
  } else {
    body = (
      <ScrollRegion label={t('outbox.table')}>
        <table className="segment-table" aria-busy={messages.isPlaceholderData}>
          <caption className="visually-hidden">{t('outbox.table')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('outbox.column.subject')}</th>
              <th scope="col">{t('outbox.column.to')}</th>
              <th scope="col">{t('outbox.column.status')}</th>
              <th scope="col">{t('outbox.column.kind')}</th>
              <th scope="col">{t('outbox.column.created')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((message) => (
              <tr key={message.id} data-message={message.id} data-status={message.status}>
                <th scope="row">
                  <Link href={`/outbox/${message.id}`}>{message.subject ?? t('outbox.noSubject')}</Link>
                </th>
                <td>{message.to ?? '—'}</td>
                <td>
                  <span className="status-pill" data-status={message.status}>
                    {t(STATUS_NAMES[message.status])}
                  </span>
                  {message.skipReason && <span className="customer-sub">{message.skipReason}</span>}
                </td>
                <td>
                  {t(
                    message.category === 'transactional'
                      ? 'outbox.kind.transactional'
                      : 'outbox.kind.marketing',
                  )}
                </td>
                <td>{formatDateTime(message.createdAt, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }
  return (
    <div className="segments-page outbox-page">
      <div className="page-head">
        <h1 className="page-title">{t('outbox.title')}</h1>
      </div>
      {data?.delivery === 'outbox' && <NotSentNotice />}
      <div className="list-meta">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-status`}>
            {t('outbox.filter.status')}
          </label>
          <select
            id={`${id}-status`}
            className="select"
            value={status ?? ''}
            onChange={(event) => {
              setStatus((event.target.value || null) as EmailStatus | null);
              setCursors([null]);
            }}
          >
            <option value="">{t('outbox.filter.any')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(STATUS_NAMES[value])}
              </option>
            ))}
          </select>
        </div>
      </div>
      {body}
      {data && data.items.length > 0 && (
        <nav className="pager" aria-label={t('outbox.pages')}>
          <button
            type="button"
            className="button button-quiet"
            disabled={cursors.length <= 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            {t('outbox.previous')}
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={messages.isPlaceholderData || data.nextCursor === null}
            onClick={() => setCursors([...cursors, data.nextCursor])}
          >
            {t('outbox.next')}
          </button>
        </nav>
      )}
    </div>
  );
}
