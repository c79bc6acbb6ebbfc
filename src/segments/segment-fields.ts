/**
 * The fields a segment rule can test, with the operators each one takes: the one definition the
 * validator (segment-rule.ts), the SQL compiler (segment-sql.ts), `GET /segments/fields` and
 * docs/api.md ("The rule language") follow.
 *
 * Kinds, which decide the operand shapes and how a condition compiles:
 * - `text`, `flag`, `instant`, `number`, `enum`: a column of the customer (or of its score);
 * - `count`, `money`: an aggregate over the customer's completed orders (never unset: 0 without any);
 * - `purchase`: "bought a line whose product id / name / category matches";
 * - `event` / `event_count`: events tracked for the customer, by name;
 * - `subscription`: the customer's subscription state;
 * - `segment`: membership of other segments;
 * - `attribute`: a key of the customer's free attributes (`attributes.<key>`), typed by the value.
 */

/** Every operator of the language. */
export const OPERATORS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'between',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'is_set',
  'is_not_set',
  'before',
  'after',
  'within_last',
  'more_than_ago',
  'done',
  'not_done',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type FieldKind =
  | 'text'
  | 'flag'
  | 'instant'
  | 'number'
  | 'enum'
  | 'count'
  | 'money'
  | 'purchase'
  | 'event'
  | 'event_count'
  | 'subscription'
  | 'segment'
  | 'attribute';

export type FieldFamily =
  | 'profile'
  | 'purchases'
  | 'engagement'
  | 'predictions'
  | 'subscription'
  | 'segments';

/** What a field is and what it takes. */
export interface FieldDefinition {
  /** As written in a condition's `field` (`attributes.<key>` for attributes). */
  readonly name: string;
  readonly family: FieldFamily;
  readonly kind: FieldKind;
  /** The operators it accepts, in the order they are listed to people. */
  readonly operators: readonly Operator[];
  /** Whether a `window` (the orders or events of a period) may narrow it. */
  readonly window: boolean;
  /** For `enum` fields: the values it can hold. */
  readonly values?: readonly string[];
  /** For numbers: whole numbers only (counts, cents), and the range a value may take. */
  readonly integer?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  /** For text: a pattern the value must match (country codes), and whether it is upper-cased. */
  readonly pattern?: RegExp;
  readonly upperCase?: boolean;
  /**
   * What a number measures, so an editor can show it in people's terms: `cents` (an amount of the
   * workspace's currency, shown in units) or `probability` (0–1, shown as a percentage).
   */
  readonly unit?: 'cents' | 'probability';
  /** One sentence for people (the API document and the builder page show it). */
  readonly description: string;
}

const TEXT_OPERATORS: readonly Operator[] = [
  '=',
  '!=',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'is_set',
  'is_not_set',
];
const CODE_OPERATORS: readonly Operator[] = ['=', '!=', 'in', 'not_in', 'is_set', 'is_not_set'];
const INSTANT_OPERATORS: readonly Operator[] = [
  'before',
  'after',
  'between',
  'within_last',
  'more_than_ago',
  'is_set',
  'is_not_set',
];
const COMPARISONS: readonly Operator[] = ['=', '!=', '<', '<=', '>', '>=', 'between'];
const NUMBER_OPERATORS: readonly Operator[] = [...COMPARISONS, 'is_set', 'is_not_set'];
const PURCHASE_OPERATORS: readonly Operator[] = [
  '=',
  '!=',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
];

/** The named RFM segments (docs/metrics.md §6), as the scores store them. */
export const RFM_SEGMENTS = [
  'Champions',
  'Loyal customers',
  'Potential loyalists',
  'New customers',
  'Promising',
  'Need attention',
  'About to sleep',
  'At risk',
  "Can't lose them",
  'Hibernating',
] as const;

/** A customer's subscription state (see `subscription_status`). */
export const SUBSCRIPTION_STATES = ['active', 'cancelled', 'none'] as const;

/** Largest amount in cents a condition may name (10^13 cents = 100 billion in the currency). */
const MAX_CENTS = 10_000_000_000_000;
/** Largest count a condition may name. */
const MAX_COUNT = 1_000_000_000;

