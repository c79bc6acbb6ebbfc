/**
 * Compiles a validated rule (segment-rule.ts) to one SQL predicate over a customer row `c`, with
 * Kysely's expression builders: every value of the rule reaches the database as a bound parameter
 * (attribute keys too, as the JSON path or key operand), never as SQL text. One predicate serves
 * both engines; the few functions that differ (substring search, JSON access) are chosen by
 * dialect here.
 *
 * Every condition is two-valued — true or false, never SQL's unknown — so that `not` is the exact
 * complement of what it wraps: a comparison with an unset value is false, and `!=` / `not_in` are
 * the complements of `=` / `in` (an unset value is "not equal"). Purchase and event conditions are
 * correlated subqueries on the customer (`customer_order_customer_idx`, `event_customer_idx`), so
 * the predicate can filter any range of customers: the recompute runs it a range of ids at a time.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { instantFromLocal } from '../core/index.js';
import type { CustomerTable, Database, DialectName } from '../db/index.js';
import type { FieldDefinition } from './segment-fields.js';
import type {
  DateOperand,
  Operand,
  ParsedRule,
  RuleCondition,
  RuleNode,
  RuleWindow,
} from './segment-rule.js';

/** The customer row the predicate tests, as `c`. */
export type CustomerScope = Database & { c: CustomerTable };
export type CustomerExpressionBuilder = ExpressionBuilder<CustomerScope, 'c'>;

/** What a rule is compiled for: the engine, and the clock and zone its relative dates read. */
export interface CompileContext {
  readonly dialect: DialectName;
  /** The instant `within_last`, `more_than_ago` and `last` windows count back from (epoch ms). */
  readonly now: number;
  /** The workspace's IANA zone: a calendar date in a rule is its midnight there. */
  readonly timeZone: string;
}

/** Order statuses that count as purchases (docs/metrics.md: completed orders only). */
const PURCHASE_STATUS = 'completed';
/** Subscription statuses of an `active` subscription state. */
const LIVE_SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'paused'] as const;

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/**
 * The rule as a predicate on `c` (a row of `customer`). O(size of the rule) to build.
 * Example: `db.selectFrom('customer as c').select('c.id').where((eb) => rulePredicate(eb, rule, context))`.
 */
export function rulePredicate(
  eb: CustomerExpressionBuilder,
  rule: ParsedRule,
  context: CompileContext,
): Expression<SqlBool> {
  return new RuleCompiler(eb, context).node(rule.root);
}

/** The instant of a date operand: a calendar date is its midnight in `timeZone`. */
export function instantOf(date: DateOperand, timeZone: string): number {
  if ('instant' in date) return date.instant;
  const [year, month, day] = date.date.split('-').map(Number) as [number, number, number];
  return instantFromLocal({ year, month, day }, timeZone);
}

class RuleCompiler {
  readonly #eb: CustomerExpressionBuilder;
  readonly #context: CompileContext;

  constructor(eb: CustomerExpressionBuilder, context: CompileContext) {
    this.#eb = eb;
    this.#context = context;
  }

  node(node: RuleNode): Expression<SqlBool> {
    const eb = this.#eb;
    switch (node.type) {
      case 'all':
        return node.children.length === 0 ? TRUE : eb.and(node.children.map((child) => this.node(child)));
      case 'any':
        return node.children.length === 0 ? FALSE : eb.or(node.children.map((child) => this.node(child)));
      case 'not':
        return eb.not(this.node(node.child));
      case 'condition':
        return this.condition(node);
    }
  }

  condition(condition: RuleCondition): Expression<SqlBool> {
    const eb = this.#eb;
    const { field, op, operand } = condition;
    switch (field.kind) {
      case 'text':
        return this.nullable(this.column(field), op, operand);
      case 'flag':
        return this.flag(field, op, operand);
      case 'instant':
        return this.nullable(this.instantColumn(field), op, operand);
      case 'number':
        return this.nullable(this.numberColumn(condition), op, operand);
      case 'enum':
        return this.nullable(this.enumColumn(field), op, operand);
      case 'count':
      case 'money':
      case 'event_count':
        // Aggregates are never unset (0 without rows).
        return this.compare(this.aggregate(condition), op, operand);
      case 'purchase':
        return this.purchase(condition);
      case 'event': {
        const done = eb.exists(
          this.events(condition.window).where('e.name', '=', textOf(operand)).select('e.id'),
        );
        return op === 'done' ? done : eb.not(done);
      }
      case 'subscription':
        return this.subscription(op, operand);
      case 'segment': {
        const member = eb.exists(
          eb
            .selectFrom('segment_membership as m')
            .select('m.segment_id')
            .whereRef('m.workspace_id', '=', 'c.workspace_id')
            .whereRef('m.customer_id', '=', 'c.id')
            .where('m.segment_id', 'in', operand.type === 'segments' ? [...operand.ids] : []),
        );
        return op === 'in' ? member : eb.not(member);
      }
      case 'attribute':
        return this.attribute(condition);
    }
  }

