/**
 * The row types of every table, for Kysely's type checking. Keep in step with the migrations in
 * `migrations/`. Conventions (see `dialect.ts`): `*_at` columns are epoch milliseconds, `*_cents`
 * are integer cents, JSON columns are `JsonText`, flags are 0/1.
 *
 * Every table but `workspace` carries `workspace_id`, which leads its primary key, its unique
 * constraints and its foreign keys, so that the schema can be distributed by workspace (Citus).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { JsonText } from './dialect.js';

/** A JSON column: written and read as `JsonText` (use `toJson` / `fromJson`). */
type Json<T> = JsonText<T>;
/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
/**
 * A row id: an integer the database allocates (SQLite's rowid, a PostgreSQL identity), optional
 * on insert; never changed afterwards. Crosses the HTTP API as a decimal string.
 */
export type RowId = number;
type Id = Generated<RowId>;

/** Per-workspace settings kept in `workspace.settings` (missing keys take the documented defaults). */
export interface WorkspaceSettings {
  /** IANA time zone in which periods are cut (default `UTC`). */
  readonly timeZone: string;
  /** W in metrics.md §1: a customer is active with an order in the last W days (default 365). */
  readonly activityWindowDays: number;
  /** First day of a week for weekly periods (default `monday`). */
  readonly weekStart: 'monday' | 'sunday';
  /** ISO 4217 code amounts are reported in (default `USD`). */
  readonly currency: string;
  /**
   * What tracking does with data sent later under the external id of an erased customer:
   * `new_customer` (default) starts a new customer; `refuse` rejects those messages, for
   * identities erased while this setting is on (their SHA-256 is kept in `erased_identity`).
   */
  readonly erasedIdentities: 'new_customer' | 'refuse';
}

export interface WorkspaceTable {
  id: Id;
  name: string;
  /** Unique across the installation; used in URLs. */
  slug: string;
  settings: Json<Partial<WorkspaceSettings>>;
  /** SHA-256 (hex) of the tracking write key; the key itself is shown once and never stored. */
  write_key_hash: string;
  /** The key's first characters, shown in the UI so people can tell keys apart. */
  write_key_prefix: string;
  created_at: number;
  updated_at: number;
}

export type UserRole = 'owner' | 'admin' | 'analyst' | 'marketer' | 'agent';

export interface AppUserTable {
  workspace_id: RowId;
  id: Id;
  /** Stored lower-cased; unique per workspace. */
  email: string;
  name: string | null;
  /** Argon2id PHC string; null until the invited user sets a password. */
  password_hash: string | null;
  role: UserRole;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** Users are disabled, not deleted: api keys and audit entries keep pointing at them. */
  disabled_at: number | null;
}

export interface SessionTable {
  workspace_id: RowId;
  /** SHA-256 (hex) of the session token: the database never holds a usable token. */
  id: string;
  user_id: RowId;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}

/**
 * A workspace the login of a session proved the password for (migration 005): the session may
 * switch into it without asking again, as `user_id`, while that account is enabled.
 */
export interface SessionGrantTable {
  workspace_id: RowId;
  id: Id;
  /** The session's id (SHA-256 of its token), whichever workspace the session is in now. */
  session_id: string;
  user_id: RowId;
  created_at: number;
  expires_at: number;
}