const FIELD_LIST: readonly FieldDefinition[] = [
  // Profile
  {
    name: 'country',
    family: 'profile',
    kind: 'text',
    operators: CODE_OPERATORS,
    window: false,
    pattern: /^[A-Za-z]{2}$/,
    upperCase: true,
    description: 'ISO 3166-1 alpha-2 country code (compared upper-cased).',
  },
  {
    name: 'language',
    family: 'profile',
    kind: 'text',
    operators: TEXT_OPERATORS,
    window: false,
    description: 'BCP 47 language tag as stored, e.g. `fr-CA` (`starts_with` `fr` finds every French).',
  },
  {
    name: 'email',
    family: 'profile',
    kind: 'text',
    operators: TEXT_OPERATORS,
    window: false,
    description: 'E-mail address (`is_set`: the customer has one).',
  },
  {
    name: 'time_zone',
    family: 'profile',
    kind: 'text',
    operators: CODE_OPERATORS,
    window: false,
    description: 'IANA time zone, e.g. `Europe/Paris`.',
  },
  {
    name: 'consent_email_marketing',
    family: 'profile',
    kind: 'flag',
    operators: ['=', '!='],
    window: false,
    description: 'Consented to marketing e-mail (`true` / `false`).',
  },
  {
    name: 'consent_sms_marketing',
    family: 'profile',
    kind: 'flag',
    operators: ['=', '!='],
    window: false,
    description: 'Consented to marketing SMS (`true` / `false`).',
  },
  {
    name: 'signed_up_at',
    family: 'profile',
    kind: 'instant',
    operators: INSTANT_OPERATORS,
    window: false,
    description: 'When the customer signed up (as imported or identified).',
  },
  {
    name: 'created_at',
    family: 'profile',
    kind: 'instant',
    operators: INSTANT_OPERATORS,
    window: false,
    description: 'When Retain first stored the customer.',
  },
  // Purchase history: completed orders; refunds subtract from the amounts.
  {
    name: 'orders_count',
    family: 'purchases',
    kind: 'count',
    operators: COMPARISONS,
    window: true,
    integer: true,
    minimum: 0,
    maximum: MAX_COUNT,
    description: 'Number of completed orders (in the window, when one is given).',
  },
  {
    name: 'total_spent_cents',
    unit: 'cents',
    family: 'purchases',
    kind: 'money',
    operators: COMPARISONS,
    window: true,
    integer: true,
    minimum: -MAX_CENTS,
    maximum: MAX_CENTS,
    description:
      'Net amount spent, in cents: completed orders minus refunds (ordered / refunded in the window, when one is given).',
  },
  {
    name: 'average_order_value_cents',
    unit: 'cents',
    family: 'purchases',
    kind: 'number',
    operators: NUMBER_OPERATORS,
    window: true,
    minimum: -MAX_CENTS,
    maximum: MAX_CENTS,
    description:
      'Mean amount of the completed orders, in cents, before refunds; unset without orders (in the window).',
  },
  {
    name: 'first_order_at',
    family: 'purchases',
    kind: 'instant',
    operators: INSTANT_OPERATORS,
    window: false,
    description: 'When the first completed order was placed; unset without orders.',
  },
  {
    name: 'last_order_at',
    family: 'purchases',
    kind: 'instant',
    operators: INSTANT_OPERATORS,
    window: false,
    description:
      'When the latest completed order was placed; unset without orders (`more_than_ago` `{ "days": 90 }`: lapsed for 90 days).',
  },
  {
    name: 'bought_product',
    family: 'purchases',
    kind: 'purchase',
    operators: PURCHASE_OPERATORS,
    window: true,
    description:
      'A completed order has a line with this product id (`!=` / `not_in`: none has; in the window, when one is given).',
  },
  {
    name: 'bought_product_name',
    family: 'purchases',
    kind: 'purchase',
    operators: PURCHASE_OPERATORS,
    window: true,
    description: 'A completed order has a line with this product name (e.g. `contains` `gift card`).',
  },
  {
    name: 'bought_category',
    family: 'purchases',
    kind: 'purchase',
    operators: PURCHASE_OPERATORS,
    window: true,
    description: 'A completed order has a line in this category.',
  },
  // Engagement
  {
    name: 'event',
    family: 'engagement',
    kind: 'event',
    operators: ['done', 'not_done'],
    window: true,
    description:
      'An event of this name was tracked for the customer (`not_done`: none was), in the window when one is given.',
  },
  {
    name: 'event_count',
    family: 'engagement',
    kind: 'event_count',
    operators: COMPARISONS,
    window: true,
    integer: true,
    minimum: 0,
    maximum: MAX_COUNT,
    description: 'How many events named by the condition’s `event` were tracked (in the window).',
  },
  {
    name: 'last_event_at',
    family: 'engagement',
    kind: 'instant',
    operators: INSTANT_OPERATORS,
    window: false,
    description: 'When the latest event of any name was tracked for the customer; unset without events.',
  },
  // Predictions (the stored scores; unset for a customer not scored yet)
  {
    name: 'at_risk_score',
    family: 'predictions',
    kind: 'number',
    operators: NUMBER_OPERATORS,
    window: false,
    minimum: 0,
    maximum: 100,
    description: 'At-risk score, 0–100, higher = more at risk (docs/metrics.md §7).',
  },
  {
    name: 'p_alive',
    unit: 'probability',
    family: 'predictions',
    kind: 'number',
    operators: NUMBER_OPERATORS,
    window: false,
    minimum: 0,
    maximum: 1,
    description: 'Probability the customer is still active, 0–1 (BG/NBD, docs/metrics.md §5).',
  },
  {
    name: 'predicted_clv_cents',
    unit: 'cents',
    family: 'predictions',
    kind: 'number',
    operators: NUMBER_OPERATORS,
    window: false,
    minimum: -MAX_CENTS,
    maximum: MAX_CENTS,
    description: 'Predicted lifetime value over the model’s horizon, in cents (docs/metrics.md §5).',
  },
  {
    name: 'rfm_segment',
    family: 'predictions',
    kind: 'enum',
    operators: CODE_OPERATORS,
    window: false,
    values: RFM_SEGMENTS,
    description: 'Named RFM segment (docs/metrics.md §6).',
  },
  // Subscription
  {
    name: 'subscription_status',
    family: 'subscription',
    kind: 'subscription',
    operators: ['=', '!=', 'in', 'not_in'],
    window: false,
    values: SUBSCRIPTION_STATES,
    description:
      '`active`: a subscription trialing, active, past due or paused; `cancelled`: subscriptions, none of them so; `none`: no subscription.',
  },
  // Other segments
  {
    name: 'segment',
    family: 'segments',
    kind: 'segment',
    operators: ['in', 'not_in'],
    window: false,
    description:
      'A member of any of these segments (ids; `not_in`: of none of them), as of their latest recompute.',
  },
];

