/**
 * Writes `samples/subscriptions.csv` (`npx tsx samples/generators/subscriptions.ts [path]`): a synthetic
 * monthly SaaS whose churn follows the shifted-beta-geometric model (Fader & Hardie 2007, "How to
 * Project Customer Retention", J. Interactive Marketing 21(1)) at parameters chosen here, so that
 * `retain survival samples/subscriptions.csv --by plan` can be checked against a known truth.
 *
 * 2,000 customers, 1,000 per plan: "basic" ($29 a month, α 0.7, β 6: mean monthly churn
 * α / (α + β) ≈ 10 %) and "pro" ($99 a month, α 0.7, β 14: ≈ 5 %), each with one monthly
 * subscription started on a day of 2023. Each customer draws a churn probability θ ~ Beta(α, β)
 * and renews at each monthly anniversary with probability 1 − θ; the file is observed through
 * 2025-12-31, so a customer still paying then has no `ended_at`. Seeded: the same file every run.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/core/index.js';

const PLANS = [
  { plan: 'basic', alpha: 0.7, beta: 6, amount: '29.00' },
  { plan: 'pro', alpha: 0.7, beta: 14, amount: '99.00' },
] as const;
const CUSTOMERS_PER_PLAN = 1_000;
const OBSERVED_UNTIL = Date.UTC(2025, 11, 31);

const random = seededRandom(20_070_101);

/** A standard normal draw (Box–Muller). */
function normal(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 by the boost Gamma(shape + 1)·U^(1/shape)). */
function gamma(shape: number): number {
  if (shape < 1) return gamma(shape + 1) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function betaDraw(alpha: number, beta: number): number {
  const x = gamma(alpha);
  return x / (x + gamma(beta));
}

const iso = (instant: number) => new Date(instant).toISOString().slice(0, 10);

const lines = ['customer_id,subscription_id,plan,started_at,ended_at,amount,currency,interval'];
let sequence = 0;
for (const { plan, alpha, beta, amount } of PLANS) {
  for (let index = 0; index < CUSTOMERS_PER_PLAN; index++) {
    sequence++;
    // Starts on days 1–28 of a month, so every monthly anniversary exists.
    const startMonth = Math.floor(random() * 12);
    const startDay = 1 + Math.floor(random() * 28);
    const churn = betaDraw(alpha, beta);
    // Paid months: the first, then one more per renewal survived.
    let months = 1;
    let end: number | null = null;
    for (;;) {
      const anniversary = Date.UTC(2023, startMonth + months, startDay);
      if (anniversary > OBSERVED_UNTIL) break; // still paying when the file was written
      if (random() < churn) {
        end = anniversary;
        break;
      }
      months++;
    }
    const start = Date.UTC(2023, startMonth, startDay);
    const id = String(sequence).padStart(4, '0');
    lines.push(`c${id},sub-${id},${plan},${iso(start)},${end === null ? '' : iso(end)},${amount},USD,month`);
  }
}

const target = process.argv[2] ?? fileURLToPath(new URL('../subscriptions.csv', import.meta.url));
writeFileSync(target, `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${lines.length - 1} subscriptions to ${target}\n`);
