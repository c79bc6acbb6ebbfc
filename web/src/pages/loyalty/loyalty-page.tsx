/**
 * Loyalty (`/loyalty`): the programme report over a chosen window (members, points issued /
 * redeemed / expired, the outstanding liability, and members against non-members — with the
 * self-selection caveat), the programme's earning rules (editable by owners and admins), and the
 * coupon promotions with a form to create one and issue its codes (marketers, owners, admins).
 */
import { type FormEvent, useId, useState } from 'react';
import { ApiError, useSession, useWorkspace } from '../../api';
import { KpiCard } from '../../components/kpi-card';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatMoney, formatPercent } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { formatInstantDate } from '../customers/format';
import {
  type LoyaltyReport,
  type LoyaltySettings,
  type NewPromotion,
  type Promotion,
  useCreatePromotion,
  useIssueCoupons,
  useLoyaltyReport,
  useProgramme,
  usePromotions,
  useSaveProgramme,
} from './queries';
import './loyalty.css';

const DAY_MS = 86_400_000;
type Window = '90' | '365' | '730';

/** The report's window ending today (whole UTC days, so the query key is stable within a day). */
function windowOf(days: Window): { from: string; to: string } {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
  return { from: new Date(today - Number(days) * DAY_MS).toISOString(), to: new Date(today).toISOString() };
}

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

