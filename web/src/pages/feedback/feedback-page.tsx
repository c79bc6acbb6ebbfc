/**
 * Feedback: the CSAT and NPS report of one survey or all of them (KPI cards over the last 90
 * days, the series by week or month), the latest answers with a search in their comments,
 * creating a CSAT or NPS survey or building a custom form (create-survey.tsx), and sending a survey to a segment (two choices
 * and a click; marketers, owners and admins).
 */

import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ApiError, useSession } from '../../api';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { KpiCard } from '../../components/kpi-card';
import { LineChart } from '../../components/line-chart';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import {
  formatCount,
  formatDateTime,
  formatPercent,
  formatShortPeriodLabel,
  formatSignedDecimal,
} from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { useSegments } from '../segments/queries';
import { CreateSurvey } from './create-survey';
import { type Survey, useAnswers, useFeedbackReport, useSendToSegment, useSurveys } from './queries';
import './feedback.css';

function SendToSegment({ surveys }: { readonly surveys: readonly Survey[] }) {
  const { t, locale } = useI18n();
  const segments = useSegments();
  const send = useSendToSegment();
  const [surveyId, setSurveyId] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [started, setStarted] = useState<string | null>(null);
  const surveyFieldId = useId();
  const segmentFieldId = useId();
  if (surveys.length === 0) return null;
  const list = segments.data?.items ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setStarted(null);
    const survey = surveys.find((item) => item.id === surveyId);
    const segment = list.find((item) => item.id === segmentId);
    if (!survey || !segment) return;
    send.mutate(
      { surveyId, segmentId },
      {
        onSuccess: () =>
          setStarted(
            t('feedback.send.started', {
              survey: survey.name,
              segment: segment.name,
              count: formatCount(segment.memberCount, locale),
            }),
          ),
      },
    );
  };
  return (
    <section aria-labelledby="send-survey-title">
      <h2 id="send-survey-title">{t('feedback.send')}</h2>
      <p className="view-intro">{t('feedback.send.intro')}</p>
      {segments.isError ? (
        <ErrorMessage error={segments.error} onRetry={() => void segments.refetch()} />
      ) : !segments.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="notice">{t('feedback.send.noSegments')}</p>
      ) : (
        <form className="create-survey" onSubmit={submit}>
          <div className="field">
            <label className="field-label" htmlFor={surveyFieldId}>
              {t('feedback.send.survey')}
            </label>
            <select
              id={surveyFieldId}
              className="select"
              required
              value={surveyId}
              onChange={(event) => setSurveyId(event.target.value)}
            >
              <option value="">{t('feedback.send.choose')}</option>
              {surveys.map((survey) => (
                <option key={survey.id} value={survey.id}>
                  {survey.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={segmentFieldId}>
              {t('feedback.send.segment')}
            </label>
            <select
              id={segmentFieldId}
              className="select"
              required
              value={segmentId}
              onChange={(event) => setSegmentId(event.target.value)}
            >
              <option value="">{t('feedback.send.choose')}</option>
              {list.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name} ({formatCount(segment.memberCount, locale)})
                </option>
              ))}
            </select>
          </div>
          <button
            type="submit"
            className="button"
            disabled={send.isPending || surveyId === '' || segmentId === ''}
          >
            {t('feedback.send.submit')}
          </button>
        </form>
      )}
      <div aria-live="polite">{started !== null && <p className="notice">{started}</p>}</div>
      {send.error && (
        <p className="error-box" role="alert">
          {t('feedback.send.failed', {
            message: send.error instanceof ApiError ? send.error.message : String(send.error),
          })}
        </p>
      )}
    </section>
  );
}