  // —— columns and aggregates ——

  column(field: FieldDefinition): Expression<unknown> {
    switch (field.name) {
      case 'country':
        return this.#eb.ref('c.country');
      case 'language':
        return this.#eb.ref('c.language');
      case 'email':
        return this.#eb.ref('c.email');
      case 'time_zone':
        return this.#eb.ref('c.time_zone');
      default:
        throw new Error(`No column for the text field ${field.name}`);
    }
  }

  flag(field: FieldDefinition, op: RuleCondition['op'], operand: Operand): Expression<SqlBool> {
    const column =
      field.name === 'consent_email_marketing'
        ? this.#eb.ref('c.consent_email_marketing')
        : this.#eb.ref('c.consent_sms_marketing');
    const wanted = operand.type === 'boolean' && operand.value ? 1 : 0;
    return this.#eb(column, op === '=' ? '=' : '<>', wanted);
  }

  instantColumn(field: FieldDefinition): Expression<number | null> {
    const eb = this.#eb;
    switch (field.name) {
      case 'signed_up_at':
        return eb.ref('c.signed_up_at');
      case 'created_at':
        return eb.ref('c.created_at');
      case 'first_order_at':
        return this.orders(null)
          .select((inner) => inner.fn.min('o.ordered_at').as('value'))
          .$asScalar();
      case 'last_order_at':
        return this.orders(null)
          .select((inner) => inner.fn.max('o.ordered_at').as('value'))
          .$asScalar();
      case 'last_event_at':
        return this.events(null)
          .select((inner) => inner.fn.max('e.occurred_at').as('value'))
          .$asScalar();
      default:
        throw new Error(`No column for the instant field ${field.name}`);
    }
  }

  numberColumn(condition: RuleCondition): Expression<number | null> {
    const { field } = condition;
    switch (field.name) {
      case 'average_order_value_cents':
        return this.orders(condition.window)
          .select((inner) => inner.fn.avg<number>('o.amount_cents').as('value'))
          .$asScalar();
      case 'at_risk_score':
      case 'p_alive':
      case 'predicted_clv_cents':
        return this.score(field.name === 'at_risk_score' ? 'risk_score' : field.name);
      default:
        throw new Error(`No column for the number field ${field.name}`);
    }
  }

  enumColumn(field: FieldDefinition): Expression<unknown> {
    if (field.name === 'rfm_segment') return this.score('rfm_segment');
    throw new Error(`No column for the field ${field.name}`);
  }

  aggregate(condition: RuleCondition): Expression<unknown> {
    const eb = this.#eb;
    switch (condition.field.name) {
      case 'orders_count':
        return this.orders(condition.window).select((inner) => inner.fn.countAll().as('value'));
      case 'event_count':
        return this.events(condition.window)
          .where('e.name', '=', condition.event ?? '')
          .select((inner) => inner.fn.countAll().as('value'));
      case 'total_spent_cents': {
        const ordered = this.orders(condition.window).select((inner) =>
          inner.fn.sum('o.amount_cents').as('value'),
        );
        let refunded = eb
          .selectFrom('refund as r')
          .whereRef('r.workspace_id', '=', 'c.workspace_id')
          .whereRef('r.customer_id', '=', 'c.id');
        const bounds = this.bounds(condition.window);
        if (bounds.from !== null) refunded = refunded.where('r.refunded_at', '>=', bounds.from);
        if (bounds.to !== null)
          refunded = refunded.where('r.refunded_at', bounds.toInclusive ? '<=' : '<', bounds.to);
        const refunds = refunded.select((inner) => inner.fn.sum('r.amount_cents').as('value'));
        return sql`(coalesce(${ordered}, 0) - coalesce(${refunds}, 0))`;
      }
      default:
        throw new Error(`No aggregate for the field ${condition.field.name}`);
    }
  }

  /** The customer's completed orders (in the window), as a subquery to select one aggregate from. */
  orders(window: RuleWindow | null) {
    let query = this.#eb
      .selectFrom('customer_order as o')
      .whereRef('o.workspace_id', '=', 'c.workspace_id')
      .whereRef('o.customer_id', '=', 'c.id')
      .where('o.status', '=', PURCHASE_STATUS);
    const bounds = this.bounds(window);
    if (bounds.from !== null) query = query.where('o.ordered_at', '>=', bounds.from);
    if (bounds.to !== null) query = query.where('o.ordered_at', bounds.toInclusive ? '<=' : '<', bounds.to);
    return query;
  }

