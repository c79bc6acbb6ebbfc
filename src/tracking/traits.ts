/**
 * Maps Segment identify traits (Segment's "Identify" spec, reserved traits) onto the customer
 * table's columns; every other trait becomes a free attribute.
 */
import { isSupportedInstant, isTimeZone } from '../core/index.js';
import type { CustomerInput } from '../customers/index.js';

/** The profile fields an identify call may set; an absent key leaves the stored value alone. */
export type CustomerProfileColumns = {
  -readonly [Key in
    | 'email'
    | 'name'
    | 'phone'
    | 'language'
    | 'country'
    | 'timeZone'
    | 'signedUpAt']?: NonNullable<CustomerInput[Key]>;
};

/** Traits consumed by a column (they do not also go to attributes). */
const MAPPED_TRAITS = new Set([
  'email',
  'name',
  'firstName',
  'lastName',
  'phone',
  'createdAt',
  'language',
  'timezone',
]);

/**
 * Splits identify `traits` (and the call's `context`) into customer columns and attributes:
 * `email` (trimmed, lower-cased), `name` (else `firstName` + `lastName`), `phone`, `createdAt` →
 * `signedUpAt` (ISO instant), `language` (else `context.locale`), `country` (a two-letter
 * `traits.country` or `traits.address.country`, upper-cased), `timezone` (else
 * `context.timezone`, an IANA zone the runtime knows). A reserved trait whose value has the wrong
 * type, or that does not parse, is kept as an attribute instead, so nothing sent is lost.
 *
 * O(number of traits). Example:
 * `mapTraits({ email: 'A@B.co', plan: 'pro' }, {})` → `{ columns: { email: 'a@b.co' }, attributes: { plan: 'pro' } }`.
 */
export function mapTraits(
  traits: Readonly<Record<string, unknown>>,
  context: Readonly<Record<string, unknown>>,
): { columns: CustomerProfileColumns; attributes: Record<string, unknown> } {
  const columns: CustomerProfileColumns = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(traits)) {
    if (!MAPPED_TRAITS.has(key)) attributes[key] = value;
  }
  const keep = (key: string): void => {
    if (traits[key] !== undefined) attributes[key] = traits[key];
  };

  const email = traits.email;
  if (typeof email === 'string' && email.trim() !== '') columns.email = email.trim().toLowerCase();
  else keep('email');

  const { name, firstName, lastName } = traits;
  if (typeof name === 'string' && name.trim() !== '') {
    columns.name = name.trim();
    keep('firstName');
    keep('lastName');
  } else {
    keep('name');
    const parts = [firstName, lastName].filter(
      (part): part is string => typeof part === 'string' && part.trim() !== '',
    );
    if (parts.length > 0) columns.name = parts.map((part) => part.trim()).join(' ');
    if (typeof firstName !== 'string') keep('firstName');
    if (typeof lastName !== 'string') keep('lastName');
  }

  if (typeof traits.phone === 'string' && traits.phone.trim() !== '') columns.phone = traits.phone.trim();
  else keep('phone');

  const createdAt = typeof traits.createdAt === 'string' ? Date.parse(traits.createdAt) : Number.NaN;
  // A sign-up date outside the supported dates (core/limits.ts) stays a plain attribute.
  if (isSupportedInstant(createdAt)) columns.signedUpAt = createdAt;
  else keep('createdAt');

  const language = typeof traits.language === 'string' ? traits.language : context.locale;
  if (typeof language === 'string' && /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(language)) {
    columns.language = language.replace(/_/g, '-');
  } else keep('language');

  const address = traits.address;
  const addressCountry =
    typeof address === 'object' && address !== null
      ? (address as Record<string, unknown>).country
      : undefined;
  const country = typeof traits.country === 'string' ? traits.country : addressCountry;
  if (typeof country === 'string' && /^[A-Za-z]{2}$/.test(country)) columns.country = country.toUpperCase();

  const timeZone = typeof traits.timezone === 'string' ? traits.timezone : context.timezone;
  if (typeof timeZone === 'string' && isTimeZone(timeZone)) columns.timeZone = timeZone;
  else keep('timezone');

  return { columns, attributes };
}