export interface ApiKeyTable {
  workspace_id: RowId;
  id: Id;
  name: string;
  /** SHA-256 (hex) of the secret key. */
  key_hash: string;
  /** The key's first characters, shown in lists. */
  key_prefix: string;
  /** Granted scopes, e.g. `["customers:read"]`. */
  scopes: Json<string[]>;
  created_by: RowId | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CustomerTable {
  workspace_id: RowId;
  id: Id;
  /** The customer's id in the source system; unique per workspace when present. */
  external_id: string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  /** BCP 47 tag, e.g. `fr-CA`. */
  language: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** IANA zone, for sending at local times. */
  time_zone: string | null;
  /** Free-form attributes used for segments and cohort breakdowns. */
  attributes: Defaulted<Json<Record<string, unknown>>>;
  consent_email_marketing: Defaulted<0 | 1>;
  consent_sms_marketing: Defaulted<0 | 1>;
  consent_updated_at: number | null;
  signed_up_at: number | null;
  created_at: number;
  updated_at: number;
  /** Set when personal data was erased on request; the row stays for aggregate counts. */
  erased_at: number | null;
}

/** Lifecycle of an order. Refunds are rows of `refund`, not a status. */
export type OrderStatus = 'pending' | 'completed' | 'cancelled';

export interface CustomerOrderTable {
  workspace_id: RowId;
  id: Id;
  external_id: string | null;
  customer_id: RowId;
  ordered_at: number;
  /** ISO 4217. */
  currency: string;
  /** Order total net of discounts, excluding tax and shipping, in cents. */
  amount_cents: number;
  status: Defaulted<OrderStatus>;
  /** Where the order came from, e.g. `csv`, `api`, `shopify`. */
  source: string | null;
  created_at: number;
  updated_at: number;
}

export interface OrderItemTable {
  workspace_id: RowId;
  id: Id;
  order_id: RowId;
  /** 1-based position of the line in its order; unique per order (a line's identity). */
  line: number;
  product_id: string | null;
  product_name: string | null;
  category: string | null;
  quantity: Defaulted<number>;
  unit_price_cents: number;
}

export interface RefundTable {
  workspace_id: RowId;
  id: Id;
  external_id: string | null;
  order_id: RowId;
  customer_id: RowId;
  refunded_at: number;
  currency: string;
  /** Positive amount refunded, in cents. */
  amount_cents: number;
  reason: string | null;
  created_at: number;
}

export type SubscriptionInterval = 'day' | 'week' | 'month' | 'year';
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'paused' | 'cancelled' | 'ended';

export interface SubscriptionTable {
  workspace_id: RowId;
  id: Id;
  external_id: string | null;
  customer_id: RowId;
  plan: string | null;
  interval: SubscriptionInterval;
  interval_count: Defaulted<number>;
  /** Price per billing interval, net of discounts, excluding tax, in cents. */
  amount_cents: number;
  currency: string;
  status: SubscriptionStatus;
  trial_start: number | null;
  trial_end: number | null;
  /** Start of the first paid period. */
  started_at: number | null;
  /** End of the paid coverage (for a cancelled subscription: the end of its paid period). */
  ended_at: number | null;
  /** When the customer asked to cancel. */
  cancelled_at: number | null;
  current_period_end: number | null;
  /** When the subscription became past due (metrics.md §1 grace period). */
  past_due_since: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventTable {
  workspace_id: RowId;
  id: Id;
  /** The sender's deduplication id; unique per workspace. */
  message_id: string | null;
  /** Resolved customer, when known. */
  customer_id: RowId | null;
  /** The sender's user id (a customer's external id). */
  user_id: string | null;
  anonymous_id: string | null;
  name: string;
  properties: Defaulted<Json<Record<string, unknown>>>;
  occurred_at: number;
  received_at: number;
}

/** A Segment group (an account or company), by its `groupId` (migration 004). */
export interface CustomerGroupTable {
  workspace_id: RowId;
  id: Id;
  /** The sender's `groupId`; unique per workspace. */
  external_id: string;
  /** `traits.name` when it is a string. */
  name: string | null;
  /** Every trait sent, merged key by key (a later call wins). */
  traits: Defaulted<Json<Record<string, unknown>>>;
  created_at: number;
  updated_at: number;
}

/** A customer grouped with a group (`group` call with a userId). */
export interface CustomerGroupMemberTable {
  workspace_id: RowId;
  id: Id;
  group_id: RowId;
  customer_id: RowId;
  created_at: number;
  updated_at: number;
}

/** An identity merged into a customer by an `alias` call: its `previousId`. */
export interface CustomerAliasTable {
  workspace_id: RowId;
  id: Id;
  /** Unique per workspace: one identity names one customer. */
  alias: string;
  customer_id: RowId;
  created_at: number;
}

/** The SHA-256 of an erased external id (workspace setting `erasedIdentities: 'refuse'`). */
export interface ErasedIdentityTable {
  workspace_id: RowId;
  id: Id;
  identity_hash: string;
  erased_at: number;
}

/** A saved rule tree (migration 007; the rule language: docs/api.md, "Segments"). */
export interface SegmentTable {
  workspace_id: RowId;
  id: Id;
  /** Unique per workspace. */
  name: string;
  /** The rule tree as given (validated by segments/segment-rule.ts before it is stored). */
  rule: Json<unknown>;
  /** Bumped on every rule change: a recompute started for an older version stops. */
  version: Defaulted<number>;
  /** The version the stored membership was last fully computed for; null before the first. */
  computed_version: number | null;
  computed_at: number | null;
  /** Rows of `segment_membership` of this segment (kept exact by every recompute step). */
  member_count: Defaulted<number>;
  /** The member who created it (not a foreign key: members may go). */
  created_by: RowId | null;
  created_at: number;
  updated_at: number;
}

/** Who is in a segment now, since when (written only by the recompute). */
export interface SegmentMembershipTable {
  workspace_id: RowId;
  segment_id: RowId;
  customer_id: RowId;
  entered_at: number;
}

export type SegmentEventKind = 'entered' | 'exited';

/** Append-only: one row per customer entering or leaving a segment, read by flows in id order. */
export interface SegmentEventTable {
  workspace_id: RowId;
  id: Id;
  segment_id: RowId;
  customer_id: RowId;
  kind: SegmentEventKind;
  at: number;
}

export type SurveyKindColumn = 'csat' | 'nps' | 'form';
export type SurveySendDelivery = 'link' | 'queued' | 'duplicate' | 'skipped';
export type SurveyResponseSource = 'link' | 'page' | 'api';

/** A CSAT, NPS or custom-form survey (migration 014; src/feedback). */
export interface SurveyTable {
  workspace_id: RowId;
  id: Id;
  /** Unique per workspace. */
  name: string;
  kind: SurveyKindColumn;
  /** The definition as validated by feedback/feedback.schemas.ts (core `SurveyDefinition`). */
  definition: Json<unknown>;
  /** The member who created it (not a foreign key: members may go). */
  created_by: RowId | null;
  created_at: number;
  updated_at: number;
}

/** The workspace's key for signed survey links (one per workspace, made on first use). */
export interface FeedbackSigningKeyTable {
  workspace_id: RowId;
  id: Id;
  /** 256 random bits, base64url: the HMAC-SHA256 key. */
  secret: string;
  created_at: number;
}

/** One survey sent to one customer. */
export interface SurveySendTable {
  workspace_id: RowId;
  id: Id;
  survey_id: RowId;
  customer_id: RowId;
  /** Unique per workspace when set: a retried send with the same key is the same send. */
  dedupe_key: string | null;
  /** Where the send came from: `{ kind: 'api' | 'segment' | 'flow' | …, … }`. */
  origin: Json<Record<string, unknown>>;
  /** The segment of a segment send (not a foreign key: the segment may go). */
  segment_id: RowId | null;
  /** `link`: no e-mail (the link is handed out); else what the e-mail module answered. */
  delivery: SurveySendDelivery;
  delivery_reason: string | null;
  /** The e-mail's message id, when one was queued. */
  message_id: string | null;
  sent_at: number;
}

/** The current answer of a send (at most one per send). */
export interface SurveyResponseTable {
  workspace_id: RowId;
  id: Id;
  send_id: RowId;
  survey_id: RowId;
  customer_id: RowId;
  /** CSAT 0–1 or 1–5, NPS 0–10; null for a form or an unrated answer. */
  rating: number | null;
  /** 1 for CSAT not satisfied or NPS 0–6: what raises the at-risk score. */
  negative: Defaulted<0 | 1>;
  comment: string | null;
  reason: string | null;
  /** A form's answers by question id. */
  answers: Json<Record<string, unknown>>;
  source: SurveyResponseSource;
  /** 1 for the first answer, +1 for each change. */
  revision: Defaulted<number>;
  /** When the first version was given. */
  answered_at: number;
  /** When the current version was given. */
  updated_at: number;
}

/** Why an answer was logged for flows: first given, or changed to a negative one (migration 019). */
export type SurveyAnswerChange = 'answered' | 'turned_negative';

/** Append-only: the answers that may start a flow (`survey_answered` triggers read them by id). */
export interface SurveyAnswerEventTable {
  workspace_id: RowId;
  id: Id;
  send_id: RowId;
  survey_id: RowId;
  customer_id: RowId;
  /** The survey's kind: `csat`, `nps` or `form`. */
  kind: string;
  /** The rating recorded at that moment (null: a form or an unrated answer). */
  rating: number | null;
  /** 1 for CSAT not satisfied or NPS 0–6 (metrics.md §8). */
  negative: 0 | 1;
  change: SurveyAnswerChange;
  at: number;
}

/** An earlier version of an answer, kept when the customer changed it (append-only). */
export interface SurveyResponseHistoryTable {
  workspace_id: RowId;
  id: Id;
  response_id: RowId;
  revision: number;
  rating: number | null;
  comment: string | null;
  reason: string | null;
  answers: Json<Record<string, unknown>>;
  source: SurveyResponseSource;
  /** When this version was given. */
  answered_at: number;
  /** When a later version replaced it. */
  replaced_at: number;
}

/** One of a workspace's change counters (migration 006; customers/data-version.repository.ts). */
export interface DataVersionTable {
  workspace_id: RowId;
  /** 0 … DATA_VERSION_SLOTS − 1. */
  slot: number;
  /** Changes counted on this slot; the workspace's data version is the sum over its slots. */
  changes: number;
}

/** The last computed answer of one analytics query (migration 006; analytics/analytics-runner.ts). */
export interface AnalyticsAnswerTable {
  workspace_id: RowId;
  /** The runner's key of the query, without the workspace: endpoint and normalized parameters. */
  answer_key: string;
  /** The version of the workspace's settings and data the answer was computed for. */
  version: string;
  computed_at: number;
  /** The answer's JSON text, sent as is. */
  answer: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'dead';

export interface JobTable {
  workspace_id: RowId;
  id: Id;
  type: string;
  payload: Json<unknown>;
  status: Defaulted<JobStatus>;
  /** Number of times the job was claimed (started). */
  attempts: Defaulted<number>;
  max_attempts: number;
  /** Not claimable before this instant. */
  run_at: number;
  locked_by: string | null;
  /** End of the current lease; a running job whose lease ended is claimable again. */
  locked_until: number | null;
  last_error: string | null;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export type AuditActorType = 'user' | 'api_key' | 'system';

export interface AuditLogTable {
  workspace_id: RowId;
  id: Id;
  actor_type: AuditActorType;
  /** The user's or API key's id in decimal (text: the column names entities of several kinds). */
  actor_id: string | null;
  /** What happened, e.g. `customer.erased`. */
  action: string;
  /** The entity's table or kind, e.g. `customer`. */
  entity: string | null;
  entity_id: string | null;
  details: Defaulted<Json<Record<string, unknown>>>;
  at: number;
}

/** Per-workspace e-mail settings (migration 010; null columns take the documented defaults). */
export interface EmailSettingsTable {
  workspace_id: RowId;
  from_address: string | null;
  from_name: string | null;
  reply_to: string | null;
  /** The SMTP URL overriding `SMTP_URL`, AES-256-GCM under the install key (email/email-crypto.ts). */
  smtp_url_encrypted: string | null;
  max_per_day: number | null;
  max_per_week: number | null;
  /** `HH:MM` in the customer's time zone; both null: the defaults, both `''`: no quiet hours. */
  quiet_start: string | null;
  quiet_end: string | null;
  track_opens: Defaulted<0 | 1>;
  track_clicks: Defaulted<0 | 1>;
  /** 256 random bits (base64url) signing the workspace's unsubscribe, open and click links. */
  signing_secret: string;
  updated_at: number;
}

export type EmailCategory = 'marketing' | 'transactional';
export type EmailStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'outbox'
  | 'bounced'
  | 'failed'
  | 'skipped'
  | 'unknown';

/** One e-mail Retain was asked to send (migration 010; the life cycle: src/email/index.ts). */
export interface EmailMessageTable {
  workspace_id: RowId;
  id: Id;
  customer_id: RowId;
  /** Unique per workspace: the same key is never queued twice (e.g. `flow:<run>:<step>`). */
  dedupe_key: string;
  category: EmailCategory;
  origin_kind: string | null;
  /** The flow of a flow step (for the flow report's counts). */
  origin_flow_id: string | null;
  origin: Json<Record<string, unknown>> | null;
  status: EmailStatus;
  skip_reason: string | null;
  /** Null once the customer is erased (as are the contents). */
  to_address: string | null;
  from_address: string | null;
  subject: string | null;
  html: string | null;
  text_body: string | null;
  /** Not sent before this instant (`notBefore`, quiet hours). */
  send_after: number;
  attempts: Defaulted<number>;
  /** While `sending`: the end of the sender's lease; past it the outcome is unknown. */
  sending_until: number | null;
  sent_at: number | null;
  smtp_message_id: string | null;
  smtp_response: string | null;
  last_error: string | null;
  opened_at: number | null;
  clicked_at: number | null;
  unsubscribed_at: number | null;
  created_at: number;
  updated_at: number;
}

export type SuppressionReason = 'unsubscribe' | 'hard_bounce' | 'complaint' | 'manual';

/** An address never to be mailed again, by the SHA-256 of its normalised form (outlives erasure). */
export interface EmailSuppressionTable {
  workspace_id: RowId;
  id: Id;
  address_hash: string;
  reason: SuppressionReason;
  /** How it came: `one_click`, `unsubscribe_page`, `smtp`, `api`. */
  source: string;
  created_at: number;
}

/** One change of a customer's e-mail marketing consent: when, which way, how. */
export interface EmailConsentTable {
  workspace_id: RowId;
  id: Id;
  customer_id: RowId;
  granted: 0 | 1;
  /** `api`, `import`, `unsubscribe_link`, `one_click`, `erasure`. */
  source: string;
  message_id: RowId | null;
  detail: string | null;
  at: number;
}

/** The kinds of ledger entry (migration 012). */
export type LoyaltyEntryKind = 'earn' | 'redeem' | 'expire' | 'adjust' | 'reverse';

/** A workspace's loyalty programme (migration 012; src/loyalty/loyalty-settings.ts reads `settings`). */
export interface LoyaltyProgrammeTable {
  workspace_id: RowId;
  settings: Json<Record<string, unknown>>;
  /** The key storefront tokens are signed with (HMAC-SHA256); shown to the owner, never logged. */
  storefront_secret: string;
  /** The highest `customer_order.id` / `refund.id` the earning job has read. */
  orders_read_through: Defaulted<number>;
  refunds_read_through: Defaulted<number>;
  /** The last UTC day number whose birthdays earned (migration 017). */
  birthdays_through: Defaulted<number>;
  created_at: number;
  updated_at: number;
}

/** A customer's cached points position, derived from `loyalty_entry` (never edited apart from it). */
export interface LoyaltyAccountTable {
  workspace_id: RowId;
  customer_id: RowId;
  /** Spendable points: the sum of the customer's entries that are not pending. Never below 0. */
  balance: Defaulted<number>;
  /** Points inside the returns window: the sum of the pending entries. */
  pending: Defaulted<number>;
  /** Reversed points no balance covered: the next earnings absorb them. */
  debt: Defaulted<number>;
  /** Points ever earned (what tiers on points earned count). */
  earned: Defaulted<number>;
  tier: string | null;
  tier_since: number | null;
  referral_code: string | null;
  last_activity_at: number | null;
  /** When the qualification first fell below `tier` (migration 017); null while it qualifies. */
  tier_below_since: number | null;
  created_at: number;
  updated_at: number;
}

export interface LoyaltyEntryTable {
  workspace_id: RowId;
  id: Id;
  customer_id: RowId;
  kind: LoyaltyEntryKind;
  /** Signed: credits positive, debits negative. */
  points: number;
  /** 1 while inside the returns window. */
  pending: Defaulted<0 | 1>;
  available_at: number | null;
  reason: string | null;
  /** `api`, `order`, `refund`, `expiry`, `coupon`, `reward`, `referral`, `event`, … */
  source: string;
  source_ref: string | null;
  order_id: RowId | null;
  /** Unique per workspace: `<source>:<key>`. */
  idempotency_key: string;
  created_at: number;
}

/** The stored answer of an API write, by the client's idempotency key. */
export interface LoyaltyRequestTable {
  workspace_id: RowId;
  idempotency_key: string;
  operation: string;
  /** SHA-256 of the operation, its target and body: a reused key with another request is refused. */
  fingerprint: string;
  status: number;
  response: Json<unknown>;
  created_at: number;
}

/** What one order earned and what its refunds reversed. */
export interface LoyaltyOrderTable {
  workspace_id: RowId;
  /** `ext:<the order's external id>`, else `row:<its row id>`. */
  order_ref: string;
  order_id: RowId | null;
  customer_id: RowId;
  amount_cents: number;
  points: number;
  refunded_cents: Defaulted<number>;
  reversed_points: Defaulted<number>;
  available_at: number;
  created_at: number;
}

/** An order the earning job read while it was pending, looked at again each run (migration 017). */
export interface LoyaltyWaitingOrderTable {
  workspace_id: RowId;
  order_id: RowId;
  since: number;
}

export interface LoyaltyTierChangeTable {
  workspace_id: RowId;
  id: Id;
  customer_id: RowId;
  from_tier: string | null;
  to_tier: string | null;
  reason: string;
  at: number;
}

export interface LoyaltyNoticeTable {
  workspace_id: RowId;
  id: Id;
  customer_id: RowId;
  kind: 'points_expiring';
  points: number;
  due_at: number;
  created_at: number;
}

export type LoyaltyRewardKind =
  | 'fixed_discount'
  | 'percent_discount'
  | 'free_shipping'
  | 'free_product'
  | 'early_access'
  | 'custom';

export interface LoyaltyRewardTable {
  workspace_id: RowId;
  id: Id;
  name: string;
  kind: LoyaltyRewardKind;
  cost_points: number;
  details: Json<Record<string, unknown>>;
  /** The tiers that may claim it; null: every member. */
  tiers: Json<string[]> | null;
  stock: number | null;
  claimed: Defaulted<number>;
  starts_at: number | null;
  ends_at: number | null;
  active: Defaulted<0 | 1>;
  created_at: number;
  updated_at: number;
}

export interface LoyaltyRewardClaimTable {
  workspace_id: RowId;
  id: Id;
  reward_id: RowId;
  customer_id: RowId;
  entry_id: RowId;
  coupon_code: string | null;
  created_at: number;
}

export interface LoyaltyReferralTable {
  workspace_id: RowId;
  id: Id;
  referrer_id: RowId;
  referred_id: RowId;
  status: 'pending' | 'rewarded';
  order_id: RowId | null;
  created_at: number;
  rewarded_at: number | null;
}

export interface LoyaltyPromotionTable {
  workspace_id: RowId;
  id: Id;
  name: string;
  discount: Json<Record<string, unknown>>;
  total_limit: number | null;
  per_customer_limit: number | null;
  uses: Defaulted<number>;
  minimum_order_cents: number | null;
  starts_at: number | null;
  ends_at: number | null;
  created_at: number;
}

export interface LoyaltyCouponTable {
  workspace_id: RowId;
  id: Id;
  promotion_id: RowId;
  /** Issued to one customer only; null: anyone. */
  customer_id: RowId | null;
  code: string;
  max_uses: number | null;
  uses: Defaulted<number>;
  expires_at: number | null;
  created_at: number;
}

export interface LoyaltyCouponRedemptionTable {
  workspace_id: RowId;
  id: Id;
  coupon_id: RowId;
  customer_id: RowId;
  /** The shop's order reference (an order may be redeemed against before Retain knows it). */
  order_ref: string;
  order_amount_cents: number | null;
  created_at: number;
}

export interface LoyaltyCouponCustomerTable {
  workspace_id: RowId;
  promotion_id: RowId;
  customer_id: RowId;
  uses: number;
}

/** Per language: what a help category or section is called there (migration 013). */
export type HelpTranslations = Readonly<
  Record<string, { readonly title: string; readonly description?: string | undefined }>
>;

/** A workspace's help centre settings (migration 013; src/help). */
export interface HelpSettingsTable {
  workspace_id: RowId;
  /** The language pages and search fall back to (a HELP_LOCALES tag). */
  default_locale: string;
  /** Random key (base64url) signing the public "Was this helpful?" forms and keying voter hashes. */
  form_key: string;
  created_at: number;
  updated_at: number;
}

export interface HelpCategoryTable {
  workspace_id: RowId;
  id: Id;
  /** Unique per workspace; in public URLs. */
  slug: string;
  position: Defaulted<number>;
  translations: Json<HelpTranslations>;
  created_at: number;
  updated_at: number;
}

export interface HelpSectionTable {
  workspace_id: RowId;
  id: Id;
  category_id: RowId;
  slug: string;
  position: Defaulted<number>;
  translations: Json<HelpTranslations>;
  created_at: number;
  updated_at: number;
}

export type HelpArticleStatus = 'draft' | 'published';

/** One article in one language; translations share `group_key`. */
export interface HelpArticleTable {
  workspace_id: RowId;
  id: Id;
  section_id: RowId | null;
  group_key: string;
  locale: string;
  slug: string;
  title: string;
  /** Markdown as written. */
  body: string;
  /** The body as plain text: what search indexes and snippets quote. */
  body_text: string;
  status: HelpArticleStatus;
  position: Defaulted<number>;
  version: Defaulted<number>;
  published_at: number | null;
  created_by: RowId | null;
  updated_by: RowId | null;
  created_at: number;
  updated_at: number;
}

export interface HelpArticleRevisionTable {
  workspace_id: RowId;
  id: Id;
  article_id: RowId;
  version: number;
  locale: string;
  title: string;
  body: string;
  status: HelpArticleStatus;
  created_by: RowId | null;
  created_at: number;
}

/** A public search: the report's top searches and searches with no result. */
export interface HelpSearchTable {
  workspace_id: RowId;
  id: Id;
  /** Trimmed, spaces collapsed, lower-cased; at most 200 characters. */
  query: string;
  locale: string;
  result_count: number;
  at: number;
}

export interface HelpArticleVoteTable {
  workspace_id: RowId;
  id: Id;
  article_id: RowId;
  /** HMAC of the voter's address and browser under the workspace's form key: no address is kept. */
  voter_key: string;
  /** 1 helpful, 0 not. */
  helpful: number;
  at: number;
}

export type HelpDeflectionSource = 'help_centre' | 'request_form' | 'chat';

export interface HelpDeflectionTable {
  workspace_id: RowId;
  id: Id;
  article_id: RowId;
  source: HelpDeflectionSource;
  query: string | null;
  at: number;
}

export type FlowStatus = 'draft' | 'active' | 'inactive';

/** An automated flow (migration 011; the definition's language: docs/api.md, "Flows"). */
export interface FlowTable {
  workspace_id: RowId;
  id: Id;
  /** Unique per workspace. */
  name: string;
  status: Defaulted<FlowStatus>;
  /** Trigger, steps (with their ids), re-entry, exit conditions, as validated by flows/flow-definition.ts. */
  definition: Json<unknown>;
  /** Bumped on every change of the definition (only drafts change). */
  version: Defaulted<number>;
  /** The trigger's `type`, and what it is looked up by. */
  trigger_type: string;
  trigger_event: string | null;
  trigger_segment_id: RowId | null;
  holdout_percent: number;
  horizon_days: number;
  /** Event triggers: the last event id before activation (later ones are the flow's); segment triggers: the last `segment_event` id consumed. */
  cursor: Defaulted<number>;
  /** Date triggers: the local date (YYYY-MM-DD) the trigger last ran for. */
  last_fired_on: string | null;
  /** Schedule triggers: when the campaign ran. */
  fired_at: number | null;
  activated_at: number | null;
  deactivated_at: number | null;
  created_by: RowId | null;
  created_at: number;
  updated_at: number;
}

/**
 * A tracked event some active flow triggers on, written with the event and deleted once the flows
 * tick has read it (migration 016: the event row holds its name and customer).
 */
export interface FlowTriggerTable {
  workspace_id: RowId;
  event_id: RowId;
}

export type FlowArm = 'treatment' | 'holdout';
export type FlowRunStatus = 'active' | 'completed' | 'exited';

/** One customer's pass through a flow (migration 011). */
export interface FlowRunTable {
  workspace_id: RowId;
  id: Id;
  flow_id: RowId;
  customer_id: RowId;
  arm: FlowArm;
  status: FlowRunStatus;
  /** The step to execute next; null once finished. */
  current_step: string | null;
  /** When the run is due to be advanced; null once finished. */
  wake_at: number | null;
  /** What started the run (`track:<event id>` — `event:<flow_trigger id>` before migration 016 —, `segment:<segment_event id>`, `date:<day>:<customer id>`, `schedule:<customer id>`); unique per flow. */
  entry_key: string;
  entered_at: number;
  finished_at: number | null;
  exit_reason: string | null;
  updated_at: number;
}

/** A step a run executed (migration 011): keyed by (run, step), so no step runs twice. */
export interface FlowRunStepTable {
  workspace_id: RowId;
  run_id: RowId;
  step_id: string;
  outcome: Json<unknown>;
  executed_at: number;
}

/** The table map handed to `Kysely<Database>`. */
export interface Database {
  workspace: WorkspaceTable;
  app_user: AppUserTable;
  session: SessionTable;
  session_grant: SessionGrantTable;
  api_key: ApiKeyTable;
  customer: CustomerTable;
  customer_order: CustomerOrderTable;
  order_item: OrderItemTable;
  refund: RefundTable;
  subscription: SubscriptionTable;
  event: EventTable;
  job: JobTable;
  audit_log: AuditLogTable;
  customer_group: CustomerGroupTable;
  customer_group_member: CustomerGroupMemberTable;
  customer_alias: CustomerAliasTable;
  erased_identity: ErasedIdentityTable;
  segment: SegmentTable;
  segment_membership: SegmentMembershipTable;
  segment_event: SegmentEventTable;
  data_version: DataVersionTable;
  analytics_answer: AnalyticsAnswerTable;
  email_settings: EmailSettingsTable;
  email_message: EmailMessageTable;
  email_suppression: EmailSuppressionTable;
  email_consent: EmailConsentTable;
  loyalty_programme: LoyaltyProgrammeTable;
  loyalty_account: LoyaltyAccountTable;
  loyalty_entry: LoyaltyEntryTable;
  loyalty_request: LoyaltyRequestTable;
  loyalty_order: LoyaltyOrderTable;
  loyalty_tier_change: LoyaltyTierChangeTable;
  loyalty_notice: LoyaltyNoticeTable;
  loyalty_reward: LoyaltyRewardTable;
  loyalty_reward_claim: LoyaltyRewardClaimTable;
  loyalty_referral: LoyaltyReferralTable;
  loyalty_promotion: LoyaltyPromotionTable;
  loyalty_coupon: LoyaltyCouponTable;
  loyalty_coupon_redemption: LoyaltyCouponRedemptionTable;
  loyalty_coupon_customer: LoyaltyCouponCustomerTable;
  loyalty_waiting_order: LoyaltyWaitingOrderTable;
  help_settings: HelpSettingsTable;
  help_category: HelpCategoryTable;
  help_section: HelpSectionTable;
  help_article: HelpArticleTable;
  help_article_revision: HelpArticleRevisionTable;
  help_search: HelpSearchTable;
  help_article_vote: HelpArticleVoteTable;
  help_deflection: HelpDeflectionTable;
  flow: FlowTable;
  flow_trigger: FlowTriggerTable;
  flow_run: FlowRunTable;
  flow_run_step: FlowRunStepTable;
  survey: SurveyTable;
  feedback_signing_key: FeedbackSigningKeyTable;
  survey_send: SurveySendTable;
  survey_response: SurveyResponseTable;
  survey_response_history: SurveyResponseHistoryTable;
  survey_answer_event: SurveyAnswerEventTable;
}

export type WorkspaceRow = Selectable<WorkspaceTable>;
export type NewWorkspaceRow = Insertable<WorkspaceTable>;
export type AppUserRow = Selectable<AppUserTable>;
export type CustomerRow = Selectable<CustomerTable>;
export type NewCustomerRow = Insertable<CustomerTable>;
export type CustomerUpdate = Updateable<CustomerTable>;
export type CustomerOrderRow = Selectable<CustomerOrderTable>;
export type OrderItemRow = Selectable<OrderItemTable>;
export type RefundRow = Selectable<RefundTable>;
export type SubscriptionRow = Selectable<SubscriptionTable>;
export type EventRow = Selectable<EventTable>;
export type JobRow = Selectable<JobTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type CustomerGroupRow = Selectable<CustomerGroupTable>;
export type SegmentRow = Selectable<SegmentTable>;
export type SegmentEventRow = Selectable<SegmentEventTable>;
export type EmailMessageRow = Selectable<EmailMessageTable>;
export type EmailSettingsRow = Selectable<EmailSettingsTable>;
export type SurveyRow = Selectable<SurveyTable>;
export type SurveySendRow = Selectable<SurveySendTable>;
export type SurveyResponseRow = Selectable<SurveyResponseTable>;
export type SurveyResponseHistoryRow = Selectable<SurveyResponseHistoryTable>;
export type FlowRow = Selectable<FlowTable>;
export type FlowRunRow = Selectable<FlowRunTable>;
