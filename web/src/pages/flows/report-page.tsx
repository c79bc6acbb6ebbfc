/**
 * A flow's report (`/flows/:id/report`): who entered and who was held out, what the e-mails did,
 * who converted, and the uplift over the holdout — retention in percentage points and revenue per
 * customer, each with its 95 % interval — or, below the minimum per arm, "not enough data" said
 * as such (never a number that means nothing).
 */
import type { ReactNode } from 'react';
import { ApiError, useWorkspace } from '../../api';
import type { PageProps } from '../../app';
import { ErrorMessage, Loading } from '../../components/status';
import {
  formatCount,
  formatDateTime,
  formatMoney,
  formatPercent,
  formatSignedDecimal,
} from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { STATUS_NAMES } from './flow-graph';
import type { FlowReport } from './flow-model';
import { FlowTabs } from './flow-tabs';
import { useFlow, useFlowReport } from './queries';
import './flows.css';

type Estimate = FlowReport['uplift']['retention'];

function Figure({
  label,
  value,
  field,
  note,
}: {
  readonly label: string;
  readonly value: number;
  readonly field: string;
  readonly note?: ReactNode;
}) {
  const { locale } = useI18n();
  return (
    <div className="report-figure" data-field={field} data-value={value}>
      <dt>{label}</dt>
      <dd>
        {formatCount(value, locale)}
        {note && <span className="report-note">{note}</span>}
      </dd>
    </div>
  );
}

function UpliftCard({
  title,
  estimate,
  measured,
  minimum,
  format,
  formatDifference,
  field,
}: {
  readonly title: string;
  readonly estimate: Estimate;
  readonly measured: FlowReport['uplift']['measured'];
  readonly minimum: number;
  readonly format: (value: number) => string;
  readonly formatDifference: (value: number) => string;
  readonly field: string;
}) {
  const { t, locale } = useI18n();
  const enough = estimate.reason === null && estimate.difference !== null;
  return (
    <section
      className="report-uplift"
      data-field={field}
      data-enough={enough ? 'true' : 'false'}
      aria-label={title}
    >
      <h3>{title}</h3>
      {enough ? (
        <>
          <p className="report-uplift-value" data-value={estimate.difference ?? ''}>
            {formatDifference(estimate.difference!)}
          </p>
          <p className="report-interval" data-low={estimate.low ?? ''} data-high={estimate.high ?? ''}>
            {t('flows.report.interval', {
              low: estimate.low === null ? '—' : formatDifference(estimate.low),
              high: estimate.high === null ? '—' : formatDifference(estimate.high),
            })}
          </p>
          <p className="report-arms">
            {t('flows.report.arms', {
              treatment: estimate.treatment === null ? '—' : format(estimate.treatment),
              holdout: estimate.holdout === null ? '—' : format(estimate.holdout),
            })}
          </p>
        </>
      ) : (
        <>
          <p className="report-uplift-value report-not-enough">{t('flows.report.notEnough')}</p>
          <p className="report-arms">
            {t('flows.report.notEnoughWhy', {
              treatment: formatCount(measured.treatment, locale),
              holdout: formatCount(measured.holdout, locale),
              minimum: formatCount(minimum, locale),
            })}
          </p>
        </>
      )}
    </section>
  );
}

