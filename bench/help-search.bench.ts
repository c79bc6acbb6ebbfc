/**
 * Help centre search at size (`npx tsx bench/help-search.bench.ts [articles] [engines] [rounds]`,
 * default 10,000 articles on `sqlite,postgres`, 5 rounds). Target (issue 14, "Done means"): search
 * over 10,000 articles answers in < 50 ms p95 on SQLite, PostgreSQL beside it.
 *
 * The help centre is generated deterministically: 80 % English articles (titles of 4–8 words,
 * bodies of ~180 words from a 600-word support vocabulary with Zipf-like frequencies) and 20 %
 * Simplified Chinese (bodies of ~300 characters from 400 common characters); 5 % are drafts. What
 * is timed is the public search as `GET /help/{ws}/search.json` runs it (`searchHelpCentre`, its
 * log insert included), for a mix of queries: common and rare English words, two-word questions,
 * prefixes as typed (the suggestions), typos (the fuzzy pass), Chinese of 2 and 4 characters, and
 * queries that match nothing (every pass runs). Each query is run `rounds` times; the figures are
 * percentiles over all of them, wall clock and this process's CPU time (on SQLite, which runs in
 * the process, the CPU time is the search's own work whatever else loads the machine). The machine
 * is shared, so each engine's lines also give the load average (1 min) before and after its
 * searches, and a wall-clock p95 over each query's best round ("best-of-rounds"): a query waits
 * for a core in some rounds on a loaded machine, rarely in all of them, so the best round is close
 * to what the query costs with a core to itself (it is not the p95 a user would see under that
 * load, which the raw wall p95 is). The
 * reference, same run and store: one scan of the workspace's
 * published article titles (`title like '%…%'`), what a search without an index would at least read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type DatabaseConnection as Connection, migrateToLatest, openDatabase } from '../src/db/index.js';
import { plainTextOf, searchHelpCentre } from '../src/help/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';
import {
  createTestSchema,
  dropTestSchema,
  postgresUrlForSchema,
} from '../test/support/db/postgres-schema.js';

const articles = Number(process.argv[2] ?? 10_000);
const engines = (process.argv[3] ?? 'sqlite,postgres').split(',');
const rounds = Number(process.argv[4] ?? 5);
const TARGET_P95_MS = 50;
const NOW = Date.UTC(2026, 5, 1);

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STEMS = [
  'order',
  'refund',
  'return',
  'delivery',
  'parcel',
  'shipping',
  'invoice',
  'payment',
  'card',
  'account',
  'password',
  'email',
  'address',
  'subscription',
  'cancel',
  'exchange',
  'size',
  'discount',
  'coupon',
  'gift',
  'voucher',
  'loyalty',
  'points',
  'tracking',
  'courier',
  'warranty',
  'repair',
  'damaged',
  'missing',
  'late',
  'store',
  'pickup',
  'customs',
  'tax',
  'currency',
  'price',
  'stock',
  'preorder',
  'backorder',
  'newsletter',
  'privacy',
  'data',
  'cookie',
  'login',
  'profile',
  'wishlist',
  'basket',
  'checkout',
  'receipt',
  'bank',
];
const FILLER = [
  'the',
  'your',
  'you',
  'can',
  'to',
  'in',
  'of',
  'and',
  'a',
  'we',
  'is',
  'for',
  'on',
  'with',
  'after',
  'before',
  'within',
  'days',
  'working',
  'please',
  'our',
  'team',
  'will',
  'when',
  'if',
  'it',
  'be',
  'from',
  'by',
  'an',
  'choose',
  'open',
  'select',
  'press',
  'check',
  'send',
  'receive',
  'change',
  'update',
  'request',
  'contact',
  'help',
  'page',
  'link',
  'form',
  'button',
  'message',
  'number',
  'status',
  'option',
  'time',
  'free',
  'new',
];
const HAN =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
const ZH_WORDS = [
  '退款',
  '订单',
  '发货',
  '配送',
  '包裹',
  '发票',
  '付款',
  '账户',
  '密码',
  '邮箱',
  '地址',
  '优惠券',
  '积分',
  '会员',
  '取消',
  '换货',
  '尺码',
  '物流',
  '客服',
  '退货',
];

/** Zipf-like: index i drawn with weight ∝ 1 / (i + 1). */
function zipf(next: () => number, size: number): number {
  const harmonic = Math.log(size) + 0.5772;
  const target = next() * harmonic;
  let sum = 0;
  for (let index = 0; index < size; index++) {
    sum += 1 / (index + 1);
    if (sum >= target) return index;
  }
  return size - 1;
}

