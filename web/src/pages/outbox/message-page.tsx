/**
 * One e-mail (`/outbox/:id`): who it went (or would go) to, its state — "not sent, no SMTP
 * server configured" for the outbox —, and its rendered content in a sandboxed frame (no script,
 * no same-origin access, so a message's HTML cannot act on the dashboard), with the plain text.
 */

import { ApiError } from '../../api';
import type { PageProps } from '../../app';
import { EmailFrame } from '../../components/email-frame';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { STATUS_NAMES } from './names';
import { NotSentNotice } from './outbox-page';
import { useMessage } from './queries';
import '../segments/segments.css';
import './outbox.css';

export function RenderedFrame({ html, title }: { readonly html: string; readonly title: string }) {
  return (
    <iframe className="email-frame" title={title} sandbox="" srcDoc={html} referrerPolicy="no-referrer" />
  );
}

export default function MessagePage({ params }: PageProps) {
  const { t, locale } = useI18n();
  const message = useMessage(params.id!);
  if (message.isError) {
    if (message.error instanceof ApiError && message.error.status === 404) {
      return (
        <div className="segments-page">
          <p className="error-box" role="alert">
            {t('outbox.notFound')}
          </p>
          <Link href="/outbox">{t('outbox.back')}</Link>
        </div>
      );
    }
    return <ErrorMessage error={message.error} onRetry={() => void message.refetch()} />;
  }
  if (!message.data) return <Loading />;
  const data = message.data;
  const when = (iso: string | null) => (iso === null ? '—' : formatDateTime(iso, locale));
  return (
    <div className="segments-page outbox-page">
      <Link href="/outbox" className="back-link">
        {t('outbox.back')}
      </Link>
      <div className="page-head">
        <h1 className="page-title">{data.subject ?? t('outbox.noSubject')}</h1>
        <span className="status-pill" data-status={data.status}>
          {t(STATUS_NAMES[data.status])}
        </span>
      </div>
      {data.notSent && <NotSentNotice />}
      <dl className="message-facts">
        <dt>{t('outbox.column.to')}</dt>
        <dd>{data.to ?? '—'}</dd>
        <dt>{t('outbox.from')}</dt>
        <dd>{data.from ?? '—'}</dd>
        <dt>{t('outbox.column.kind')}</dt>
        <dd>
          {t(data.category === 'transactional' ? 'outbox.kind.transactional' : 'outbox.kind.marketing')}
        </dd>
        <dt>{t('outbox.column.created')}</dt>
        <dd>{when(data.createdAt)}</dd>
        <dt>{t('outbox.sentAt')}</dt>
        <dd>{when(data.sentAt)}</dd>
        <dt>{t('outbox.openedAt')}</dt>
        <dd>{when(data.openedAt)}</dd>
        <dt>{t('outbox.clickedAt')}</dt>
        <dd>{when(data.clickedAt)}</dd>
        <dt>{t('outbox.customer')}</dt>
        <dd>
          <Link href={`/customers/${data.customerId}`}>#{data.customerId}</Link>
        </dd>
        {data.skipReason && (
          <>
            <dt>{t('outbox.skipReason')}</dt>
            <dd>{data.skipReason}</dd>
          </>
        )}
        {data.lastError && (
          <>
            <dt>{t('outbox.lastError')}</dt>
            <dd>{data.lastError}</dd>
          </>
        )}
      </dl>
      <h2 className="section-title">{t('outbox.content')}</h2>
      {data.html === null ? (
        <p className="muted">{t('outbox.noContent')}</p>
      ) : (
        <EmailFrame
          html={data.html}
          title={t('outbox.frameTitle', { subject: data.subject ?? '' })}
          imagesNote={t('outbox.images')}
        />
      )}
      {data.text !== null && (
        <details className="message-text">
          <summary>{t('outbox.text')}</summary>
          <pre>{data.text}</pre>
        </details>
      )}
    </div>
  );
}