  /** The customer's events (in the window). */
  events(window: RuleWindow | null) {
    let query = this.#eb
      .selectFrom('event as e')
      .whereRef('e.workspace_id', '=', 'c.workspace_id')
      .whereRef('e.customer_id', '=', 'c.id');
    const bounds = this.bounds(window);
    if (bounds.from !== null) query = query.where('e.occurred_at', '>=', bounds.from);
    if (bounds.to !== null) query = query.where('e.occurred_at', bounds.toInclusive ? '<=' : '<', bounds.to);
    return query;
  }

  /** A window's bounds: `last` is `[now − duration, now]`, a range `[from, to)`. */
  bounds(window: RuleWindow | null): { from: number | null; to: number | null; toInclusive: boolean } {
    if (window === null) return { from: null, to: null, toInclusive: false };
    if (window.type === 'last') {
      return { from: this.#context.now - window.ms, to: this.#context.now, toInclusive: true };
    }
    return {
      from: window.from === null ? null : instantOf(window.from, this.#context.timeZone),
      to: window.to === null ? null : instantOf(window.to, this.#context.timeZone),
      toInclusive: false,
    };
  }

  /** A column of the customer's stored score (unset when not scored). */
  score(column: 'risk_score' | 'p_alive' | 'predicted_clv_cents' | 'rfm_segment'): Expression<number | null> {
    // The `customer_score` table of the scores refresh (src/customers, src/analytics).
    return sql<number | null>`(select s.${sql.ref(column)} from customer_score s
      where s.workspace_id = c.workspace_id and s.customer_id = c.id)`;
  }

  // —— comparisons ——

  /** A comparison of a value that may be unset: false when it is (see the file comment). */
  nullable(value: Expression<unknown>, op: RuleCondition['op'], operand: Operand): Expression<SqlBool> {
    const eb = this.#eb;
    if (op === 'is_set') return eb(value, 'is not', null);
    if (op === 'is_not_set') return eb(value, 'is', null);
    if (op === '!=' || op === 'not_in') {
      return eb.not(this.nullable(value, op === '!=' ? '=' : 'in', operand));
    }
    // Unknown (the value is unset) becomes false. One COALESCE rather than `value IS NOT NULL AND
    // …`, so a subquery value (last_order_at, an average) is computed once, not twice.
    return sql<SqlBool>`coalesce(${this.compare(value, op, operand)}, false)`;
  }

  /** `value op operand` for a value that is set. */
  compare(value: Expression<unknown>, op: RuleCondition['op'], operand: Operand): Expression<SqlBool> {
    const eb = this.#eb;
    const now = this.#context.now;
    switch (op) {
      case '=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return eb(value, op, scalarOf(operand));
      case '!=':
        return eb(value, '<>', scalarOf(operand));
      case 'between':
        if (operand.type === 'range')
          return eb.and([eb(value, '>=', operand.low), eb(value, '<=', operand.high)]);
        if (operand.type === 'dates') {
          return eb.and([
            eb(value, '>=', instantOf(operand.from, this.#context.timeZone)),
            eb(value, '<', instantOf(operand.to, this.#context.timeZone)),
          ]);
        }
        break;
      case 'in':
      case 'not_in':
        if (operand.type === 'texts' || operand.type === 'numbers') {
          return eb(value, op === 'in' ? 'in' : 'not in', [...operand.values]);
        }
        break;
      case 'contains':
        return this.contains(value, textOf(operand));
      case 'starts_with':
        return sql<SqlBool>`substr(${value}, 1, length(cast(${textOf(operand)} as text))) = ${textOf(operand)}`;
      case 'ends_with': {
        const suffix = textOf(operand);
        return eb.and([
          sql<SqlBool>`length(${value}) >= length(cast(${suffix} as text))`,
          sql<SqlBool>`substr(${value}, length(${value}) - length(cast(${suffix} as text)) + 1) = ${suffix}`,
        ]);
      }
      case 'before':
        return eb(value, '<', this.instant(operand));
      case 'after':
        return eb(value, '>=', this.instant(operand));
      case 'within_last':
        return eb.and([eb(value, '>=', now - durationOf(operand)), eb(value, '<=', now)]);
      case 'more_than_ago':
        return eb(value, '<', now - durationOf(operand));
      default:
        break;
    }
    throw new Error(`Operator ${op} does not apply to a ${operand.type} operand`);
  }

  contains(value: Expression<unknown>, needle: string): Expression<SqlBool> {
    return this.#context.dialect === 'postgres'
      ? sql<SqlBool>`strpos(${value}, cast(${needle} as text)) > 0`
      : sql<SqlBool>`instr(${value}, ${needle}) > 0`;
  }

  instant(operand: Operand): number {
    if (operand.type !== 'date') throw new Error(`Expected a date operand, got ${operand.type}`);
    return instantOf(operand.value, this.#context.timeZone);
  }

  // —— purchases, subscriptions, attributes ——

  purchase(condition: RuleCondition): Expression<SqlBool> {
    const eb = this.#eb;
    const { op, operand } = condition;
    const column =
      condition.field.name === 'bought_product'
        ? 'i.product_id'
        : condition.field.name === 'bought_product_name'
          ? 'i.product_name'
          : 'i.category';
    const lines = this.orders(condition.window).innerJoin('order_item as i', (join) =>
      join.onRef('i.workspace_id', '=', 'o.workspace_id').onRef('i.order_id', '=', 'o.id'),
    );
    const positive = op === '!=' ? '=' : op === 'not_in' ? 'in' : op;
    const bought = eb.exists(
      lines.select('i.id').where((inner) => {
        const value = inner.ref(column);
        if (positive === '=') return inner(value, '=', textOf(operand));
        if (positive === 'in') return inner(value, 'in', operand.type === 'texts' ? [...operand.values] : []);
        return this.compare(value, positive, operand);
      }),
    );
    return op === '!=' || op === 'not_in' ? eb.not(bought) : bought;
  }

  subscription(op: RuleCondition['op'], operand: Operand): Expression<SqlBool> {
    const eb = this.#eb;
    const subscriptions = () =>
      eb
        .selectFrom('subscription as s')
        .select('s.id')
        .whereRef('s.workspace_id', '=', 'c.workspace_id')
        .whereRef('s.customer_id', '=', 'c.id');
    const state = (name: string): Expression<SqlBool> => {
      const live = eb.exists(subscriptions().where('s.status', 'in', [...LIVE_SUBSCRIPTION_STATUSES]));
      const any = eb.exists(subscriptions());
      if (name === 'active') return live;
      if (name === 'cancelled') return eb.and([any, eb.not(live)]);
      return eb.not(any);
    };
    const names = operand.type === 'texts' ? operand.values : [textOf(operand)];
    const matches = names.length === 1 ? state(names[0]!) : eb.or(names.map(state));
    return op === '=' || op === 'in' ? matches : eb.not(matches);
  }

  attribute(condition: RuleCondition): Expression<SqlBool> {
    const eb = this.#eb;
    const { op, operand } = condition;
    const key = condition.attributeKey ?? '';
    const postgres = this.#context.dialect === 'postgres';
    // SQLite: a JSON path with the key quoted (`$."key"`; the key holds no `"` or `\`).
    // PostgreSQL: the key as the text operand of -> / ->>. Both are bound parameters.
    const path = `$."${key}"`;
    const type = postgres
      ? sql<string>`coalesce(jsonb_typeof(c.attributes -> cast(${key} as text)), 'missing')`
      : sql<string>`coalesce(json_type(c.attributes, ${path}), 'missing')`;
    const textValue = postgres
      ? sql<string>`(c.attributes ->> cast(${key} as text))`
      : sql<string>`json_extract(c.attributes, ${path})`;
    const isText = eb(type, '=', postgres ? 'string' : 'text');
    const isNumber = postgres ? eb(type, '=', 'number') : eb(type, 'in', ['integer', 'real']);
    // A CASE, so PostgreSQL never casts a value that is not a JSON number.
    const numberValue = postgres
      ? sql<number>`(case when jsonb_typeof(c.attributes -> cast(${key} as text)) = 'number'
          then (c.attributes ->> cast(${key} as text))::double precision end)`
      : sql<number>`(case when json_type(c.attributes, ${path}) in ('integer', 'real')
          then json_extract(c.attributes, ${path}) end)`;

    if (op === 'is_set') return eb.and([eb(type, '<>', 'missing'), eb(type, '<>', 'null')]);
    if (op === 'is_not_set') return eb.not(eb.and([eb(type, '<>', 'missing'), eb(type, '<>', 'null')]));
    if (op === '!=' || op === 'not_in') {
      return eb.not(this.attribute({ ...condition, op: op === '!=' ? '=' : 'in' }));
    }
    if (operand.type === 'boolean') {
      if (postgres)
        return eb.and([eb(type, '=', 'boolean'), eb(textValue, '=', operand.value ? 'true' : 'false')]);
      return eb(type, '=', operand.value ? 'true' : 'false');
    }
    if (operand.type === 'text' || operand.type === 'texts') {
      return eb.and([isText, this.compare(textValue, op, operand)]);
    }
    return eb.and([isNumber, this.compare(numberValue, op, operand)]);
  }
}

function scalarOf(operand: Operand): string | number {
  if (operand.type === 'text' || operand.type === 'number') return operand.value;
  throw new Error(`Expected a text or number operand, got ${operand.type}`);
}

function textOf(operand: Operand): string {
  if (operand.type === 'text') return operand.value;
  throw new Error(`Expected a text operand, got ${operand.type}`);
}

function durationOf(operand: Operand): number {
  if (operand.type === 'duration') return operand.ms;
  throw new Error(`Expected a duration operand, got ${operand.type}`);
}
