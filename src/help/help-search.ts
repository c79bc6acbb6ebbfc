/**
 * Full-text search of a workspace's published articles, ranked, on both engines (indexes of
 * migration 013). The query is user input: it is cut into terms of letters and digits (so no
 * FTS5 or tsquery syntax — quotes, `*`, `NEAR`, `-`, `:`, `&` — survives), each term bound as a
 * parameter or quoted, and the number and length of terms are bounded.
 *
 * Three passes, each run only when the one before found nothing:
 * 1. **Words** — SQLite FTS5 (unicode61 + Porter) ranked by bm25 with the title weighted 10× the
 *    body; PostgreSQL `tsvector` (English stemming for `en`, `simple` otherwise) ranked by
 *    `ts_rank` with title weight A = 1.0, body B = 0.4. Every term must match — or, when no article
 *    has them all, any (a question typed in words), ranked by how many and how rare; with `prefix`,
 *    the last term matches as a prefix (suggestions while a question is typed). Skipped for
 *    Chinese, Japanese or Korean text, which has no spaces to find words by.
 * 2. **Substrings** — every term as a substring of title or body: the FTS5 trigram index (bm25,
 *    title 10×) when every term has 3 characters or more, else LIKE (trigrams need 3: `退款` has
 *    2); PostgreSQL ILIKE, helped by pg_trgm indexes. Title matches first.
 * 3. **Fuzzy** (typos), on titles — PostgreSQL pg_trgm `<%` (word similarity ≥ 0.6), ranked by
 *    similarity; SQLite: titles sharing trigrams with the terms (FTS5 trigram index, bm25), kept
 *    when a term is within trigram similarity 0.3 of one of their words (pg_trgm's measure).
 *
 * Languages: articles in the asked language, and in the fallback language those whose
 * translation group has no published article in the asked one.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DialectName, RowId } from '../db/index.js';

/** Longest query read, in characters; longer input is cut here. */
export const MAX_QUERY_LENGTH = 200;
/** Most terms of a query used; the rest are ignored. */
export const MAX_QUERY_TERMS = 8;
/** Most results a search returns. */
export const MAX_SEARCH_RESULTS = 50;

export interface SearchOptions {
  readonly workspaceId: RowId;
  readonly query: string;
  /** The asked language first, then the fallback (the same tag twice is fine). */
  readonly locales: readonly [string, ...string[]];
  readonly limit: number;
  /** Match the last term as a prefix (suggestions as the customer types). */
  readonly prefix?: boolean;
}

export interface SearchHit {
  readonly id: RowId;
  readonly locale: string;
  readonly slug: string;
  readonly title: string;
  readonly bodyText: string;
}

export type SearchPass = 'words' | 'substrings' | 'fuzzy';

/** pg_trgm's default `similarity_threshold`: a title word this close to a term counts as its typo. */
const FUZZY_SIMILARITY = 0.3;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * The terms of a query: runs of letters, digits and combining marks, lower-cased, at most
 * `MAX_QUERY_TERMS` of at most 64 characters, duplicates dropped. Example:
 * `searchTermsOf('"Refund" NEAR(policy*) -x')` → `['refund', 'near', 'policy', 'x']`.
 */
export function searchTermsOf(query: string): string[] {
  const terms = query
    .slice(0, MAX_QUERY_LENGTH)
    .toLowerCase()
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter((term) => term !== '')
    .map((term) => term.slice(0, 64));
  return [...new Set(terms)].slice(0, MAX_QUERY_TERMS);
}

/** An FTS5 string literal: the term in double quotes, inner quotes doubled. */
function ftsString(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** A LIKE pattern matching `term` anywhere, `\` escaping the wildcards. */
function containsPattern(term: string): string {
  return `%${term.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
}

/** The 3-character substrings of `text` padded as pg_trgm does (`"  w"`, `" wo"`, …, `"rd "`). */
function trigramsOf(text: string): Set<string> {
  const grams = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u)) {
    if (word === '') continue;
    const padded = `  ${word} `;
    const chars = [...padded];
    for (let index = 0; index + 3 <= chars.length; index++) grams.add(chars.slice(index, index + 3).join(''));
  }
  return grams;
}

