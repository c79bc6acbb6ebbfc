/**
 * Segment tests' data: a seeded population of customers with profiles, attributes, orders with
 * lines and refunds, events and subscriptions, written straight into a workspace, and kept in
 * memory as plain rows — plus `referenceMatches`, an independent evaluation of the rule language
 * over those rows in JavaScript (no SQL, no code shared with src/segments' compiler), which the
 * tests hold the SQL's answers to.
 */
import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import { seededRandom } from '../../src/core/index.js';
import { type Database, dialectOf, toJson } from '../../src/db/index.js';

export const DAY = 86_400_000;

export interface PersonRow {
  id: number;
  externalId: string;
  email: string | null;
  country: string | null;
  language: string | null;
  timeZone: string | null;
  consentEmail: boolean;
  consentSms: boolean;
  signedUpAt: number | null;
  createdAt: number;
  erased: boolean;
  attributes: Record<string, unknown>;
}
export interface OrderRow {
  id: number;
  customerId: number;
  orderedAt: number;
  amount: number;
  status: 'completed' | 'cancelled' | 'pending';
  lines: { productId: string | null; productName: string | null; category: string | null }[];
}
export interface RefundRow {
  customerId: number;
  orderId: number;
  refundedAt: number;
  amount: number;
}
export interface EventRow {
  customerId: number;
  name: string;
  occurredAt: number;
}
export interface SubscriptionRow {
  customerId: number;
  status: 'trialing' | 'active' | 'past_due' | 'paused' | 'cancelled' | 'ended';
}

/** A stored score (the `customer_score` row of the scores refresh, branch `customers`). */
export interface ScoreRow {
  riskScore: number | null;
  pAlive: number | null;
  predictedClvCents: number | null;
  rfmSegment: string | null;
}

export interface Population {
  readonly workspaceId: number;
  readonly now: number;
  readonly timeZone: string;
  readonly customers: PersonRow[];
  readonly orders: OrderRow[];
  readonly refunds: RefundRow[];
  readonly events: EventRow[];
  readonly subscriptions: SubscriptionRow[];
  /** Scores by customer id (customers without one are not scored). */
  readonly scores: Map<number, ScoreRow>;
}

export const COUNTRIES = ['FR', 'US', 'DE', null] as const;
export const LANGUAGES = ['fr-CA', 'fr-FR', 'en-US', 'de', null] as const;
export const PRODUCTS = ['P1', 'P2', 'P3', 'P4', null] as const;
export const PRODUCT_NAMES = ['Red Shoe', 'Blue Shoe', 'Gift Card', '50% off_coupon\\', null] as const;
export const CATEGORIES = ['shoes', 'gifts', 'Shoes', null] as const;
export const EVENTS = ['Viewed Product', 'Opened Email', 'Clicked Email', 'Signed Up'] as const;
export const PLANS = ['pro', 'free', 'Pro'] as const;

/** The customers' shared e-mail domains (for `ends_with`). */
const DOMAINS = ['example.com', 'shop.fr', 'mail.de'] as const;

/**
 * Writes `size` customers (seeded by `seed`) into `workspaceId` and returns them as rows. About a
 * tenth are erased, a third have no orders, some have cancelled / pending orders, refunds, events
 * outside any window, subscriptions of every status, attributes of every JSON type.
 */