export default function FeedbackPage() {
  const { t, locale } = useI18n();
  const session = useSession();
  const maySend = session.data ? can(session.data.role, 'sendSurveys') : false;
  const surveys = useSurveys();
  const [surveyId, setSurveyId] = useState<string | null>(null);
  const [reportSegmentId, setReportSegmentId] = useState<string | null>(null);
  const [interval, setInterval] = useState<'week' | 'month'>('week');
  const [search, setSearch] = useState('');
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const segments = useSegments();
  const report = useFeedbackReport(surveyId, reportSegmentId, interval);
  const answers = useAnswers(surveyId, search.trim(), cursor);
  const surveyFieldId = useId();
  const intervalId = useId();
  const reportSegmentFieldId = useId();
  const searchId = useId();

  if (surveys.isError) return <ErrorMessage error={surveys.error} onRetry={() => void surveys.refetch()} />;
  if (!surveys.data) return <Loading />;

  const percent = (value: number | null) =>
    value === null ? t('feedback.none') : formatPercent(value, locale);
  const nps = (value: number | null) =>
    value === null ? t('feedback.none') : formatSignedDecimal(Math.round(value * 10) / 10, locale);
  const data = report.data;
  let figures: ReactNode = <Loading />;
  if (report.isError) figures = <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />;
  else if (data) {
    // Only the measures some answer gave: no answers yet, no chart of empty axes.
    const chartSeries = [
      ...(data.csat !== null || data.series.some((point) => point.csat !== null)
        ? [{ name: t('feedback.csat'), values: data.series.map((point) => point.csat) }]
        : []),
      ...(data.nps !== null || data.series.some((point) => point.nps !== null)
        ? [{ name: t('feedback.nps'), values: data.series.map((point) => point.nps) }]
        : []),
    ];
    figures = (
      <>
        <ul className="kpi-grid" aria-label={t('feedback.kpis')}>
          <KpiCard
            field="csat"
            value={data.csat}
            label={t('feedback.csat')}
            formatted={percent(data.csat)}
            change={null}
            noChange={data.csat === null && data.nps !== null ? t('feedback.notApplicable') : ''}
            explanation={t('feedback.csat.explanation')}
          />
          <KpiCard
            field="nps"
            value={data.nps}
            label={t('feedback.nps')}
            formatted={nps(data.nps)}
            change={null}
            noChange={data.nps === null && data.csat !== null ? t('feedback.notApplicable') : ''}
            explanation={t('feedback.nps.explanation')}
          />
          <KpiCard
            field="responses"
            value={data.responses}
            label={t('feedback.responses')}
            formatted={formatCount(data.responses, locale)}
            change={null}
            noChange={t('feedback.sentOf', { sent: formatCount(data.sent, locale) })}
            explanation={t('feedback.responses.explanation')}
          />
          <KpiCard
            field="responseRate"
            value={data.responseRate}
            label={t('feedback.responseRate')}
            formatted={
              data.responseRate === null ? t('feedback.none') : formatPercent(data.responseRate * 100, locale)
            }
            change={null}
            noChange=""
            explanation={t('feedback.responseRate.explanation')}
          />
        </ul>
        {chartSeries.length === 0 ? (
          <p className="muted" data-chart-empty="true">
            {t('feedback.chart.empty')}
          </p>
        ) : (
          <LineChart
            label={t('feedback.chart')}
            categoryHeading={t('feedback.period')}
            categories={data.series.map((point) => formatShortPeriodLabel(point.period, locale, t))}
            series={chartSeries}
            format={(value) => formatCount(Math.round(value * 10) / 10, locale)}
          />
        )}
      </>
    );
  }

  const page = answers.data;
  return (
    <div className="feedback-page">
      <div className="page-head">
        <h1 className="page-title">{t('feedback.title')}</h1>
      </div>
      <p className="view-intro">{t('feedback.intro')}</p>
      {surveys.data.items.length === 0 && <p className="notice">{t('feedback.empty')}</p>}
      <div className="filters">
        <div className="field">
          <label className="field-label" htmlFor={surveyFieldId}>
            {t('feedback.survey')}
          </label>
          <select
            id={surveyFieldId}
            className="select"
            value={surveyId ?? ''}
            onChange={(event) => {
              setSurveyId(event.target.value === '' ? null : event.target.value);
              pages.first();
            }}
          >
            <option value="">{t('feedback.allSurveys')}</option>
            {surveys.data.items.map((survey) => (
              <option key={survey.id} value={survey.id}>
                {survey.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={reportSegmentFieldId}>
            {t('feedback.reportSegment')}
          </label>
          <select
            id={reportSegmentFieldId}
            className="select"
            aria-describedby={`${reportSegmentFieldId}-hint`}
            value={reportSegmentId ?? ''}
            onChange={(event) => setReportSegmentId(event.target.value === '' ? null : event.target.value)}
          >
            <option value="">{t('feedback.allCustomers')}</option>
            {(segments.data?.items ?? []).map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
          <p id={`${reportSegmentFieldId}-hint`} className="field-help">
            {t('feedback.reportSegment.hint')}
          </p>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={intervalId}>
            {t('feedback.interval')}
          </label>
          <select
            id={intervalId}
            className="select"
            value={interval}
            onChange={(event) => setInterval(event.target.value as 'week' | 'month')}
          >
            <option value="week">{t('feedback.interval.week')}</option>
            <option value="month">{t('feedback.interval.month')}</option>
          </select>
        </div>
      </div>
      {figures}
      <section aria-labelledby="answers-title">
        <h2 id="answers-title">{t('feedback.answers')}</h2>
        <div className="field">
          <label className="field-label" htmlFor={searchId}>
            {t('feedback.search')}
          </label>
          <input
            id={searchId}
            className="input"
            type="search"
            maxLength={200}
            placeholder={t('feedback.search.placeholder')}
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              pages.first();
            }}
          />
        </div>
        {answers.isError ? (
          <ErrorMessage error={answers.error} onRetry={() => void answers.refetch()} />
        ) : !page ? (
          <Loading />
        ) : page.items.length === 0 ? (
          <p role="status">{t('feedback.noAnswers')}</p>
        ) : (
          <>
            <ScrollRegion label={t('feedback.answers')}>
              <table className="answers-table">
                <caption className="visually-hidden">{t('feedback.answers')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('feedback.column.when')}</th>
                    <th scope="col">{t('feedback.column.survey')}</th>
                    <th scope="col">{t('feedback.column.customer')}</th>
                    <th scope="col" className="numeric">
                      {t('feedback.column.rating')}
                    </th>
                    <th scope="col">{t('feedback.column.comment')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((answer) => (
                    <tr key={answer.id} data-answer={answer.id}>
                      <td>
                        <span className="cell-label">{t('feedback.column.when')}</span>
                        <span className="cell-value">{formatDateTime(answer.updatedAt, locale)}</span>
                      </td>
                      <td>
                        <span className="cell-label">{t('feedback.column.survey')}</span>
                        <span className="cell-value">{answer.surveyName}</span>
                      </td>
                      <td>
                        <span className="cell-label">{t('feedback.column.customer')}</span>
                        <span className="cell-value">
                          {answer.customerName ?? answer.customerEmail ?? `#${answer.customerId}`}
                        </span>
                      </td>
                      <td className="numeric">
                        <span className="cell-label">{t('feedback.column.rating')}</span>
                        <span className="cell-value">
                          {answer.rating === null ? t('feedback.none') : formatCount(answer.rating, locale)}
                        </span>
                      </td>
                      <td className="comment" data-empty={answer.comment === null ? '' : undefined}>
                        <span className="cell-label">{t('feedback.column.comment')}</span>
                        <span className="cell-value">{answer.comment ?? ''}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
            <CursorPager
              pages={pages}
              nextCursor={page.nextCursor}
              firstLabel={t('feedback.first')}
              moreLabel={t('feedback.more')}
            />
          </>
        )}
      </section>
      {maySend && <SendToSegment surveys={surveys.data.items} />}
      {maySend && <CreateSurvey />}
    </div>
  );
}