/** pg_trgm's similarity: shared trigrams over all distinct trigrams of both. */
function trigramSimilarity(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const gram of left) if (right.has(gram)) shared += 1;
  const union = left.size + right.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** The schema pg_trgm is installed in (quoted), per database handle, or null without it. */
const trigramSchemas = new WeakMap<object, Promise<string | null>>();
function pgTrigramSchema(db: Kysely<Database>): Promise<string | null> {
  const key = db.getExecutor();
  let found = trigramSchemas.get(key);
  if (found === undefined) {
    found = sql<{ schema: string }>`select extnamespace::regnamespace::text as schema from pg_extension
        where extname = 'pg_trgm'`
      .execute(db)
      .then((result) => {
        const schema = result.rows[0]?.schema;
        return schema === undefined ? null : `"${schema.replaceAll('"', '""')}"`;
      });
    trigramSchemas.set(key, found);
  }
  return found;
}

/**
 * Published articles of the workspace in the asked language or, for groups not translated into
 * it, the fallback — as a SQL condition on the alias `a`.
 */
function visibleIn(options: SearchOptions): RawBuilder<boolean> {
  const [asked, ...others] = options.locales;
  const fallbacks = others.filter((locale) => locale !== asked);
  const inAsked = sql`a.locale = ${asked}`;
  if (fallbacks.length === 0) {
    return sql<boolean>`a.workspace_id = ${options.workspaceId} and a.status = 'published' and ${inAsked}`;
  }
  return sql<boolean>`a.workspace_id = ${options.workspaceId} and a.status = 'published' and (${inAsked}
    or (a.locale in (${sql.join(fallbacks)}) and not exists (select 1 from help_article t
      where t.workspace_id = a.workspace_id and t.group_key = a.group_key and t.locale = ${asked}
        and t.status = 'published')))`;
}

const COLUMNS = sql`a.id, a.locale, a.slug, a.title, a.body_text as "bodyText"`;

/**
 * SQLite: the `limit` best visible articles matching `match` in the FTS5 table `table`, by bm25
 * (title 10×), ties by id. Ranked on ids alone first, then the columns read for those rows only:
 * a common word matches thousands of articles, and carrying each one's text through the sort
 * cost more than the ranking (SQLite's sorter holds every selected column).
 */
async function sqliteRanked(
  db: Kysely<Database>,
  table: 'help_article_fts' | 'help_article_trigram',
  match: string,
  options: SearchOptions,
  limit: number,
): Promise<SearchHit[]> {
  const fts = sql.raw(table);
  const result = await sql<SearchHit>`select ${COLUMNS}
    from (select f.rowid as hit_id, bm25(${fts}, 10.0, 1.0) as score
      from ${fts} f join help_article a on a.id = f.rowid
      where ${fts} match ${match} and ${visibleIn(options)}
      order by score, f.rowid
      limit ${limit}) r
    join help_article a on a.id = r.hit_id
    order by r.score, r.hit_id`.execute(db);
  return result.rows;
}

/**
 * The best published articles for `options.query`, best first, and the pass that found them.
 * No terms (only punctuation): no results. Every value is a bound parameter; FTS5 terms are quoted.
 */