/** The vocabulary: the stems, their forms, and generated rarer words (600 in all). */
function vocabulary(): string[] {
  const words = [...STEMS, ...STEMS.map((stem) => `${stem}s`), ...STEMS.map((stem) => `${stem}ing`)];
  const next = random(7);
  while (words.length < 600) {
    const letters = 'abcdefghiklmnoprstuvw';
    let word = '';
    const length = 5 + Math.floor(next() * 6);
    for (let index = 0; index < length; index++) word += letters[Math.floor(next() * letters.length)];
    words.push(word);
  }
  return words;
}

function englishArticle(next: () => number, words: string[]) {
  const pick = () => words[zipf(next, words.length)]!;
  const titleWords = 4 + Math.floor(next() * 5);
  const title = Array.from({ length: titleWords }, (_, index) =>
    index % 2 === 0 ? pick() : FILLER[Math.floor(next() * FILLER.length)]!,
  ).join(' ');
  const sentences: string[] = [];
  for (let count = 0; count < 12; count++) {
    const length = 10 + Math.floor(next() * 10);
    sentences.push(
      `${Array.from({ length }, () => (next() < 0.45 ? pick() : FILLER[Math.floor(next() * FILLER.length)]!)).join(' ')}.`,
    );
  }
  const body = `${sentences.slice(0, 4).join(' ')}\n\n## ${pick()}\n\n- ${sentences[4]}\n- ${sentences[5]}\n\n${sentences.slice(6).join(' ')}`;
  return { title: title[0]!.toUpperCase() + title.slice(1), body, locale: 'en' };
}

function chineseArticle(next: () => number) {
  const characters = (count: number) =>
    Array.from({ length: count }, () =>
      next() < 0.15 ? ZH_WORDS[Math.floor(next() * ZH_WORDS.length)]! : HAN[zipf(next, HAN.length)]!,
    ).join('');
  const title = `${ZH_WORDS[Math.floor(next() * ZH_WORDS.length)]}${characters(4 + Math.floor(next() * 6))}`;
  const body = Array.from({ length: 10 }, () => `${characters(25 + Math.floor(next() * 10))}。`).join('');
  return { title, body, locale: 'zh-CN' };
}

async function generate(connection: Connection, workspaceId: number): Promise<void> {
  const { db } = connection;
  const next = random(42);
  const words = vocabulary();
  const batch: object[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await db
      .insertInto('help_article')
      .values(batch as never)
      .execute();
    batch.length = 0;
  };
  for (let index = 0; index < articles; index++) {
    const article = next() < 0.8 ? englishArticle(next, words) : chineseArticle(next);
    batch.push({
      workspace_id: workspaceId,
      section_id: null,
      group_key: `g${index}`,
      locale: article.locale,
      slug: `article-${index}`,
      title: article.title,
      body: article.body,
      body_text: plainTextOf(article.body),
      status: next() < 0.05 ? 'draft' : 'published',
      position: 0,
      version: 1,
      published_at: NOW,
      created_by: null,
      updated_by: null,
      created_at: NOW,
      updated_at: NOW,
    });
    if (batch.length === 200) await flush();
  }
  await flush();
  await sql`analyze`.execute(db);
}

