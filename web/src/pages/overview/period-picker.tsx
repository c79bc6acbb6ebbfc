/**
 * Choosing the overview's period: month, quarter, year (each one of the calendar periods holding
 * data, latest first) or a custom range of dates. The choice goes into the URL.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { formatPeriodLabel } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { calendarPeriods, isDate, PERIOD_KINDS, type PeriodKind, type Selection } from './periods';

const KIND_NAMES: Readonly<Record<PeriodKind, MessageKey>> = {
  month: 'period.month',
  quarter: 'period.quarter',
  year: 'period.year',
  custom: 'period.custom',
};

const WHICH: Readonly<Record<Exclude<PeriodKind, 'custom'>, MessageKey>> = {
  month: 'period.whichMonth',
  quarter: 'period.whichQuarter',
  year: 'period.whichYear',
};

export interface PeriodPickerProps {
  readonly selection: Selection;
  /** The range shown now (the server's default when the selection has none). */
  readonly current: { readonly from: string; readonly to: string } | null;
  readonly dataStart: string | null;
  readonly dataEnd: string | null;
  onChange(selection: Selection): void;
}

export function PeriodPicker({ selection, current, dataStart, dataEnd, onChange }: PeriodPickerProps) {
  const { t, locale } = useI18n();
  const [kind, setKind] = useState<PeriodKind>(selection.kind);
  const [from, setFrom] = useState(selection.from ?? current?.from ?? '');
  const [to, setTo] = useState(selection.to ?? current?.to ?? '');
  const [invalid, setInvalid] = useState(false);
  const errorId = useId();
  useEffect(() => setKind(selection.kind), [selection.kind]);
  useEffect(() => {
    if (selection.kind === 'custom') return;
    setFrom(current?.from ?? '');
    setTo(current?.to ?? '');
  }, [selection.kind, current?.from, current?.to]);

  const chooseKind = (next: PeriodKind) => {
    setKind(next);
    setInvalid(false);
    // A calendar kind shows its latest complete period at once; a custom range waits for Apply.
    if (next !== 'custom') onChange({ kind: next });
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!isDate(from) || !isDate(to) || from > to) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    onChange({ kind: 'custom', from, to });
  };

  const periods = kind !== 'custom' && dataStart && dataEnd ? calendarPeriods(kind, dataStart, dataEnd) : [];
  const chosen = periods.find((period) => period.from === current?.from && period.to === current?.to);

  return (
    <div className="period-picker">
      <fieldset className="segmented">
        <legend className="visually-hidden">{t('period.kind')}</legend>
        {PERIOD_KINDS.map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="period-kind"
              value={option}
              checked={kind === option}
              onChange={() => chooseKind(option)}
            />
            <span>{t(KIND_NAMES[option])}</span>
          </label>
        ))}
      </fieldset>
      {kind !== 'custom' ? (
        <label className="field">
          <span className="field-label">{t(WHICH[kind])}</span>
          <select
            className="select"
            value={chosen?.label ?? ''}
            disabled={periods.length === 0}
            onChange={(event) => {
              const period = periods.find((option) => option.label === event.target.value);
              if (period) onChange({ kind, from: period.from, to: period.to });
            }}
          >
            {!chosen && <option value="">{t('status.loading')}</option>}
            {periods.map((period) => (
              <option key={period.label} value={period.label}>
                {formatPeriodLabel(period.label, locale, t)}
                {period.complete ? '' : ` ${t('period.inProgress')}`}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <form className="custom-range" onSubmit={apply} noValidate>
          <label className="field">
            <span className="field-label">{t('period.from')}</span>
            <input
              className="input"
              type="date"
              value={from}
              min={dataStart ?? undefined}
              onChange={(event) => setFrom(event.target.value)}
              aria-invalid={invalid}
              aria-describedby={invalid ? errorId : undefined}
              required
            />
          </label>
          <label className="field">
            <span className="field-label">{t('period.to')}</span>
            <input
              className="input"
              type="date"
              value={to}
              min={from || dataStart || undefined}
              onChange={(event) => setTo(event.target.value)}
              aria-invalid={invalid}
              aria-describedby={invalid ? errorId : undefined}
              required
            />
          </label>
          <button type="submit" className="button">
            {t('period.apply')}
          </button>
          {invalid && (
            <p id={errorId} className="form-error" role="alert">
              {t('period.invalidRange')}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
