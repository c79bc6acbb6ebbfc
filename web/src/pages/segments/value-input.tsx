/**
 * A condition's value input, fitting its field's type and operator: text or a comma-separated
 * list, a choice or several, yes/no, a date or two, a duration, a number or a range (amounts in
 * the workspace's currency, P(alive) in %), the segments to test membership of, or an attribute's
 * typed value — and the window of orders or events a condition reads.
 */
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n';
import { UNIT_NAMES, useRuleWords } from './names';
import {
  type AttributeType,
  type CatalogueField,
  type ConditionDraft,
  DURATION_UNITS,
  type DurationUnit,
  typedBounds,
  type ValueDraft,
  valueShape,
  type WindowDraft,
} from './rule-model';

export interface SegmentChoice {
  readonly id: string;
  readonly name: string;
}

interface InputProps {
  readonly invalid: boolean;
  readonly describedBy: string | undefined;
}

function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

/** The currency's symbol as the locale writes it (`$`, `US$`, `€`). */
function currencySymbol(currency: string, locale: string): string {
  try {
    const parts = new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(0);
    return parts.find((part) => part.type === 'currency')?.value ?? currency;
  } catch {
    return currency;
  }
}

function NumberInput({
  id,
  label,
  value,
  field,
  currency,
  onChange,
  invalid,
  describedBy,
}: InputProps & {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly field: CatalogueField | null;
  readonly currency: string;
  readonly onChange: (value: string) => void;
}) {
  const { t, locale } = useI18n();
  const bounds = field ? typedBounds(field) : { whole: false };
  const unit =
    field?.unit === 'cents' ? currencySymbol(currency, locale) : field?.unit === 'probability' ? '%' : null;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
        {unit !== null && (
          <span className="visually-hidden">
            {' '}
            ({field?.unit === 'cents' ? currency : t('segments.value.percent')})
          </span>
        )}
      </label>
      <span className="number-input" data-unit={field?.unit ?? ''}>
        {unit !== null && field?.unit === 'cents' && (
          <span className="number-unit" aria-hidden="true">
            {unit}
          </span>
        )}
        <input
          id={id}
          className="input input-number"
          type="number"
          inputMode="decimal"
          step={bounds.whole ? 1 : 'any'}
          min={bounds.min}
          max={bounds.max}
          value={value}
          placeholder={
            bounds.min !== undefined && bounds.max !== undefined && bounds.max - bounds.min <= 1000
              ? `${formatNumber(bounds.min, locale)}–${formatNumber(bounds.max, locale)}`
              : undefined
          }
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
        {unit === '%' && (
          <span className="number-unit" aria-hidden="true">
            %
          </span>
        )}
      </span>
    </div>
  );
}

function DurationInput({
  id,
  label,
  amount,
  unit,
  onChange,
  invalid,
  describedBy,
}: InputProps & {
  readonly id: string;
  readonly label: string;
  readonly amount: string;
  readonly unit: DurationUnit;
  readonly onChange: (amount: string, unit: DurationUnit) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="field inline-fieldset">
      <legend className="field-label">{label}</legend>
      <span className="inline-inputs">
        <label className="visually-hidden" htmlFor={`${id}-amount`}>
          {t('segments.value.amount')}
        </label>
        <input
          id={`${id}-amount`}
          className="input input-number"
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          value={amount}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value, unit)}
        />
        <label className="visually-hidden" htmlFor={`${id}-unit`}>
          {t('segments.value.unit')}
        </label>
        <select
          id={`${id}-unit`}
          className="select"
          value={unit}
          onChange={(event) => onChange(amount, event.target.value as DurationUnit)}
        >
          {DURATION_UNITS.map((option) => (
            <option key={option} value={option}>
              {t(UNIT_NAMES[option])}
            </option>
          ))}
        </select>
      </span>
    </fieldset>
  );
}