/**
 * The fields by name. A `Map`, so that no name can reach `Object.prototype` (`constructor`,
 * `__proto__` are unknown fields like any other).
 */
export const FIELDS: ReadonlyMap<string, FieldDefinition> = new Map(
  FIELD_LIST.map((field) => [field.name, field]),
);

/** Prefix of an attribute field: `attributes.<key>`. */
export const ATTRIBUTE_PREFIX = 'attributes.';

/** The definition shared by every `attributes.<key>` field. */
export const ATTRIBUTE_FIELD: FieldDefinition = {
  name: 'attributes.<key>',
  family: 'profile',
  kind: 'attribute',
  operators: [
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'between',
    'in',
    'not_in',
    'contains',
    'starts_with',
    'ends_with',
    'is_set',
    'is_not_set',
  ],
  window: false,
  description:
    'A top-level key of the customer’s attributes. The value decides the comparison: text compares JSON strings, a number JSON numbers, `true` / `false` JSON booleans; `is_set`: present and not null.',
};

/**
 * Which attribute keys a rule may name: 1–100 characters, none of them a control character, `"`
 * or `\` (they would need escaping inside SQLite's JSON path; the key reaches the database only as
 * a bound parameter).
 */
export function isAttributeKey(key: string): boolean {
  if (key.length < 1 || key.length > 100) return false;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x22 /* " */ || code === 0x5c /* \ */) return false;
  }
  return true;
}

/** Every field in the catalogue's order, attributes last (for `GET /segments/fields` and docs). */
export function listFields(): readonly FieldDefinition[] {
  return [...FIELD_LIST, ATTRIBUTE_FIELD];
}
