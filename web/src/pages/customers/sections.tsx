/**
 * Customer 360 is made of sections that capabilities plug into: each is `{ id, title, needs,
 * component }` in `CUSTOMER_SECTIONS`, shown in that order to the roles that have `needs`. A section
 * gets the customer's overview (one request for the page) and the customer's id, so a later one —
 * tickets, points, feedback — can read its own data with its own query. Adding one: a component
 * here or in its own folder, and one entry in the list.
 */
import { type ComponentType, type FormEvent, useId, useState } from 'react';
import { ApiError } from '../../api';
import { formatCount, formatPercent } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import type { Capability } from '../../roles';
import { CustomerPointsSection } from '../loyalty/customer-points';
import { formatCents, formatInstant, formatInstantDate } from './format';
import { BAND_NAMES, segmentName } from './names';
import { type CustomerOverview, useAddNote, useDeleteNote } from './queries';
import { formatExpected, reasonText } from './reasons';

export interface SectionProps {
  readonly customerId: string;
  readonly overview: CustomerOverview;
  /** The workspace's IANA zone: dates as the shop sees them. */
  readonly timeZone: string;
}

export interface CustomerSection {
  /** Stable: the section's `id` attribute (a link can point at it) and React key. */
  readonly id: string;
  readonly title: MessageKey;
  /** The capability a role needs to see it (null: whoever sees the customer). */
  readonly needs: Capability | null;
  readonly component: ComponentType<SectionProps>;
}

const MISSING = '—';

