/**
 * Choosing a customer to render an e-mail step as (the preview, the test send): a search box (by
 * name, e-mail or id prefix, asked 350 ms after the last keystroke) and a list of the first ten
 * matches, the first chosen until another is.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiGet } from '../../api';
import { type MessageKey, useI18n } from '../../i18n/i18n';

/** The picker's state; `chosen` is the customer's id, or '' while there is none. */
export function useCustomerChoice(enabled = true) {
  const [search, setSearch] = useState('');
  const [settled, setSettled] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSettled(search.trim()), 350);
    return () => clearTimeout(timer);
  }, [search]);
  const customers = useQuery({
    queryKey: ['pick-customers', settled],
    enabled,
    queryFn: ({ signal }) =>
      apiGet(
        '/api/v1/customers',
        { limit: 10, ...(settled === '' ? {} : { q: settled, match: 'prefix' }) },
        signal,
      ),
  });
  const [customerId, setCustomerId] = useState('');
  const options = customers.data?.data ?? [];
  const chosen = customerId !== '' ? customerId : (options[0]?.id ?? '');
  return { search, setSearch, options, chosen, setCustomerId };
}

export function CustomerPickerFields({
  id,
  label,
  choice,
}: {
  /** A `useId()` prefix for the fields' ids. */
  readonly id: string;
  /** The list's label. */
  readonly label: MessageKey;
  readonly choice: ReturnType<typeof useCustomerChoice>;
}) {
  const { t } = useI18n();
  return (
    <>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-search`}>
          {t('flows.preview.search')}
        </label>
        <input
          id={`${id}-search`}
          className="input"
          type="search"
          value={choice.search}
          maxLength={200}
          placeholder={t('flows.preview.search.placeholder')}
          onChange={(event) => choice.setSearch(event.target.value)}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-customer`}>
          {t(label)}
        </label>
        <select
          id={`${id}-customer`}
          className="select"
          value={choice.chosen}
          onChange={(event) => choice.setCustomerId(event.target.value)}
        >
          {choice.options.length === 0 && <option value="">{t('flows.preview.noCustomer')}</option>}
          {choice.options.map((customer) => (
            <option key={customer.id} value={customer.id}>
              {customer.name ?? customer.email ?? customer.externalId ?? `#${customer.id}`}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}