export async function seedPopulation(
  db: Kysely<Database>,
  workspaceId: number,
  options: { readonly seed: number; readonly size: number; readonly now: number; readonly timeZone?: string },
): Promise<Population> {
  const random = seededRandom(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const chance = (p: number) => random() < p;
  const { now } = options;
  const ago = (maxDays: number) => now - Math.floor(random() * maxDays * DAY);
  const population: Population = {
    workspaceId,
    now,
    timeZone: options.timeZone ?? 'UTC',
    customers: [],
    orders: [],
    refunds: [],
    events: [],
    subscriptions: [],
    scores: new Map(),
  };

  for (let index = 0; index < options.size; index++) {
    const attributes: Record<string, unknown> = {};
    if (chance(0.7)) attributes.plan = pick(PLANS);
    if (chance(0.6))
      attributes.score = chance(0.5) ? Math.floor(random() * 100) : Math.round(random() * 1000) / 10;
    if (chance(0.5)) attributes.vip = chance(0.5);
    if (chance(0.2)) attributes.plan_note = null;
    if (chance(0.3)) attributes['Default Address City'] = pick(['Paris', 'Lyon', 'Berlin']);
    if (chance(0.1)) attributes.score_text = '42';
    const person: PersonRow = {
      id: 0,
      externalId: `c-${options.seed}-${index}`,
      email: chance(0.8) ? `person${index}@${pick(DOMAINS)}` : null,
      country: pick(COUNTRIES),
      language: pick(LANGUAGES),
      timeZone: chance(0.5) ? 'Europe/Paris' : null,
      consentEmail: chance(0.6),
      consentSms: chance(0.3),
      signedUpAt: chance(0.8) ? ago(800) : null,
      createdAt: ago(900),
      erased: chance(0.1),
      attributes,
    };
    const row = await db
      .insertInto('customer')
      .values({
        workspace_id: workspaceId,
        external_id: person.externalId,
        email: person.email,
        country: person.country,
        language: person.language,
        time_zone: person.timeZone,
        attributes: toJson(person.attributes),
        consent_email_marketing: person.consentEmail ? 1 : 0,
        consent_sms_marketing: person.consentSms ? 1 : 0,
        signed_up_at: person.signedUpAt,
        created_at: person.createdAt,
        updated_at: person.createdAt,
        erased_at: person.erased ? now - DAY : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    person.id = row.id;
    population.customers.push(person);

    const orderCount = chance(0.33) ? 0 : 1 + Math.floor(random() * 5);
    for (let number = 0; number < orderCount; number++) {
      const order: OrderRow = {
        id: 0,
        customerId: person.id,
        orderedAt: chance(0.03) ? now + Math.floor(random() * 3 * DAY) : ago(400),
        amount: 100 + Math.floor(random() * 20_000),
        status: chance(0.8) ? 'completed' : pick(['cancelled', 'pending'] as const),
        lines: [],
      };
      const stored = await db
        .insertInto('customer_order')
        .values({
          workspace_id: workspaceId,
          customer_id: person.id,
          ordered_at: order.orderedAt,
          currency: 'EUR',
          amount_cents: order.amount,
          status: order.status,
          created_at: order.orderedAt,
          updated_at: order.orderedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      order.id = stored.id;
      const lines = 1 + Math.floor(random() * 3);
      for (let line = 1; line <= lines; line++) {
        const item = {
          productId: pick(PRODUCTS),
          productName: pick(PRODUCT_NAMES),
          category: pick(CATEGORIES),
        };
        order.lines.push(item);
        await db
          .insertInto('order_item')
          .values({
            workspace_id: workspaceId,
            order_id: order.id,
            line,
            product_id: item.productId,
            product_name: item.productName,
            category: item.category,
            quantity: 1,
            unit_price_cents: 100,
          })
          .execute();
      }
      population.orders.push(order);
      if (chance(0.15)) {
        const refund: RefundRow = {
          customerId: person.id,
          orderId: order.id,
          refundedAt: Math.min(now, order.orderedAt + Math.floor(random() * 30 * DAY)),
          amount: 1 + Math.floor(random() * order.amount),
        };
        await db
          .insertInto('refund')
          .values({
            workspace_id: workspaceId,
            order_id: order.id,
            customer_id: person.id,
            refunded_at: refund.refundedAt,
            currency: 'EUR',
            amount_cents: refund.amount,
            created_at: refund.refundedAt,
          })
          .execute();
        population.refunds.push(refund);
      }
    }

    const eventCount = Math.floor(random() * 6);
    for (let number = 0; number < eventCount; number++) {
      // A few from a client whose clock runs ahead (after `now`): windows end at `now`.
      const occurredAt = chance(0.05) ? now + Math.floor(random() * 3 * DAY) : ago(200);
      const event: EventRow = { customerId: person.id, name: pick(EVENTS), occurredAt };
      await db
        .insertInto('event')
        .values({
          workspace_id: workspaceId,
          customer_id: person.id,
          name: event.name,
          occurred_at: event.occurredAt,
          received_at: event.occurredAt,
        })
        .execute();
      population.events.push(event);
    }

    const subscriptionCount = chance(0.5) ? 0 : 1 + Math.floor(random() * 2);
    for (let number = 0; number < subscriptionCount; number++) {
      const subscription: SubscriptionRow = {
        customerId: person.id,
        status: pick(['trialing', 'active', 'past_due', 'paused', 'cancelled', 'ended'] as const),
      };
      await db
        .insertInto('subscription')
        .values({
          workspace_id: workspaceId,
          customer_id: person.id,
          interval: 'month',
          amount_cents: 1000,
          currency: 'EUR',
          status: subscription.status,
          started_at: now - 100 * DAY,
          created_at: now - 100 * DAY,
          updated_at: now - 100 * DAY,
        })
        .execute();
      population.subscriptions.push(subscription);
    }
  }
  return population;
}

const RFM_NAMES = ['Champions', 'Loyal customers', 'At risk', "Can't lose them", 'Hibernating'] as const;

/**
 * The `customer_score` table with the columns the scores refresh writes (migration
 * `006-customer-scores.ts` of branch `customers`), made here when the store does not have it yet.
 */
async function ensureScoreTable(db: Kysely<Database>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`create table if not exists customer_score (
      workspace_id bigint not null, id bigint generated by default as identity, customer_id bigint not null,
      run_id bigint not null, risk_score double precision, reasons jsonb not null default '[]',
      p_alive double precision, expected_purchases double precision, predicted_clv_cents bigint,
      rfm_segment text, rfm_r integer, rfm_f integer, rfm_m integer, orders_count integer not null,
      value_cents bigint not null, first_order_at bigint, last_order_at bigint, computed_at bigint not null,
      primary key (workspace_id, id))`.execute(db);
  } else {
    await sql`create table if not exists customer_score (
      id integer primary key autoincrement, workspace_id integer not null, customer_id integer not null,
      run_id integer not null, risk_score real, reasons text not null default '[]', p_alive real,
      expected_purchases real, predicted_clv_cents integer, rfm_segment text, rfm_r integer, rfm_f integer,
      rfm_m integer, orders_count integer not null, value_cents integer not null, first_order_at integer,
      last_order_at integer, computed_at integer not null)`.execute(db);
  }
}

/**
 * Stores a score for about four customers in five (the others are not scored), some of them
 * without one value or another, and keeps them in `population.scores`.
 */
export async function seedScores(db: Kysely<Database>, population: Population, seed: number): Promise<void> {
  await ensureScoreTable(db);
  const random = seededRandom(seed);
  const maybe = <T>(value: T): T | null => (random() < 0.1 ? null : value);
  for (const person of population.customers) {
    if (person.erased || random() < 0.2) continue;
    const score: ScoreRow = {
      riskScore: maybe(Math.round(random() * 10_000) / 100),
      pAlive: maybe(Math.round(random() * 1000) / 1000),
      predictedClvCents: maybe(Math.floor(random() * 50_000)),
      rfmSegment: maybe(RFM_NAMES[Math.floor(random() * RFM_NAMES.length)]!),
    };
    population.scores.set(person.id, score);
    await sql`insert into customer_score (workspace_id, customer_id, run_id, risk_score, p_alive,
      predicted_clv_cents, rfm_segment, orders_count, value_cents, computed_at)
      values (${population.workspaceId}, ${person.id}, ${1}, ${score.riskScore}, ${score.pAlive},
      ${score.predictedClvCents}, ${score.rfmSegment}, ${0}, ${0}, ${population.now})`.execute(db);
  }
}

// —— the reference evaluation ——

type Json = Record<string, unknown>;

/** The instant of a rule's date: a calendar date is midnight in `timeZone`. */
function instantOf(value: string, timeZone: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return DateTime.fromISO(value, { zone: timeZone }).toMillis();
  return Date.parse(value);
}

function durationMs(value: Json): number {
  return (
    (Number(value.days ?? 0) + Number(value.weeks ?? 0) * 7) * DAY + Number(value.hours ?? 0) * 3_600_000
  );
}

/** `[from, to)` of a window, `to` included for `last` (it is `now`). */
function inWindow(instant: number, window: Json | undefined, population: Population): boolean {
  if (window === undefined) return true;
  if (window.last !== undefined) {
    return instant >= population.now - durationMs(window.last as Json) && instant <= population.now;
  }
  if (typeof window.from === 'string' && instant < instantOf(window.from, population.timeZone)) return false;
  if (typeof window.to === 'string' && instant >= instantOf(window.to, population.timeZone)) return false;
  return true;
}

/** A comparison the way the rule language defines it, for a value that may be unset (null). */
function compare(value: unknown, op: string, operand: unknown, population: Population): boolean {
  if (op === 'is_set') return value !== null && value !== undefined;
  if (op === 'is_not_set') return value === null || value === undefined;
  if (op === '!=') return !compare(value, '=', operand, population);
  if (op === 'not_in') return !compare(value, 'in', operand, population);
  if (value === null || value === undefined) return false;
  const now = population.now;
  switch (op) {
    case '=':
      return value === operand;
    case '<':
      return (value as number) < (operand as number);
    case '<=':
      return (value as number) <= (operand as number);
    case '>':
      return (value as number) > (operand as number);
    case '>=':
      return (value as number) >= (operand as number);
    case 'between': {
      const [low, high] = operand as [unknown, unknown];
      if (typeof low === 'string') {
        return (
          (value as number) >= instantOf(low, population.timeZone) &&
          (value as number) < instantOf(high as string, population.timeZone)
        );
      }
      return (value as number) >= (low as number) && (value as number) <= (high as number);
    }
    case 'in':
      return (operand as unknown[]).includes(value);
    case 'contains':
      return (value as string).includes(operand as string);
    case 'starts_with':
      return (value as string).startsWith(operand as string);
    case 'ends_with':
      return (value as string).endsWith(operand as string);
    case 'before':
      return (value as number) < instantOf(operand as string, population.timeZone);
    case 'after':
      return (value as number) >= instantOf(operand as string, population.timeZone);
    case 'within_last':
      return (value as number) >= now - durationMs(operand as Json) && (value as number) <= now;
    case 'more_than_ago':
      return (value as number) < now - durationMs(operand as Json);
    default:
      throw new Error(`reference: unknown operator ${op}`);
  }
}

/** The value of an attribute by the rule language's typing: the JSON value if `typeOk`, else unset. */
function attributeValue(person: PersonRow, key: string, operand: unknown, op: string): unknown {
  if (!Object.hasOwn(person.attributes, key)) return null;
  const value = person.attributes[key];
  if (op === 'is_set' || op === 'is_not_set') return value;
  const wanted = Array.isArray(operand) ? operand[0] : operand;
  if (typeof wanted === 'string') return typeof value === 'string' ? value : null;
  if (typeof wanted === 'number') return typeof value === 'number' ? value : null;
  if (typeof wanted === 'boolean') return typeof value === 'boolean' ? value : null;
  return null;
}

/**
 * Whether `person` matches the rule `node`, computed over the population's rows in JavaScript.
 * `members` gives the members of other segments (for `segment` conditions).
 */
export function referenceMatches(
  node: unknown,
  person: PersonRow,
  population: Population,
  members: (segmentId: number) => ReadonlySet<number> = () => new Set(),
): boolean {
  const group = node as Json;
  if (Array.isArray(group.all))
    return group.all.every((child) => referenceMatches(child, person, population, members));
  if (Array.isArray(group.any))
    return group.any.some((child) => referenceMatches(child, person, population, members));
  if (group.not !== undefined) return !referenceMatches(group.not, person, population, members);
  const { field, op, value } = group as { field: string; op: string; value: unknown };
  const window = group.window as Json | undefined;
  const completed = population.orders.filter(
    (order) =>
      order.customerId === person.id &&
      order.status === 'completed' &&
      inWindow(order.orderedAt, window, population),
  );
  const allCompleted = population.orders.filter(
    (order) => order.customerId === person.id && order.status === 'completed',
  );
  const events = population.events.filter(
    (event) => event.customerId === person.id && inWindow(event.occurredAt, window, population),
  );
  const bought = (column: 'productId' | 'productName' | 'category') => {
    const positive = op === '!=' ? '=' : op === 'not_in' ? 'in' : op;
    const found = completed.some((order) =>
      order.lines.some((line) => compare(line[column], positive, value, population)),
    );
    return op === '!=' || op === 'not_in' ? !found : found;
  };
  switch (field) {
    case 'country':
      return compare(
        person.country,
        op,
        Array.isArray(value)
          ? value.map((entry: string) => entry.toUpperCase())
          : typeof value === 'string'
            ? value.toUpperCase()
            : value,
        population,
      );
    case 'language':
      return compare(person.language, op, value, population);
    case 'email':
      return compare(person.email, op, value, population);
    case 'time_zone':
      return compare(person.timeZone, op, value, population);
    case 'consent_email_marketing':
      return op === '=' ? person.consentEmail === value : person.consentEmail !== value;
    case 'consent_sms_marketing':
      return op === '=' ? person.consentSms === value : person.consentSms !== value;
    case 'signed_up_at':
      return compare(person.signedUpAt, op, value, population);
    case 'created_at':
      return compare(person.createdAt, op, value, population);
    case 'orders_count':
      return compare(completed.length, op, value, population);
    case 'total_spent_cents': {
      const spent = completed.reduce((sum, order) => sum + order.amount, 0);
      const refunded = population.refunds
        .filter(
          (refund) => refund.customerId === person.id && inWindow(refund.refundedAt, window, population),
        )
        .reduce((sum, refund) => sum + refund.amount, 0);
      return compare(spent - refunded, op, value, population);
    }
    case 'average_order_value_cents':
      return compare(
        completed.length === 0
          ? null
          : completed.reduce((sum, order) => sum + order.amount, 0) / completed.length,
        op,
        value,
        population,
      );
    case 'first_order_at':
      return compare(
        allCompleted.length === 0 ? null : Math.min(...allCompleted.map((order) => order.orderedAt)),
        op,
        value,
        population,
      );
    case 'last_order_at':
      return compare(
        allCompleted.length === 0 ? null : Math.max(...allCompleted.map((order) => order.orderedAt)),
        op,
        value,
        population,
      );
    case 'bought_product':
      return bought('productId');
    case 'bought_product_name':
      return bought('productName');
    case 'bought_category':
      return bought('category');
    case 'event': {
      const done = events.some((event) => event.name === value);
      return op === 'done' ? done : !done;
    }
    case 'event_count':
      return compare(events.filter((event) => event.name === group.event).length, op, value, population);
    case 'last_event_at': {
      const all = population.events.filter((event) => event.customerId === person.id);
      return compare(
        all.length === 0 ? null : Math.max(...all.map((event) => event.occurredAt)),
        op,
        value,
        population,
      );
    }
    case 'subscription_status': {
      const mine = population.subscriptions.filter((subscription) => subscription.customerId === person.id);
      const state = mine.some((subscription) =>
        ['trialing', 'active', 'past_due', 'paused'].includes(subscription.status),
      )
        ? 'active'
        : mine.length > 0
          ? 'cancelled'
          : 'none';
      return compare(state, op, value, population);
    }
    case 'at_risk_score':
      return compare(population.scores.get(person.id)?.riskScore ?? null, op, value, population);
    case 'p_alive':
      return compare(population.scores.get(person.id)?.pAlive ?? null, op, value, population);
    case 'predicted_clv_cents':
      return compare(population.scores.get(person.id)?.predictedClvCents ?? null, op, value, population);
    case 'rfm_segment':
      return compare(population.scores.get(person.id)?.rfmSegment ?? null, op, value, population);
    case 'segment': {
      const ids = (Array.isArray(value) ? value : [value]).map(Number);
      const member = ids.some((id) => members(id).has(person.id));
      return op === 'in' ? member : !member;
    }
    default:
      if (field.startsWith('attributes.')) {
        const key = field.slice('attributes.'.length);
        return compare(attributeValue(person, key, value, op), op, value, population);
      }
      throw new Error(`reference: unknown field ${field}`);
  }
}

/** The ids of the (not erased) customers matching `rule`, ascending. */
export function referenceMembers(
  rule: unknown,
  population: Population,
  members?: (segmentId: number) => ReadonlySet<number>,
): number[] {
  return population.customers
    .filter((person) => !person.erased && referenceMatches(rule, person, population, members))
    .map((person) => person.id)
    .sort((left, right) => left - right);
}