function ProfileSection({ overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  const { customer } = overview;
  const attributes = Object.entries(customer.attributes);
  const yesNo = (value: boolean) => t(value ? 'customers.yes' : 'customers.no');
  const fields: [MessageKey, string][] = [
    ['customers.profile.name', customer.name ?? MISSING],
    ['customers.profile.email', customer.email ?? MISSING],
    ['customers.profile.phone', customer.phone ?? MISSING],
    ['customers.profile.externalId', customer.externalId ?? MISSING],
    ['customers.profile.language', customer.language ?? MISSING],
    ['customers.profile.timeZone', customer.timeZone ?? MISSING],
    ['customers.profile.country', customer.country ?? MISSING],
    [
      'customers.profile.signedUp',
      customer.signedUpAt ? formatInstantDate(customer.signedUpAt, locale, timeZone) : MISSING,
    ],
    ['customers.profile.consentEmail', yesNo(customer.consent.emailMarketing)],
    ['customers.profile.consentSms', yesNo(customer.consent.smsMarketing)],
  ];
  return (
    <>
      {customer.erasedAt && (
        <p className="notice">
          {t('customers.profile.erased', { date: formatInstantDate(customer.erasedAt, locale, timeZone) })}
        </p>
      )}
      <dl className="facts">
        {fields.map(([label, value]) => (
          <div key={label}>
            <dt>{t(label)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h3 className="subhead">{t('customers.profile.attributes')}</h3>
      {attributes.length === 0 ? (
        <p className="muted">{t('customers.profile.noAttributes')}</p>
      ) : (
        <dl className="facts attributes">
          {attributes.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

/** One figure with its raw value in `data-value`, so a test can compare it with the API. */
function Figure({
  field,
  label,
  value,
  shown,
}: {
  readonly field: string;
  readonly label: string;
  readonly value: number | string | null;
  readonly shown: string;
}) {
  return (
    <div className="figure" data-field={field} data-value={value === null ? 'null' : String(value)}>
      <dt>{label}</dt>
      <dd>{shown}</dd>
    </div>
  );
}

function ValueSection({ overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  const { totals, score, currency } = overview;
  const money = (cents: number) => formatCents(cents, currency, locale);
  return (
    <>
      <dl className="figures">
        <Figure
          field="valueCents"
          label={t('customers.value.toDate')}
          value={totals.valueCents}
          shown={money(totals.valueCents)}
        />
        <Figure
          field="orders"
          label={t('customers.value.orders')}
          value={totals.orders}
          shown={formatCount(totals.orders, locale)}
        />
        <Figure
          field="refundedCents"
          label={t('customers.value.refunded')}
          value={totals.refundedCents}
          shown={money(totals.refundedCents)}
        />
        <Figure
          field="lastOrderAt"
          label={t('customers.value.lastOrder')}
          value={totals.lastOrderAt}
          shown={totals.lastOrderAt ? formatInstantDate(totals.lastOrderAt, locale, timeZone) : MISSING}
        />
        <Figure
          field="predictedClvCents"
          label={t('customers.value.clv')}
          value={score?.predictedClvCents ?? null}
          shown={score?.predictedClvCents == null ? MISSING : money(score.predictedClvCents)}
        />
        <Figure
          field="pAlive"
          label={t('customers.value.pAlive')}
          value={score?.pAlive ?? null}
          shown={score?.pAlive == null ? MISSING : formatPercent(score.pAlive * 100, locale, 1)}
        />
        <Figure
          field="expectedPurchases"
          label={t('customers.value.expected')}
          value={score?.expectedPurchases ?? null}
          shown={score?.expectedPurchases == null ? MISSING : formatExpected(score.expectedPurchases, locale)}
        />
        <Figure
          field="riskScore"
          label={t('customers.value.risk')}
          value={score?.riskScore ?? null}
          shown={
            score?.riskScore == null || score.riskBand === null
              ? MISSING
              : `${formatCount(score.riskScore, locale)} · ${t(BAND_NAMES[score.riskBand])}`
          }
        />
      </dl>
      <h3 className="subhead">{t('customers.value.why')}</h3>
      {score && score.reasons.length > 0 ? (
        <ul className="reasons">
          {score.reasons.map((reason) => (
            <li key={reason.code} className="reason" data-reason={reason.code}>
              {reasonText(reason, t, locale, currency)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">
          {t(score?.riskScore == null ? 'customers.value.noScore' : 'customers.value.noReasons')}
        </p>
      )}
    </>
  );
}

function RfmSection({ overview }: SectionProps) {
  const { t } = useI18n();
  const rfm = overview.score?.rfm ?? null;
  if (rfm === null) return <p className="muted">{t('customers.rfm.none')}</p>;
  const name = segmentName(rfm.segment);
  return (
    <>
      <p className="segment-name" data-segment={rfm.segment}>
        {name === null ? rfm.segment : t(name)}
      </p>
      <dl className="figures rfm-scores">
        <Figure field="rfmR" label={t('customers.rfm.r')} value={rfm.r} shown={`${rfm.r} / 5`} />
        <Figure field="rfmF" label={t('customers.rfm.f')} value={rfm.f} shown={`${rfm.f} / 5`} />
        <Figure field="rfmM" label={t('customers.rfm.m')} value={rfm.m} shown={`${rfm.m} / 5`} />
      </dl>
      <p className="muted">{t('customers.rfm.help')}</p>
    </>
  );
}

const STATUS_NAMES: Readonly<Record<string, MessageKey>> = {
  completed: 'customers.order.completed',
  pending: 'customers.order.pending',
  cancelled: 'customers.order.cancelled',
};

function OrdersSection({ overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  const { orders, ordersTotal } = overview;
  if (orders.length === 0) return <p className="muted">{t('customers.orders.none')}</p>;
  return (
    <>
      {ordersTotal > orders.length && (
        <p className="muted">
          {t('customers.orders.latest', {
            shown: formatCount(orders.length, locale),
            total: formatCount(ordersTotal, locale),
          })}
        </p>
      )}
      <ol className="timeline">
        {orders.map((order) => (
          <li key={order.id} className="timeline-item" data-order={order.id} data-status={order.status}>
            <div className="timeline-line">
              <span className="timeline-date">{formatInstantDate(order.orderedAt, locale, timeZone)}</span>
              <span className="timeline-what">
                {t('customers.orders.order', { id: order.externalId ?? order.id })}
                {order.items.length > 0 &&
                  ` · ${t('customers.orders.items', { count: formatCount(order.items.length, locale) })}`}
              </span>
              <span className="timeline-amount">
                {formatCents(order.amountCents, order.currency, locale)}
              </span>
              <span className="order-status" data-status={order.status}>
                {t(STATUS_NAMES[order.status] ?? 'customers.order.completed')}
              </span>
            </div>
            {order.refunds.length > 0 && (
              <ul className="refunds">
                {order.refunds.map((refund) => (
                  <li key={refund.id} data-refund={refund.id}>
                    {t('customers.orders.refund', {
                      date: formatInstantDate(refund.refundedAt, locale, timeZone),
                      amount: formatCents(refund.amountCents, refund.currency, locale),
                    })}
                    {refund.reason ? ` — ${refund.reason}` : ''}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

function EventsSection({ overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  if (overview.events.length === 0) return <p className="muted">{t('customers.events.none')}</p>;
  return (
    <table className="events-table">
      <caption className="visually-hidden">{t('customers.section.events')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('customers.events.when')}</th>
          <th scope="col">{t('customers.events.name')}</th>
        </tr>
      </thead>
      <tbody>
        {overview.events.map((event) => (
          <tr key={event.id}>
            <td>{formatInstant(event.occurredAt, locale, timeZone)}</td>
            <td>{event.name}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MAX_NOTE_LENGTH = 4000;

function NotesSection({ customerId, overview, timeZone }: SectionProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const [text, setText] = useState('');
  const add = useAddNote(customerId);
  const remove = useDeleteNote(customerId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() === '') return;
    add.mutate(text, { onSuccess: () => setText('') });
  };
  const failure = add.error ?? remove.error;
  return (
    <>
      {overview.customer.erasedAt === null && (
        <form className="note-form" onSubmit={submit}>
          <label className="field-label" htmlFor={`${id}-note`}>
            {t('customers.notes.add')}
          </label>
          <textarea
            id={`${id}-note`}
            className="input note-input"
            rows={3}
            maxLength={MAX_NOTE_LENGTH}
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
          <div className="note-actions">
            <span className="muted" aria-live="polite">
              {t('customers.notes.length', {
                count: formatCount(text.length, locale),
                max: formatCount(MAX_NOTE_LENGTH, locale),
              })}
            </span>
            <button type="submit" className="button" disabled={add.isPending || text.trim() === ''}>
              {t('customers.notes.save')}
            </button>
          </div>
        </form>
      )}
      {failure && (
        <p className="form-error" role="alert">
          {failure instanceof ApiError && failure.status === 403
            ? t('customers.notes.forbidden')
            : t('error.unexpected')}
        </p>
      )}
      {overview.notes.length === 0 ? (
        <p className="muted">{t('customers.notes.none')}</p>
      ) : (
        <ul className="notes">
          {overview.notes.map((note) => (
            <li key={note.id} className="note" data-note={note.id}>
              <p className="note-meta">
                {t('customers.notes.by', {
                  author: note.author.name ?? note.author.email ?? `#${note.author.id}`,
                  date: formatInstant(note.createdAt, locale, timeZone),
                })}
              </p>
              <p className="note-text">{note.text}</p>
              {note.deletable && (
                <button
                  type="button"
                  className="button button-quiet"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(note.id)}
                >
                  {t('customers.notes.delete')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The sections of Customer 360, in page order. Later capabilities add theirs here. */
export const CUSTOMER_SECTIONS: readonly CustomerSection[] = [
  { id: 'value', title: 'customers.section.value', needs: null, component: ValueSection },
  { id: 'profile', title: 'customers.section.profile', needs: null, component: ProfileSection },
  { id: 'rfm', title: 'customers.section.rfm', needs: null, component: RfmSection },
  { id: 'orders', title: 'customers.section.orders', needs: null, component: OrdersSection },
  { id: 'points', title: 'loyalty.customer.section', needs: 'loyalty', component: CustomerPointsSection },
  { id: 'notes', title: 'customers.section.notes', needs: null, component: NotesSection },
  { id: 'events', title: 'customers.section.events', needs: null, component: EventsSection },
];