export default function ReportPage({ params }: PageProps) {
  const { t, locale } = useI18n();
  const id = params.id!;
  const flow = useFlow(id);
  const report = useFlowReport(id);
  const workspace = useWorkspace();
  const currency = workspace.data?.settings.currency ?? 'USD';
  const error = flow.error ?? report.error;
  if (error) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div className="flows-page">
          <p className="error-box" role="alert">
            {t('flows.notFound')}
          </p>
          <Link href="/flows">{t('flows.back')}</Link>
        </div>
      );
    }
    return <ErrorMessage error={error} onRetry={() => void report.refetch()} />;
  }
  if (!flow.data || !report.data) return <Loading />;
  const data = report.data;
  const share = (part: number) =>
    data.entered === 0 ? '' : formatPercent((part / data.entered) * 100, locale);
  const ofSent = (part: number) => (data.sent === 0 ? '' : formatPercent((part / data.sent) * 100, locale));
  const count = (key: MessageKey, field: keyof FlowReport & string, note?: string) => (
    <Figure label={t(key)} value={data[field] as number} field={field} note={note || undefined} />
  );
  return (
    <div className="flows-page">
      <Link href="/flows" className="back-link">
        {t('flows.back')}
      </Link>
      <div className="page-head">
        <h1 className="page-title">{flow.data.name}</h1>
        <p className="freshness">
          <span className="status-pill" data-status={flow.data.status}>
            {t(STATUS_NAMES[flow.data.status])}
          </span>{' '}
          {t('flows.report.asOf', { at: formatDateTime(data.asOf, locale) })}
        </p>
      </div>
      <FlowTabs id={id} current="report" />
      <section className="report-section" aria-labelledby="report-people">
        <h2 id="report-people" className="section-title">
          {t('flows.report.people')}
        </h2>
        <dl className="report-figures">
          {count('flows.report.entered', 'entered')}
          {count('flows.report.holdout', 'holdout', share(data.holdout))}
          {count('flows.report.treatment', 'treatment')}
          {count('flows.report.active', 'active')}
          {count('flows.report.completed', 'completed')}
          {count('flows.report.exited', 'exited')}
        </dl>
      </section>
      <section className="report-section" aria-labelledby="report-email">
        <h2 id="report-email" className="section-title">
          {t('flows.report.email')}
        </h2>
        <dl className="report-figures">
          {count('flows.report.sent', 'sent')}
          {count('flows.report.delivered', 'delivered', ofSent(data.delivered))}
          {count('flows.report.bounced', 'bounced', ofSent(data.bounced))}
          {count('flows.report.opened', 'opened', ofSent(data.opened))}
          {count('flows.report.clicked', 'clicked', ofSent(data.clicked))}
          {count('flows.report.unsubscribed', 'unsubscribed', ofSent(data.unsubscribed))}
          {count('flows.report.skipped', 'skipped')}
        </dl>
      </section>
      <section className="report-section" aria-labelledby="report-uplift">
        <h2 id="report-uplift" className="section-title">
          {t('flows.report.uplift')}
        </h2>
        <p className="view-intro">
          {t('flows.report.upliftIntro', { days: formatCount(data.horizonDays, locale) })}
        </p>
        <dl className="report-figures">
          {count('flows.report.converted', 'converted')}
          <Figure
            label={t('flows.report.convertedTreatment')}
            value={data.convertedByArm.treatment}
            field="convertedTreatment"
          />
          <Figure
            label={t('flows.report.convertedHoldout')}
            value={data.convertedByArm.holdout}
            field="convertedHoldout"
          />
        </dl>
        <div className="report-uplifts">
          <UpliftCard
            title={t('flows.report.retention')}
            estimate={data.uplift.retention}
            measured={data.uplift.measured}
            minimum={data.uplift.minimumPerArm}
            field="retention"
            format={(value) => formatPercent(value * 100, locale)}
            formatDifference={(value) =>
              t('flows.report.points', { value: formatSignedDecimal(value * 100, locale) })
            }
          />
          <UpliftCard
            title={t('flows.report.revenue')}
            estimate={data.uplift.revenuePerCustomerCents}
            measured={data.uplift.measured}
            minimum={data.uplift.minimumPerArm}
            field="revenue"
            format={(value) => formatMoney(value / 100, currency, locale)}
            formatDifference={(value) =>
              `${value > 0 ? '+' : ''}${formatMoney(value / 100, currency, locale)}`
            }
          />
        </div>
      </section>
    </div>
  );
}