function Checkboxes({
  legend,
  options,
  chosen,
  onChange,
  empty,
  invalid,
  describedBy,
}: InputProps & {
  readonly legend: string;
  readonly options: readonly { value: string; label: string }[];
  readonly chosen: readonly string[];
  readonly onChange: (chosen: string[]) => void;
  readonly empty: string;
}) {
  return (
    <fieldset
      className="field choice-list"
      aria-describedby={describedBy}
      data-invalid={invalid || undefined}
    >
      <legend className="field-label">{legend}</legend>
      {options.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <span className="choices">
          {options.map((option) => (
            <label key={option.value} className="choice">
              <input
                type="checkbox"
                checked={chosen.includes(option.value)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? [...chosen, option.value]
                      : chosen.filter((value) => value !== option.value),
                  )
                }
              />
              <span>{option.label}</span>
            </label>
          ))}
        </span>
      )}
    </fieldset>
  );
}

export function ValueInput({
  condition,
  field,
  segments,
  currency,
  onChange,
  invalid,
  describedBy,
}: InputProps & {
  readonly condition: ConditionDraft;
  readonly field: CatalogueField;
  readonly segments: readonly SegmentChoice[];
  readonly currency: string;
  readonly onChange: (value: ValueDraft) => void;
}) {
  const { t } = useI18n();
  const words = useRuleWords();
  const id = useId();
  const value = condition.value;
  const set = (change: Partial<ValueDraft>) => onChange({ ...value, ...change });
  const common = { invalid, describedBy };
  const shape = valueShape(field, condition.op);
  const textInput = (label: string, placeholder?: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`${id}-text`}>
        {label}
      </label>
      <input
        id={`${id}-text`}
        className={`input ${field.name === 'country' && shape === 'text' ? 'input-short' : 'input-medium'}`}
        value={value.text}
        maxLength={shape === 'texts' || condition.op === 'in' || condition.op === 'not_in' ? 20_000 : 500}
        autoComplete="off"
        placeholder={placeholder}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(event) => set({ text: event.target.value })}
      />
    </div>
  );
  const dateInput = (key: 'text' | 'low' | 'high', label: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`${id}-${key}`}>
        {label}
      </label>
      <input
        id={`${id}-${key}`}
        className="input"
        type="date"
        min="1970-01-01"
        max="2100-12-31"
        value={value[key]}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(event) => set({ [key]: event.target.value })}
      />
    </div>
  );
  const numberInput = (key: 'text' | 'low' | 'high', label: string, numberField: CatalogueField | null) => (
    <NumberInput
      id={`${id}-${key}`}
      label={label}
      value={value[key]}
      field={numberField}
      currency={currency}
      onChange={(text) => set({ [key]: text })}
      {...common}
    />
  );
  const flagInput = (
    <div className="field">
      <label className="field-label" htmlFor={`${id}-flag`}>
        {t('segments.value.value')}
      </label>
      <select
        id={`${id}-flag`}
        className="select"
        value={value.flag}
        onChange={(event) => set({ flag: event.target.value === 'false' ? 'false' : 'true' })}
      >
        <option value="true">{t('segments.value.yes')}</option>
        <option value="false">{t('segments.value.no')}</option>
      </select>
    </div>
  );

  switch (shape) {
    case 'none':
      return null;
    case 'text':
      return textInput(
        t('segments.value.value'),
        field.name === 'country' ? 'FR' : field.kind === 'event' ? 'Order Completed' : undefined,
      );
    case 'texts':
      return textInput(t('segments.value.list'), field.name === 'country' ? 'FR, BE' : undefined);
    case 'choice':
      return (
        <div className="field">
          <label className="field-label" htmlFor={`${id}-choice`}>
            {t('segments.value.value')}
          </label>
          <select
            id={`${id}-choice`}
            className="select"
            value={value.text}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            onChange={(event) => set({ text: event.target.value })}
          >
            <option value="" disabled>
              {t('segments.value.choose')}
            </option>
            {(field.values ?? []).map((option) => (
              <option key={option} value={option}>
                {words.value(field.name, option)}
              </option>
            ))}
          </select>
        </div>
      );
    case 'choices':
      return (
        <Checkboxes
          legend={t('segments.value.values')}
          options={(field.values ?? []).map((option) => ({
            value: option,
            label: words.value(field.name, option),
          }))}
          chosen={value.choices}
          onChange={(choices) => set({ choices })}
          empty=""
          {...common}
        />
      );
    case 'segments':
      return (
        <Checkboxes
          legend={t('segments.value.segments')}
          options={segments.map((segment) => ({ value: segment.id, label: segment.name }))}
          chosen={value.choices}
          onChange={(choices) => set({ choices })}
          empty={t('segments.value.noSegments')}
          {...common}
        />
      );
    case 'flag':
      return flagInput;
    case 'date':
      return dateInput('text', t('segments.value.date'));
    case 'dates':
      return (
        <>
          {dateInput('low', t('segments.value.from'))}
          {dateInput('high', t('segments.value.toExcluded'))}
        </>
      );
    case 'duration':
      return (
        <DurationInput
          id={`${id}-duration`}
          label={t('segments.value.duration')}
          amount={value.amount}
          unit={value.unit}
          onChange={(amount, unit) => set({ amount, unit })}
          {...common}
        />
      );
    case 'number':
      return numberInput('text', t('segments.value.value'), field);
    case 'range':
      return (
        <>
          {numberInput('low', t('segments.value.from'), field)}
          {numberInput('high', t('segments.value.to'), field)}
        </>
      );
    case 'attribute': {
      const op = condition.op;
      if (op === '<' || op === '<=' || op === '>' || op === '>=')
        return numberInput('text', t('segments.value.value'), null);
      if (op === 'between') {
        return (
          <>
            {numberInput('low', t('segments.value.from'), null)}
            {numberInput('high', t('segments.value.to'), null)}
          </>
        );
      }
      if (op === 'contains' || op === 'starts_with' || op === 'ends_with')
        return textInput(t('segments.value.value'));
      const list = op === 'in' || op === 'not_in';
      return (
        <>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-type`}>
              {t('segments.value.attributeType')}
            </label>
            <select
              id={`${id}-type`}
              className="select"
              value={value.attributeType}
              onChange={(event) => set({ attributeType: event.target.value as AttributeType })}
            >
              <option value="text">{t('segments.value.type.text')}</option>
              <option value="number">{t('segments.value.type.number')}</option>
              {!list && <option value="boolean">{t('segments.value.type.boolean')}</option>}
            </select>
          </div>
          {value.attributeType === 'boolean' && !list
            ? flagInput
            : value.attributeType === 'number' && !list
              ? numberInput('text', t('segments.value.value'), null)
              : textInput(list ? t('segments.value.list') : t('segments.value.value'))}
        </>
      );
    }
  }
}

/** The window of a condition on orders or events: all time, the last N days, or between dates. */
export function WindowInput({
  window,
  onChange,
  invalid,
  describedBy,
}: InputProps & { readonly window: WindowDraft; readonly onChange: (window: WindowDraft) => void }) {
  const { t } = useI18n();
  const id = useId();
  const set = (change: Partial<WindowDraft>) => onChange({ ...window, ...change });
  return (
    <>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-mode`}>
          {t('segments.window.label')}
        </label>
        <select
          id={`${id}-mode`}
          className="select"
          value={window.mode}
          onChange={(event) => set({ mode: event.target.value as WindowDraft['mode'] })}
        >
          <option value="none">{t('segments.window.none')}</option>
          <option value="last">{t('segments.window.last')}</option>
          <option value="range">{t('segments.window.range')}</option>
        </select>
      </div>
      {window.mode === 'last' && (
        <DurationInput
          id={`${id}-last`}
          label={t('segments.window.duration')}
          amount={window.amount}
          unit={window.unit}
          onChange={(amount, unit) => set({ amount, unit })}
          invalid={invalid}
          describedBy={describedBy}
        />
      )}
      {window.mode === 'range' &&
        (['from', 'to'] as const).map((key) => (
          <div className="field" key={key}>
            <label className="field-label" htmlFor={`${id}-${key}`}>
              {key === 'from' ? t('segments.window.from') : t('segments.window.to')}
            </label>
            <input
              id={`${id}-${key}`}
              className="input"
              type="date"
              min="1970-01-01"
              max="2100-12-31"
              value={window[key]}
              aria-invalid={invalid || undefined}
              aria-describedby={describedBy}
              onChange={(event) => set({ [key]: event.target.value })}
            />
          </div>
        ))}
    </>
  );
}
