/**
 * The records an import writes: one per customer, order, subscription or event, with every field
 * the store keeps (the columnar readers of `orders-csv.ts` keep only what analytics needs). Money is
 * integer cents, instants epoch milliseconds, `null` means "not given".
 */
import type { DateFormat, DecimalSeparator, Delimiter } from '../csv/index.js';
import type { OrderStatus, SubscriptionInterval, SubscriptionStatus } from '../db/index.js';

/** What a file holds. */
export type ImportType = 'customers' | 'orders' | 'subscriptions' | 'events';
/**
 * Which tool wrote it; `auto` recognises it by its header, with the same detection as
 * `retain analyze` (`detectOrderLayout`, `detectSubscriptionLayout`), generic when nothing matches.
 */
export type ImportFormat = 'auto' | 'generic' | 'shopify' | 'stripe';

export const IMPORT_TYPES: readonly ImportType[] = ['customers', 'orders', 'subscriptions', 'events'];
export const IMPORT_FORMATS: readonly ImportFormat[] = ['auto', 'generic', 'shopify', 'stripe'];

/**
 * How to read a file whose dialect or columns differ from the layout's (`retain import --delimiter
 * --decimal --date-format --map`, the API's `delimiter`, `decimal`, `dateFormat`, `map`). Each
 * dialect part left out is detected from the file's start (`readDialect`).
 */
export interface ImportReadOptions {
  readonly delimiter?: Delimiter | undefined;
  readonly decimal?: DecimalSeparator | undefined;
  readonly dateFormat?: DateFormat | undefined;
  /** Logical field → the file's column for it (e.g. `{ customer_id: 'Email' }`). */
  readonly map?: Readonly<Record<string, string>> | undefined;
}

/** A customer referenced by another record: created when missing (external id = id or e-mail). */
export interface CustomerReference {
  readonly externalId: string;
  /** Set on a customer created from the reference. */
  readonly email: string | null;
}

export interface CustomerRecord {
  readonly externalId: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly phone: string | null;
  readonly language: string | null;
  readonly country: string | null;
  readonly timeZone: string | null;
  readonly signedUpAt: number | null;
  readonly consentEmailMarketing: boolean;
  readonly consentSmsMarketing: boolean;
  /** Every other column of the file, by header name; blank values left out. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface OrderItemRecord {
  readonly productId: string | null;
  readonly productName: string | null;
  readonly category: string | null;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface OrderRecord {
  readonly externalId: string;
  readonly customer: CustomerReference;
  readonly orderedAt: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Net of discounts, excluding tax and shipping (schema.ts). */
  readonly amountCents: number;
  readonly status: OrderStatus;
  /** `csv`, `shopify` or `stripe`. */
  readonly source: string;
  readonly items: readonly OrderItemRecord[];
  /**
   * The refund that counts (0 = none: a pending or cancelled order's refund never counted); stored
   * as one `refund` row keyed `<order external id>:refund`.
   */
  readonly refundedCents: number;
  readonly refundedAt: number | null;
}

export interface SubscriptionRecord {
  readonly externalId: string;
  readonly customer: CustomerReference;
  readonly plan: string | null;
  readonly interval: SubscriptionInterval;
  readonly intervalCount: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: SubscriptionStatus;
  readonly trialStart: number | null;
  readonly trialEnd: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly cancelledAt: number | null;
  readonly currentPeriodEnd: number | null;
  /** When it became past due: the 14-day grace of metrics.md §1 runs from here. */
  readonly pastDueSince: number | null;
}

export interface EventRecord {
  /** The file's message id, or one derived from the row's content (see event-records.ts). */
  readonly messageId: string;
  readonly customer: CustomerReference | null;
  readonly userId: string | null;
  readonly anonymousId: string | null;
  readonly name: string;
  readonly occurredAt: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The record type of each import type. */
export interface RecordOf {
  customers: CustomerRecord;
  orders: OrderRecord;
  subscriptions: SubscriptionRecord;
  events: EventRecord;
}