/** The queries, by kind (a customer's mix). */
const QUERIES: Record<string, { query: string; locale: 'en' | 'zh-CN'; prefix?: boolean }[]> = {
  'common word': ['refund', 'order', 'delivery', 'payment', 'account'].map((query) => ({
    query,
    locale: 'en',
  })),
  'rare word': ['warranty', 'customs', 'backorder', 'wishlist', 'receipt'].map((query) => ({
    query,
    locale: 'en',
  })),
  'two words': [
    'refund card',
    'delivery address',
    'cancel subscription',
    'gift voucher',
    'password email',
  ].map((query) => ({ query, locale: 'en' })),
  'question as typed (prefix)': [
    'how do i ref',
    'track parc',
    'change deliv',
    'cancel sub',
    'reset pass',
  ].map((query) => ({ query, locale: 'en', prefix: true })),
  'typo (fuzzy)': ['refnud', 'delivry', 'pasword', 'subscripton', 'invocie'].map((query) => ({
    query,
    locale: 'en',
  })),
  'Chinese, 2 characters': ['退款', '发货', '密码', '积分', '物流'].map((query) => ({
    query,
    locale: 'zh-CN',
  })),
  'Chinese, 4 characters': ['退款订单', '配送地址', '账户密码', '会员积分', '取消订单'].map((query) => ({
    query,
    locale: 'zh-CN',
  })),
  'no match': ['zzqx', 'xylophone quartz', '无此内容的查询'].map((query) => ({
    query,
    locale: /[\u4e00-\u9fff]/.test(query) ? 'zh-CN' : 'en',
  })),
};

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function benchEngine(engine: string): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'retain-bench-help-'));
  const schema = engine === 'postgres' ? await createTestSchema() : null;
  const url = schema ? postgresUrlForSchema(schema) : `sqlite:${join(directory, 'retain.db')}`;
  const connection = openDatabase(url);
  try {
    const { db } = connection;
    await migrateToLatest(db);
    const { workspace } = await createWorkspace(db, {
      name: 'Help at size',
      slug: `help-${process.pid}-${Date.now()}`,
    });
    const started = performance.now();
    await generate(connection, workspace.id);
    process.stdout.write(
      `\n[${engine}] ${articles.toLocaleString('en')} articles generated and indexed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );

    const scan = async () => {
      const begin = performance.now();
      await db
        .selectFrom('help_article')
        .select('id')
        .where('workspace_id', '=', workspace.id)
        .where('status', '=', 'published')
        .where('title', 'like', '%refund%')
        .execute();
      return performance.now() - begin;
    };
    const scans = [await scan(), await scan(), await scan()].sort((left, right) => left - right);
    const reference = scans[0]!;
    process.stdout.write(
      `[${engine}] reference: one scan of the published titles: ${ms(reference)} (best of 3)\n`,
    );

    const all: number[] = [];
    const allCpu: number[] = [];
    const allBest: number[] = [];
    const loadBefore = loadavg()[0]!;
    for (const [kind, queries] of Object.entries(QUERIES)) {
      const times: number[] = [];
      const cpu: number[] = [];
      const best = queries.map(() => Number.POSITIVE_INFINITY);
      let found = 0;
      for (let round = 0; round < rounds; round++) {
        for (const [index, { query, locale, prefix }] of queries.entries()) {
          const begin = performance.now();
          const cpuBefore = process.cpuUsage();
          const { results } = await searchHelpCentre(db, {
            workspaceId: workspace.id,
            dialect: connection.dialect,
            query,
            locale,
            defaultLocale: 'en',
            limit: prefix ? 5 : 10,
            prefix: prefix ?? false,
            log: !prefix,
            now: NOW,
          });
          const wall = performance.now() - begin;
          times.push(wall);
          best[index] = Math.min(best[index]!, wall);
          const used = process.cpuUsage(cpuBefore);
          cpu.push((used.user + used.system) / 1000);
          if (round === 0) found += results.length;
        }
      }
      times.sort((left, right) => left - right);
      cpu.sort((left, right) => left - right);
      all.push(...times);
      allCpu.push(...cpu);
      allBest.push(...best);
      process.stdout.write(
        `[${engine}] ${kind.padEnd(28)} p50 ${ms(percentile(times, 0.5)).padStart(9)}  p95 ${ms(percentile(times, 0.95)).padStart(9)}  max ${ms(times[times.length - 1]!).padStart(9)}  CPU p95 ${ms(percentile(cpu, 0.95)).padStart(9)}  best-of-rounds max ${ms(Math.max(...best)).padStart(9)}  (${found} results for ${queries.length} queries)\n`,
      );
    }
    all.sort((left, right) => left - right);
    allCpu.sort((left, right) => left - right);
    allBest.sort((left, right) => left - right);
    const loadAfter = loadavg()[0]!;
    const p95 = percentile(all, 0.95);
    const bestP95 = percentile(allBest, 0.95);
    process.stdout.write(
      `[${engine}] all ${all.length} searches: p50 ${ms(percentile(all, 0.5))}, p95 ${ms(p95)} = ${(p95 / reference).toFixed(1)}× the reference; this process's CPU p95 ${ms(percentile(allCpu, 0.95))} (${connection.dialect === 'sqlite' ? 'the whole search: SQLite runs in-process' : 'the client side only'}) — target p95 < ${TARGET_P95_MS} ms: ${p95 < TARGET_P95_MS ? 'met' : 'NOT MET'}\n`,
    );
    process.stdout.write(
      `[${engine}] wall p95 ${ms(p95)}; best-of-${rounds}-rounds wall p95 over the ${allBest.length} queries ${ms(bestP95)} (${bestP95 < TARGET_P95_MS ? 'under' : 'OVER'} ${TARGET_P95_MS} ms); load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${availableParallelism()} cores\n`,
    );
  } finally {
    await connection.close();
    if (schema) await dropTestSchema(schema);
    rmSync(directory, { recursive: true, force: true });
  }
}

for (const engine of engines) await benchEngine(engine);
process.exit(0);
