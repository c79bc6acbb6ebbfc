/**
 * The customer's points on Customer 360: balance (and its worth), pending points, tier, the ledger
 * history page by page, and — for marketers, agents, owners and admins — a manual adjustment with
 * its reason (`POST /api/v1/loyalty/customers/{id}/adjust`, one idempotency key per submission).
 */

import { type FormEvent, useId, useState } from 'react';
import { ApiError, useSession } from '../../api';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatMoney } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { formatInstant } from '../customers/format';
import type { SectionProps } from '../customers/sections';
import { type LedgerEntry, useAdjustPoints, useCustomerHistory, useCustomerPoints } from './queries';
import './loyalty.css';

const KIND_NAMES: Readonly<Record<LedgerEntry['kind'], MessageKey>> = {
  earn: 'loyalty.kind.earn',
  redeem: 'loyalty.kind.redeem',
  expire: 'loyalty.kind.expire',
  adjust: 'loyalty.kind.adjust',
  reverse: 'loyalty.kind.reverse',
};

/** Points with their sign: `+250`, `−120` (Intl's minus sign). */
function formatSignedPoints(points: number, locale: string): string {
  return new Intl.NumberFormat(locale, { signDisplay: 'exceptZero', maximumFractionDigits: 0 }).format(
    points,
  );
}

/** A fresh idempotency key for one submission of the form (a retry of it reuses the key). */
function newKey(): string {
  return `dashboard-${crypto.randomUUID()}`;
}

function AdjustForm({ customerId }: { readonly customerId: string }) {
  const { t } = useI18n();
  const adjust = useAdjustPoints(customerId);
  const [points, setPoints] = useState<number>(Number.NaN);
  const [reason, setReason] = useState('');
  const [key, setKey] = useState(newKey);
  const [done, setDone] = useState<number | null>(null);
  const pointsId = useId();
  const reasonId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    adjust.mutate(
      { points, reason: reason.trim(), idempotencyKey: key },
      {
        onSuccess: () => {
          setDone(points);
          setPoints(Number.NaN);
          setReason('');
          setKey(newKey());
        },
      },
    );
  };
  const valid = Number.isInteger(points) && points !== 0 && reason.trim() !== '';
  const failure = adjust.error;
  return (
    <form className="adjust-form" onSubmit={submit} aria-labelledby={`${pointsId}-title`}>
      <h3 className="subhead" id={`${pointsId}-title`}>
        {t('loyalty.customer.adjust')}
      </h3>
      <div className="field">
        <label className="field-label" htmlFor={pointsId}>
          {t('loyalty.customer.adjust.points')}
        </label>
        <input
          id={pointsId}
          className="input"
          type="number"
          step={1}
          required
          value={Number.isNaN(points) ? '' : points}
          onChange={(event) => {
            setPoints(event.target.valueAsNumber);
            setKey(newKey());
          }}
          aria-describedby={`${pointsId}-help`}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={reasonId}>
          {t('loyalty.customer.adjust.reason')}
        </label>
        <input
          id={reasonId}
          className="input"
          required
          maxLength={500}
          value={reason}
          onChange={(event) => {
            setReason(event.target.value);
            setKey(newKey());
          }}
        />
      </div>
      <button type="submit" className="button" disabled={!valid || adjust.isPending}>
        {t('loyalty.customer.adjust.submit')}
      </button>
      <p className="field-help" id={`${pointsId}-help`}>
        {t('loyalty.customer.adjust.help')}
      </p>
      <div role="status">
        {done !== null && <p className="notice">{t('loyalty.customer.adjust.done')}</p>}
      </div>
      {failure && (
        <p className="error-box" role="alert">
          {failure instanceof ApiError && failure.status === 409
            ? t('loyalty.customer.adjust.notCovered')
            : failure instanceof ApiError
              ? failure.message
              : t('error.unexpected')}
        </p>
      )}
    </form>
  );
}

function History({ customerId, timeZone }: { readonly customerId: string; readonly timeZone: string }) {
  const { t, locale } = useI18n();
  const pages = useCursorPages();
  const history = useCustomerHistory(customerId, pages.cursor);
  if (history.isError) return <ErrorMessage error={history.error} onRetry={() => void history.refetch()} />;
  if (!history.data) return <Loading />;
  const page = history.data;
  if (page.items.length === 0) return <p className="muted">{t('loyalty.customer.noHistory')}</p>;
  return (
    <>
      <ScrollRegion label={t('loyalty.customer.history')}>
        <table className="loyalty-table">
          <caption className="visually-hidden">{t('loyalty.customer.history')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('loyalty.customer.when')}</th>
              <th scope="col">{t('loyalty.customer.kind')}</th>
              <th scope="col" className="numeric">
                {t('loyalty.customer.points')}
              </th>
              <th scope="col">{t('loyalty.customer.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((entry) => (
              <tr key={entry.id} data-entry={entry.id}>
                <td>{formatInstant(entry.createdAt, locale, timeZone)}</td>
                <td>
                  {t(KIND_NAMES[entry.kind])}
                  {entry.pending && (
                    <>
                      {' '}
                      <span className="badge">{t('loyalty.customer.pendingBadge')}</span>
                    </>
                  )}
                </td>
                <td className="numeric">{formatSignedPoints(entry.points, locale)}</td>
                <td>{entry.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <CursorPager
        pages={pages}
        nextCursor={page.nextCursor}
        firstLabel={t('loyalty.customer.first')}
        moreLabel={t('loyalty.customer.more')}
      />
    </>
  );
}

export function CustomerPointsSection({ customerId, overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  const points = useCustomerPoints(customerId);
  const session = useSession();
  const role = session.data?.role;
  if (overview.customer.erasedAt !== null) return <p className="muted">{t('loyalty.customer.erased')}</p>;
  if (points.isError) return <ErrorMessage error={points.error} onRetry={() => void points.refetch()} />;
  if (!points.data) return <Loading />;
  const data = points.data;
  const facts: [MessageKey, string][] = [
    ['loyalty.customer.balance', formatCount(data.balance, locale)],
    ['loyalty.customer.value', formatMoney(Number(data.balanceValue), data.currency, locale)],
    ['loyalty.customer.pending', formatCount(data.pending, locale)],
    ['loyalty.customer.earned', formatCount(data.earned, locale)],
    ['loyalty.customer.tier', data.tier ?? t('loyalty.customer.noTier')],
  ];
  return (
    <div className="customer-points">
      <dl className="facts points-facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{t(label)}</dt>
            <dd data-fact={label}>{value}</dd>
          </div>
        ))}
      </dl>
      {data.debt > 0 && (
        <p className="notice">{t('loyalty.customer.debt', { points: formatCount(data.debt, locale) })}</p>
      )}
      {role !== undefined && can(role, 'loyaltyAdjust') && <AdjustForm customerId={customerId} />}
      <h3 className="subhead">{t('loyalty.customer.history')}</h3>
      <History customerId={customerId} timeZone={timeZone} />
    </div>
  );
}
