/**
 * Flows: every automated flow of the workspace with its status, what starts it and its holdout,
 * and the way to a new one (flow-page.tsx).
 */
import type { ReactNode } from 'react';
import { useSession } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { Link } from '../../router';
import { STATUS_NAMES, TRIGGER_NAMES } from './flow-graph';
import type { TriggerType } from './flow-model';
import { useFlows } from './queries';
import './flows.css';

export default function FlowsPage() {
  const { t, locale } = useI18n();
  const flows = useFlows();
  const session = useSession();
  const mayWrite = session.data ? can(session.data.role, 'writeFlows') : false;
  let body: ReactNode;
  if (flows.isError) body = <ErrorMessage error={flows.error} onRetry={() => void flows.refetch()} />;
  else if (!flows.data) body = <Loading />;
  else if (flows.data.items.length === 0) {
    body = (
      <div className="empty-state" role="status">
        <p>{t('flows.empty')}</p>
        {mayWrite && (
          <Link href="/flows/new" className="button">
            {t('flows.new')}
          </Link>
        )}
      </div>
    );
  } else {
    body = (
      <ScrollRegion label={t('flows.table')}>
        <table className="segment-table">
          <caption className="visually-hidden">{t('flows.table')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('flows.column.name')}</th>
              <th scope="col">{t('flows.column.status')}</th>
              <th scope="col">{t('flows.column.trigger')}</th>
              <th scope="col" className="numeric">
                {t('flows.column.holdout')}
              </th>
              <th scope="col">{t('flows.column.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {flows.data.items.map((flow) => {
              const type = String(flow.trigger.type) as TriggerType;
              return (
                <tr key={flow.id} data-flow={flow.id}>
                  <th scope="row">
                    <Link href={`/flows/${flow.id}`}>{flow.name}</Link>
                  </th>
                  <td>
                    <span className="status-pill" data-status={flow.status}>
                      {t(STATUS_NAMES[flow.status])}
                    </span>
                  </td>
                  <td>{TRIGGER_NAMES[type] ? t(TRIGGER_NAMES[type]) : type}</td>
                  <td className="numeric">{flow.holdoutPercent} %</td>
                  <td>{formatDateTime(flow.updatedAt, locale)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }
  return (
    <div className="flows-page">
      <div className="page-head">
        <h1 className="page-title">{t('flows.title')}</h1>
        {mayWrite && flows.data && flows.data.items.length > 0 && (
          <Link href="/flows/new" className="button">
            {t('flows.new')}
          </Link>
        )}
      </div>
      <p className="view-intro">{t('flows.intro')}</p>
      {body}
    </div>
  );
}
