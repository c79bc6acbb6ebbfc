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
  survey: SurveyTable;
  feedback_signing_key: FeedbackSigningKeyTable;
  survey_send: SurveySendTable;
  survey_response: SurveyResponseTable;
  survey_response_history: SurveyResponseHistoryTable;
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
export type SurveyRow = Selectable<SurveyTable>;
export type SurveySendRow = Selectable<SurveySendTable>;
export type SurveyResponseRow = Selectable<SurveyResponseTable>;
export type SurveyResponseHistoryRow = Selectable<SurveyResponseHistoryTable>;