export async function searchArticles(
  db: Kysely<Database>,
  dialect: DialectName,
  options: SearchOptions,
): Promise<{ hits: SearchHit[]; pass: SearchPass | null }> {
  const terms = searchTermsOf(options.query);
  if (terms.length === 0) return { hits: [], pass: null };
  const limit = Math.max(1, Math.min(MAX_SEARCH_RESULTS, Math.trunc(options.limit)));
  const scoped = { ...options, limit };
  const cjk = terms.some((term) => CJK.test(term));
  if (!cjk) {
    const words = dialect === 'sqlite' ? sqliteWords : postgresWords;
    const every = await words(db, scoped, terms, 'all');
    if (every.length > 0) return { hits: every, pass: 'words' };
    // A question in words ("how do I get my refund") rarely has all its words in one article:
    // then any of them, the articles with more (and rarer) ones first.
    if (terms.length > 1) {
      const some = await words(db, scoped, terms, 'any');
      if (some.length > 0) return { hits: some, pass: 'words' };
    }
  }
  const substrings =
    dialect === 'sqlite'
      ? await sqliteSubstrings(db, scoped, terms)
      : await postgresSubstrings(db, scoped, terms);
  if (substrings.length > 0) return { hits: substrings, pass: 'substrings' };
  if (cjk) return { hits: [], pass: null };
  const fuzzy =
    dialect === 'sqlite' ? await sqliteFuzzy(db, scoped, terms) : await postgresFuzzy(db, scoped, terms);
  return { hits: fuzzy, pass: fuzzy.length > 0 ? 'fuzzy' : null };
}

async function sqliteWords(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
  mode: 'all' | 'any',
): Promise<SearchHit[]> {
  const match = terms
    .map((term, index) =>
      options.prefix === true && index === terms.length - 1 ? `${ftsString(term)}*` : ftsString(term),
    )
    .join(mode === 'all' ? ' AND ' : ' OR ');
  return sqliteRanked(db, 'help_article_fts', match, options, options.limit);
}

async function sqliteSubstrings(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
): Promise<SearchHit[]> {
  if (terms.every((term) => [...term].length >= 3)) {
    const match = terms.map(ftsString).join(' AND ');
    return sqliteRanked(db, 'help_article_trigram', match, options, options.limit);
  }
  const patterns = terms.map(containsPattern);
  const each = patterns.map(
    (pattern) => sql`(a.title like ${pattern} escape '\\' or a.body_text like ${pattern} escape '\\')`,
  );
  const inTitle = patterns.map(
    (pattern) => sql`(case when a.title like ${pattern} escape '\\' then 1 else 0 end)`,
  );
  const result = await sql<SearchHit>`select ${COLUMNS} from help_article a
    where ${visibleIn(options)} and ${sql.join(each, sql` and `)}
    order by ${sql.join(inTitle, sql` + `)} desc, a.id
    limit ${options.limit}`.execute(db);
  return result.rows;
}

async function sqliteFuzzy(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
): Promise<SearchHit[]> {
  const grams = new Set<string>();
  for (const term of terms) {
    const chars = [...term];
    for (let index = 0; index + 3 <= chars.length; index++) grams.add(chars.slice(index, index + 3).join(''));
  }
  if (grams.size === 0) return [];
  // Titles only: a typo is looked for among the words of titles (a body's words would make every
  // article a candidate and the check slow).
  const match = `title : (${[...grams].slice(0, 64).map(ftsString).join(' OR ')})`;
  const candidates = {
    rows: await sqliteRanked(db, 'help_article_trigram', match, options, MAX_SEARCH_RESULTS * 2),
  };
  const termGrams = terms.map(trigramsOf);
  const scored: { hit: SearchHit; score: number }[] = [];
  for (const hit of candidates.rows) {
    const titleWords = wordsOf(hit.title);
    let score = 0;
    let someTerm = false;
    for (const gramsOfTerm of termGrams) {
      const similarity = bestSimilarity(gramsOfTerm, titleWords);
      if (similarity >= FUZZY_SIMILARITY) someTerm = true;
      score += similarity;
    }
    if (someTerm) scored.push({ hit, score });
  }
  return scored
    .sort((left, right) => right.score - left.score || left.hit.id - right.hit.id)
    .slice(0, options.limit)
    .map((entry) => entry.hit);
}

/** The distinct words of a text as trigram sets (at most 5,000 words: bodies are bounded anyway). */
function wordsOf(text: string): Set<string>[] {
  const words = new Set(text.toLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u));
  words.delete('');
  return [...words].slice(0, 5_000).map(trigramsOf);
}