function Report() {
  const { t, locale } = useI18n();
  const [days, setDays] = useState<Window>('365');
  const { from, to } = windowOf(days);
  const report = useLoyaltyReport(from, to);
  const windowId = useId();
  const percent = (value: number | null) =>
    value === null ? t('loyalty.none') : formatPercent(value * 100, locale);
  let content = <Loading />;
  if (report.isError) content = <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />;
  else if (report.data) {
    const data: LoyaltyReport = report.data;
    const money = (text: string) => formatMoney(Number(text), data.currency, locale);
    const groups: [MessageKey, LoyaltyReport['membersGroup']][] = [
      ['loyalty.report.members', data.membersGroup],
      ['loyalty.report.nonMembers', data.nonMembersGroup],
    ];
    content = (
      <>
        <ul className="kpi-grid" aria-label={t('loyalty.report.kpis')}>
          <KpiCard
            field="members"
            value={data.members}
            label={t('loyalty.report.memberCount')}
            formatted={formatCount(data.members, locale)}
            change={null}
            noChange=""
            explanation={t('loyalty.report.memberCount.explanation')}
          />
          <KpiCard
            field="issued"
            value={data.points.issued}
            label={t('loyalty.report.issued')}
            formatted={formatCount(data.points.issued, locale)}
            change={null}
            noChange={t('loyalty.report.redeemedExpired', {
              redeemed: formatCount(data.points.redeemed, locale),
              expired: formatCount(data.points.expired, locale),
            })}
            explanation={t('loyalty.report.issued.explanation')}
          />
          <KpiCard
            field="redemptionRate"
            value={data.redemptionRate}
            label={t('loyalty.report.redemptionRate')}
            formatted={percent(data.redemptionRate)}
            change={null}
            noChange=""
            explanation={t('loyalty.report.redemptionRate.explanation')}
          />
          <KpiCard
            field="liability"
            value={Number(data.liability.spendable)}
            label={t('loyalty.report.liability')}
            formatted={money(data.liability.spendable)}
            change={null}
            noChange={t('loyalty.report.liability.pending', {
              amount: money(data.liability.includingPending),
            })}
            explanation={t('loyalty.report.liability.explanation', {
              points: formatCount(data.outstanding.balance, locale),
            })}
          />
        </ul>
        <ScrollRegion label={t('loyalty.report.comparison')}>
          <table className="loyalty-table">
            <caption>{t('loyalty.report.comparison')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('loyalty.report.group')}</th>
                <th scope="col" className="numeric">
                  {t('loyalty.report.buyers')}
                </th>
                <th scope="col" className="numeric">
                  {t('loyalty.report.repeatRate')}
                </th>
                <th scope="col" className="numeric">
                  {t('loyalty.report.retention')}
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.map(([label, group]) => (
                <tr key={label}>
                  <th scope="row">{t(label)}</th>
                  <td className="numeric">{formatCount(group.buyers, locale)}</td>
                  <td className="numeric">{percent(group.repeatRate)}</td>
                  <td className="numeric">{percent(group.retention)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        <p className="caveat">{t('loyalty.report.caveat')}</p>
      </>
    );
  }
  return (
    <section aria-labelledby="loyalty-report-title">
      <h2 id="loyalty-report-title">{t('loyalty.report')}</h2>
      <div className="field report-window">
        <label className="field-label" htmlFor={windowId}>
          {t('loyalty.report.window')}
        </label>
        <select
          id={windowId}
          className="select"
          value={days}
          onChange={(event) => setDays(event.target.value as Window)}
        >
          <option value="90">{t('loyalty.report.window.90')}</option>
          <option value="365">{t('loyalty.report.window.365')}</option>
          <option value="730">{t('loyalty.report.window.730')}</option>
        </select>
      </div>
      {content}
    </section>
  );
}

function NumberField(props: {
  readonly label: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  readonly disabled: boolean;
  readonly onChange: (value: number) => void;
  readonly help?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {props.label}
      </label>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="decimal"
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        required
        disabled={props.disabled}
        value={Number.isNaN(props.value) ? '' : props.value}
        onChange={(event) => props.onChange(event.target.valueAsNumber)}
        {...(props.help === undefined ? {} : { 'aria-describedby': `${id}-help` })}
      />
      {props.help !== undefined && (
        <p className="field-help" id={`${id}-help`}>
          {props.help}
        </p>
      )}
    </div>
  );
}

type ExpiryMode = 'none' | 'after_earning' | 'inactivity';

/** The rules this form edits, with the server's defaults where the document leaves them out. */
interface Rules {
  readonly pointsPerCurrencyUnit: number;
  readonly pointValueCents: number;
  readonly returnsWindowDays: number;
  readonly expiry: { readonly mode: ExpiryMode; readonly months: number; readonly noticeDays: number };
}

function rulesOf(settings: LoyaltySettings): Rules {
  return {
    pointsPerCurrencyUnit: settings.pointsPerCurrencyUnit ?? 1,
    pointValueCents: settings.pointValueCents ?? 1,
    returnsWindowDays: settings.returnsWindowDays ?? 30,
    expiry: {
      mode: settings.expiry?.mode ?? 'none',
      months: settings.expiry?.months ?? 12,
      noticeDays: settings.expiry?.noticeDays ?? 30,
    },
  };
}

function SettingsForm({
  settings,
  editable,
}: {
  readonly settings: LoyaltySettings;
  readonly editable: boolean;
}) {
  const { t } = useI18n();
  const save = useSaveProgramme();
  const [draft, setDraft] = useState<Rules>(() => rulesOf(settings));
  const [saved, setSaved] = useState(false);
  const expiryId = useId();
  const set = (change: Partial<Rules>) => {
    setSaved(false);
    setDraft((current) => ({ ...current, ...change }));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The whole document is replaced: the rules this form does not show (tiers, events…) are kept.
    save.mutate({ ...settings, ...draft }, { onSuccess: () => setSaved(true) });
  };
  const disabled = !editable || save.isPending;
  return (
    <form className="settings-form" onSubmit={submit}>
      {!editable && <p className="muted">{t('loyalty.settings.readOnly')}</p>}
      <fieldset>
        <legend>{t('loyalty.settings.earning')}</legend>
        <NumberField
          label={t('loyalty.settings.pointsPerUnit')}
          value={draft.pointsPerCurrencyUnit}
          min={0}
          max={10_000}
          step={0.01}
          disabled={disabled}
          onChange={(value) => set({ pointsPerCurrencyUnit: value })}
          help={t('loyalty.settings.pointsPerUnit.help')}
        />
        <NumberField
          label={t('loyalty.settings.pointValue')}
          value={draft.pointValueCents}
          min={0}
          max={1_000_000}
          step={0.01}
          disabled={disabled}
          onChange={(value) => set({ pointValueCents: value })}
          help={t('loyalty.settings.pointValue.help')}
        />
        <NumberField
          label={t('loyalty.settings.returnsWindow')}
          value={draft.returnsWindowDays}
          min={0}
          max={365}
          disabled={disabled}
          onChange={(value) => set({ returnsWindowDays: value })}
          help={t('loyalty.settings.returnsWindow.help')}
        />
      </fieldset>
      <fieldset>
        <legend>{t('loyalty.settings.expiry')}</legend>
        <div className="field">
          <label className="field-label" htmlFor={expiryId}>
            {t('loyalty.settings.expiryMode')}
          </label>
          <select
            id={expiryId}
            className="select"
            disabled={disabled}
            value={draft.expiry.mode}
            onChange={(event) => set({ expiry: { ...draft.expiry, mode: event.target.value as ExpiryMode } })}
          >
            <option value="none">{t('loyalty.settings.expiry.none')}</option>
            <option value="after_earning">{t('loyalty.settings.expiry.afterEarning')}</option>
            <option value="inactivity">{t('loyalty.settings.expiry.inactivity')}</option>
          </select>
        </div>
        {draft.expiry.mode !== 'none' && (
          <>
            <NumberField
              label={t('loyalty.settings.expiryMonths')}
              value={draft.expiry.months}
              min={1}
              max={120}
              disabled={disabled}
              onChange={(value) => set({ expiry: { ...draft.expiry, months: value } })}
            />
            <NumberField
              label={t('loyalty.settings.noticeDays')}
              value={draft.expiry.noticeDays}
              min={0}
              max={365}
              disabled={disabled}
              onChange={(value) => set({ expiry: { ...draft.expiry, noticeDays: value } })}
            />
          </>
        )}
      </fieldset>
      {editable && (
        <div className="form-actions">
          <button type="submit" className="button" disabled={save.isPending}>
            {t('loyalty.settings.save')}
          </button>
        </div>
      )}
      <div role="status">{saved && <p className="notice">{t('loyalty.settings.saved')}</p>}</div>
      {save.error && (
        <p className="error-box" role="alert">
          {t('loyalty.settings.failed', { message: errorText(save.error) })}
        </p>
      )}
    </form>
  );
}

function Settings({ editable }: { readonly editable: boolean }) {
  const { t } = useI18n();
  const programme = useProgramme();
  return (
    <section aria-labelledby="loyalty-settings-title">
      <h2 id="loyalty-settings-title">{t('loyalty.settings')}</h2>
      {programme.isError ? (
        <ErrorMessage error={programme.error} onRetry={() => void programme.refetch()} />
      ) : !programme.data ? (
        <Loading />
      ) : (
        <SettingsForm settings={programme.data.settings} editable={editable} />
      )}
    </section>
  );
}

function discountText(
  promotion: Promotion,
  currency: string,
  t: ReturnType<typeof useI18n>['t'],
  locale: ReturnType<typeof useI18n>['locale'],
) {
  const discount = promotion.discount;
  if (discount.kind === 'percent') {
    return t('loyalty.promotions.percentOff', { percent: formatCount(discount.percent, locale) });
  }
  if (discount.kind === 'fixed') {
    return t('loyalty.promotions.amountOff', {
      amount: formatMoney(discount.amountCents / 100, currency, locale),
    });
  }
  if (discount.kind === 'free_shipping') return t('loyalty.promotions.freeShipping');
  // A rewards-catalogue promotion (a free product, early access, a custom reward).
  return t('loyalty.promotions.reward');
}

function IssueCodes({ promotion }: { readonly promotion: Promotion }) {
  const { t } = useI18n();
  const issue = useIssueCoupons();
  const [codes, setCodes] = useState<string[]>([]);
  return (
    <div className="issue-codes">
      <button
        type="button"
        className="button-quiet"
        disabled={issue.isPending}
        aria-label={t('loyalty.promotions.issueFor', { name: promotion.name })}
        onClick={() =>
          issue.mutate(
            { promotionId: promotion.id, count: 5 },
            { onSuccess: (answer) => setCodes(answer.coupons.map((coupon) => coupon.display)) },
          )
        }
      >
        {t('loyalty.promotions.issue')}
      </button>
      {codes.length > 0 && (
        <ul className="codes" aria-label={t('loyalty.promotions.codesFor', { name: promotion.name })}>
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ul>
      )}
      {issue.error && (
        <p className="error-box" role="alert">
          {errorText(issue.error)}
        </p>
      )}
    </div>
  );
}

function CreatePromotion() {
  const { t } = useI18n();
  const create = useCreatePromotion();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'percent' | 'fixed' | 'free_shipping'>('percent');
  const [amount, setAmount] = useState(10);
  const [limit, setLimit] = useState<number>(Number.NaN);
  const [created, setCreated] = useState<string | null>(null);
  const nameId = useId();
  const kindId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    const discount: NewPromotion['discount'] =
      kind === 'percent'
        ? { kind, percent: amount }
        : kind === 'fixed'
          ? { kind, amountCents: Math.round(amount * 100) }
          : { kind };
    const promotion: NewPromotion = {
      name,
      discount,
      ...(Number.isNaN(limit) ? {} : { totalLimit: limit }),
    };
    create.mutate(promotion, {
      onSuccess: (saved) => {
        setCreated(saved.name);
        setName('');
      },
    });
  };
  return (
    <form className="create-promotion" onSubmit={submit} aria-labelledby="create-promotion-title">
      <h3 id="create-promotion-title">{t('loyalty.promotions.create')}</h3>
      <div className="field">
        <label className="field-label" htmlFor={nameId}>
          {t('loyalty.promotions.name')}
        </label>
        <input
          id={nameId}
          className="input"
          required
          maxLength={200}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={kindId}>
          {t('loyalty.promotions.kind')}
        </label>
        <select
          id={kindId}
          className="select"
          value={kind}
          onChange={(event) => setKind(event.target.value as typeof kind)}
        >
          <option value="percent">{t('loyalty.promotions.kind.percent')}</option>
          <option value="fixed">{t('loyalty.promotions.kind.fixed')}</option>
          <option value="free_shipping">{t('loyalty.promotions.kind.freeShipping')}</option>
        </select>
      </div>
      {kind !== 'free_shipping' && (
        <NumberField
          label={t(kind === 'percent' ? 'loyalty.promotions.percent' : 'loyalty.promotions.amount')}
          value={amount}
          min={kind === 'percent' ? 1 : 0.01}
          max={kind === 'percent' ? 100 : 1_000_000}
          step={kind === 'percent' ? 1 : 0.01}
          disabled={false}
          onChange={setAmount}
        />
      )}
      <div className="field">
        <OptionalNumber label={t('loyalty.promotions.totalLimit')} value={limit} onChange={setLimit} />
      </div>
      <button type="submit" className="button" disabled={create.isPending || name.trim() === ''}>
        {t('loyalty.promotions.submit')}
      </button>
      <div role="status">
        {created !== null && <p className="notice">{t('loyalty.promotions.created', { name: created })}</p>}
      </div>
      {create.error && (
        <p className="error-box" role="alert">
          {t('loyalty.promotions.failed', { message: errorText(create.error) })}
        </p>
      )}
    </form>
  );
}

function OptionalNumber(props: {
  readonly label: string;
  readonly value: number;
  readonly onChange: (value: number) => void;
}) {
  const id = useId();
  return (
    <>
      <label className="field-label" htmlFor={id}>
        {props.label}
      </label>
      <input
        id={id}
        className="input"
        type="number"
        min={1}
        step={1}
        value={Number.isNaN(props.value) ? '' : props.value}
        onChange={(event) => props.onChange(event.target.valueAsNumber)}
      />
    </>
  );
}

function Promotions({ writable }: { readonly writable: boolean }) {
  const { t, locale } = useI18n();
  const promotions = usePromotions();
  const workspace = useWorkspace().data;
  const currency = workspace?.settings.currency ?? 'USD';
  const timeZone = workspace?.settings.timeZone ?? 'UTC';
  return (
    <section aria-labelledby="loyalty-promotions-title">
      <h2 id="loyalty-promotions-title">{t('loyalty.promotions')}</h2>
      {promotions.isError ? (
        <ErrorMessage error={promotions.error} onRetry={() => void promotions.refetch()} />
      ) : !promotions.data ? (
        <Loading />
      ) : promotions.data.items.length === 0 ? (
        <p className="muted">{t('loyalty.promotions.none')}</p>
      ) : (
        <ScrollRegion label={t('loyalty.promotions')}>
          <table className="loyalty-table">
            <caption className="visually-hidden">{t('loyalty.promotions')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('loyalty.promotions.name')}</th>
                <th scope="col">{t('loyalty.promotions.discount')}</th>
                <th scope="col" className="numeric">
                  {t('loyalty.promotions.uses')}
                </th>
                <th scope="col">{t('loyalty.promotions.createdAt')}</th>
                {writable && <th scope="col">{t('loyalty.promotions.codes')}</th>}
              </tr>
            </thead>
            <tbody>
              {promotions.data.items.map((promotion) => (
                <tr key={promotion.id} data-promotion={promotion.id}>
                  <th scope="row">{promotion.name}</th>
                  <td>{discountText(promotion, currency, t, locale)}</td>
                  <td className="numeric">
                    {promotion.totalLimit === null
                      ? formatCount(promotion.uses, locale)
                      : t('loyalty.promotions.usesOf', {
                          uses: formatCount(promotion.uses, locale),
                          limit: formatCount(promotion.totalLimit, locale),
                        })}
                  </td>
                  <td>{formatInstantDate(promotion.createdAt, locale, timeZone)}</td>
                  {writable && (
                    <td>
                      <IssueCodes promotion={promotion} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {writable && <CreatePromotion />}
    </section>
  );
}

export default function LoyaltyPage() {
  const { t } = useI18n();
  const session = useSession();
  const role = session.data?.role;
  return (
    <div className="loyalty-page">
      <div className="page-head">
        <h1 className="page-title">{t('loyalty.title')}</h1>
      </div>
      <p className="view-intro">{t('loyalty.intro')}</p>
      <Report />
      <Settings editable={role !== undefined && can(role, 'loyaltySettings')} />
      <Promotions writable={role !== undefined && can(role, 'writePromotions')} />
    </div>
  );
}
