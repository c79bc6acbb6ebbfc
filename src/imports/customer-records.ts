/**
 * Customer files, one row per customer: the generic layout and Shopify's customers export
 * (Admin → Customers → Export: `Customer ID, First Name, Last Name, Email, Accepts Email Marketing,
 * Default Address Company, Default Address Address1, … Default Address Country Code, … Phone,
 * Accepts SMS Marketing, Total Spent, Total Orders, Note, Tax Exempt, Tags`).
 */
import { isTimeZone } from '../core/light.js';
import { type FieldSpec, normalizeHeader } from '../csv/index.js';
import type { RecordLayout, RowReader } from './import.record-reader.js';
import type { CustomerRecord } from './import.types.js';

/**
 * Generic: `customer_id` (the natural key; when blank the e-mail is used), `email`, `name` (or
 * `first_name` + `last_name`), `phone`, `language`, `country`, `time_zone`, `signed_up_at`,
 * `consent_email_marketing`, `consent_sms_marketing`; every other column is a free attribute.
 */
export const GENERIC_CUSTOMER_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer_id', 'external_id', 'id'], required: true },
  { field: 'email', headers: ['email'], required: false },
  { field: 'name', headers: ['name'], required: false },
  { field: 'first_name', headers: ['first_name'], required: false },
  { field: 'last_name', headers: ['last_name'], required: false },
  { field: 'phone', headers: ['phone'], required: false },
  { field: 'language', headers: ['language'], required: false },
  { field: 'country', headers: ['country'], required: false },
  { field: 'time_zone', headers: ['time_zone'], required: false },
  { field: 'signed_up_at', headers: ['signed_up_at', 'created_at'], required: false },
  { field: 'consent_email_marketing', headers: ['consent_email_marketing'], required: false },
  { field: 'consent_sms_marketing', headers: ['consent_sms_marketing'], required: false },
];

export const SHOPIFY_CUSTOMER_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer id', 'id'], required: true },
  { field: 'first_name', headers: ['first name'], required: true },
  { field: 'last_name', headers: ['last name'], required: true },
  { field: 'email', headers: ['email'], required: true },
  {
    field: 'consent_email_marketing',
    headers: ['accepts email marketing', 'accepts marketing'],
    required: false,
  },
  { field: 'consent_sms_marketing', headers: ['accepts sms marketing'], required: false },
  { field: 'phone', headers: ['phone'], required: false },
  { field: 'address_phone', headers: ['default address phone'], required: false },
  { field: 'country', headers: ['default address country code', 'country code'], required: false },
];

/** Shopify writes ids and phone numbers with a leading `'` so spreadsheets keep them as text. */
function unquote(text: string): string {
  return text.startsWith("'") ? text.slice(1) : text;
}

function joinName(first: string, last: string): string | null {
  const name = `${first} ${last}`.trim();
  return name === '' ? null : name;
}

/** A country as ISO 3166-1 alpha-2 (upper-cased), or a problem. */
function country(row: RowReader): string | null {
  const text = row.text('country').toUpperCase();
  if (text === '') return null;
  if (!/^[A-Z]{2}$/u.test(text)) {
    row.problem('country', 'invalid-country', `expected a 2-letter country code, got "${text}"`);
  }
  return text;
}

/** The `time_zone` column: blank, or an IANA zone name (`Europe/Paris`) — anything else is a problem. */
function timeZone(row: RowReader): string | null {
  const text = row.optional('time_zone');
  if (text !== null && !isTimeZone(text)) {
    row.problem('time_zone', 'invalid-time-zone', `"${text}" is not an IANA time zone (e.g. Europe/Paris)`);
  }
  return text;
}

export const genericCustomerLayout: RecordLayout<CustomerRecord> = {
  fields: GENERIC_CUSTOMER_FIELDS,
  read([row]) {
    if (row === undefined) return null;
    const email = row.email('email');
    const externalId = row.text('customer_id') || email || '';
    if (externalId === '')
      row.problem('customer_id', 'missing-value', 'the customer id is blank (and no e-mail)');
    const signedUpAt = row.instant('signed_up_at', false);
    const record: CustomerRecord = {
      externalId,
      email,
      name: row.optional('name') ?? joinName(row.text('first_name'), row.text('last_name')),
      phone: row.optional('phone'),
      language: row.optional('language'),
      country: country(row),
      timeZone: timeZone(row),
      signedUpAt,
      consentEmailMarketing: row.flag('consent_email_marketing'),
      consentSmsMarketing: row.flag('consent_sms_marketing'),
      attributes: row.extraColumns(),
    };
    return row.failed ? null : record;
  },
};

/**
 * Shopify: the customer's natural key is the lower-cased e-mail — the key Shopify's orders export
 * uses too (it has no customer id column), so customers and orders imported from Shopify meet.
 * A customer without an e-mail is keyed `shopify:<Customer ID>`. The Shopify id, the address and
 * the other columns are kept as attributes (`Customer ID`, `Default Address City`, `Tags`, …).
 */
export const shopifyCustomerLayout: RecordLayout<CustomerRecord> = {
  fields: SHOPIFY_CUSTOMER_FIELDS,
  read([row]) {
    if (row === undefined) return null;
    const shopifyId = unquote(row.text('customer_id'));
    const email = row.email('email');
    const externalId = email ?? (shopifyId === '' ? '' : `shopify:${shopifyId}`);
    if (externalId === '')
      row.problem('email', 'missing-value', 'the customer has neither an e-mail nor an id');
    const phone = unquote(row.text('phone')) || unquote(row.text('address_phone'));
    const attributes = row.extraColumns();
    if (shopifyId !== '') attributes['Customer ID'] = shopifyId;
    const record: CustomerRecord = {
      externalId,
      email,
      name: joinName(row.text('first_name'), row.text('last_name')),
      phone: phone === '' ? null : phone,
      language: null,
      country: country(row),
      timeZone: null,
      signedUpAt: null,
      consentEmailMarketing: row.flag('consent_email_marketing'),
      consentSmsMarketing: row.flag('consent_sms_marketing'),
      attributes,
    };
    return row.failed ? null : record;
  },
};

/** Shopify's customers export is recognised by these columns (the generic layout spells them with `_`). */
const SHOPIFY_CUSTOMER_SIGNATURE = ['first name', 'last name', 'email'];

/** `--format auto`: Shopify's customers export when its columns are there, else generic. */
export const autoCustomerLayout: RecordLayout<CustomerRecord> = {
  ...genericCustomerLayout,
  detect: (names) => {
    const normalized = new Set(names.map(normalizeHeader));
    return SHOPIFY_CUSTOMER_SIGNATURE.every((name) => normalized.has(name))
      ? shopifyCustomerLayout
      : genericCustomerLayout;
  },
};