function bestSimilarity(term: Set<string>, words: Set<string>[]): number {
  let best = 0;
  for (const word of words) best = Math.max(best, trigramSimilarity(term, word));
  return best;
}

/** A tsquery of the terms (letters and digits only, quoted), all or any, the last maybe a prefix. */
function tsqueryText(terms: string[], prefix: boolean, mode: 'all' | 'any'): string {
  return terms
    .map(
      (term, index) => `'${term.replaceAll("'", "''")}'${prefix && index === terms.length - 1 ? ':*' : ''}`,
    )
    .join(mode === 'all' ? ' & ' : ' | ');
}

async function postgresWords(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
  mode: 'all' | 'any',
): Promise<SearchHit[]> {
  const text = tsqueryText(terms, options.prefix === true, mode);
  // English articles were indexed with the English stemmer, the others with `simple` (migration 013).
  const result = await sql<SearchHit>`select ${COLUMNS},
      ts_rank('{0.1, 0.2, 0.4, 1.0}', a.search_vector, case when a.locale = 'en'
        then to_tsquery('english'::regconfig, ${text}) else to_tsquery('simple'::regconfig, ${text}) end) as rank
    from help_article a
    where ${visibleIn(options)} and (
      (a.locale = 'en' and a.search_vector @@ to_tsquery('english'::regconfig, ${text}))
      or (a.locale <> 'en' and a.search_vector @@ to_tsquery('simple'::regconfig, ${text})))
    order by rank desc, a.id
    limit ${options.limit}`.execute(db);
  return result.rows.map(({ id, locale, slug, title, bodyText }) => ({ id, locale, slug, title, bodyText }));
}

async function postgresSubstrings(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
): Promise<SearchHit[]> {
  const patterns = terms.map(containsPattern);
  const each = patterns.map((pattern) => sql`(a.title ilike ${pattern} or a.body_text ilike ${pattern})`);
  const inTitle = patterns.map((pattern) => sql`(case when a.title ilike ${pattern} then 1 else 0 end)`);
  const result = await sql<SearchHit>`select ${COLUMNS} from help_article a
    where ${visibleIn(options)} and ${sql.join(each, sql` and `)}
    order by ${sql.join(inTitle, sql` + `)} desc, a.id
    limit ${options.limit}`.execute(db);
  return result.rows;
}

async function postgresFuzzy(
  db: Kysely<Database>,
  options: SearchOptions,
  terms: string[],
): Promise<SearchHit[]> {
  const schema = await pgTrigramSchema(db);
  if (schema === null) return [];
  // Titles only (their trigram index answers `<%`); bodies' many words made it seconds at 10,000.
  const similar = sql.raw(`operator(${schema}.<%)`);
  const some = terms.map((term) => sql`${term} ${similar} a.title`);
  const score = terms.map((term) => sql`${sql.raw(schema)}.word_similarity(${term}, a.title)`);
  const result = await sql<SearchHit>`select ${COLUMNS}, ${sql.join(score, sql` + `)} as score
    from help_article a
    where ${visibleIn(options)} and (${sql.join(some, sql` or `)})
    order by score desc, a.id
    limit ${options.limit}`.execute(db);
  return result.rows.map(({ id, locale, slug, title, bodyText }) => ({ id, locale, slug, title, bodyText }));
}

/**
 * A passage of `text` around the first term found in it (case-insensitive), about `length`
 * characters, `…` marking cuts; the start of the text when no term occurs as such (a stemmed or
 * fuzzy match). Example: `snippetOf('A long … refunds take five days …', ['refunds'], 30)`.
 */
export function snippetOf(text: string, terms: readonly string[], length = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= length) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const term of terms) {
    const found = lower.indexOf(term);
    if (found !== -1 && (at === -1 || found < at)) at = found;
  }
  let start = at <= 0 ? 0 : Math.max(0, at - Math.floor(length / 3));
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    if (space !== -1 && start - space < 20) start = space + 1;
  }
  let end = Math.min(flat.length, start + length);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + length / 2) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end).trim()}${end < flat.length ? '…' : ''}`;
}
