/**
 * Migration 013: the help centre (src/help).
 *
 * - `help_settings`: one row per workspace that has a help centre — its default language (the
 *   fallback of every page and search) and the key that signs its public "Was this helpful?" forms.
 * - `help_category`, `help_section`: the tree articles are filed in, titles per language (JSON).
 * - `help_article`: one article in one language — Markdown `body` and its plain text `body_text`
 *   (what search indexes and snippets quote, so Markdown syntax and link targets never match),
 *   draft / published, a `version` bumped on each change. Translations of one article share a
 *   `group_key` (unique per language).
 * - `help_article_revision`: each saved version of an article (who, when, what).
 * - `help_search`: the public searches (normalised query, language, result count): the report's
 *   top searches and searches without a result.
 * - `help_article_vote`: "Was this helpful?", one per article and voter (a keyed hash, not an
 *   address), a changed answer replacing the earlier one.
 * - `help_deflection`: "this solved it" clicks on a suggested article, with where (help centre,
 *   request form, chat) and the question typed.
 *
 * Search (help/help-search.ts): on SQLite two FTS5 indexes over (title, body_text), kept by
 * triggers as external-content tables of `help_article` — `help_article_fts` (unicode61 words with
 * the Porter stemmer) and `help_article_trigram` (the trigram tokenizer: Chinese and other text
 * without spaces, substrings, and a fuzzy fallback). On PostgreSQL a generated `search_vector`
 * (title weight A, body B; English stemming for `en`, `simple` otherwise) with a GIN index, and
 * pg_trgm GIN indexes on title and body text when the extension can be had (the migration
 * creates it — a trusted extension since PostgreSQL 13 — if it is available and missing).
 *
 * Layout as migrations 003–007: SQLite `id INTEGER PRIMARY KEY AUTOINCREMENT` plus a unique
 * `(workspace_id, id)` where a foreign key points, PostgreSQL `bigint` identity with primary key
 * `(workspace_id, id)`; every foreign key leads with `workspace_id`.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import { type DialectName, dialectOf, jsonColumnType } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow later table types.
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the builder's table/column type parameters are irrelevant here.
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** The tables this migration adds, parents first (the SQLite FTS5 indexes are derived, not listed). */
export const HELP_TABLES = [
  'help_settings',
  'help_category',
  'help_section',
  'help_article',
  'help_article_revision',
  'help_search',
  'help_article_vote',
  'help_deflection',
] as const;

function keyType(dialect: DialectName): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}

/** `workspace_id` and an allocated `id` (see migration 003). */
function scoped(db: AnyDb, dialect: DialectName, table: string): AnyTableBuilder {
  let builder: AnyTableBuilder = db.schema.createTable(table);
  if (dialect === 'sqlite') {
    builder = builder
      .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
      .addColumn('workspace_id', 'integer', (column) => column.notNull());
  } else {
    builder = builder
      .addColumn('workspace_id', 'bigint', (column) => column.notNull())
      .addColumn('id', 'bigint', (column) => column.notNull().generatedByDefaultAsIdentity())
      .addPrimaryKeyConstraint(`${table}_pkey`, ['workspace_id', 'id']);
  }
  return builder.addForeignKeyConstraint(
    `${table}_workspace_fkey`,
    ['workspace_id'],
    'workspace',
    ['id'],
    (constraint) => constraint.onDelete('cascade'),
  );
}

/** An integer column naming a row of `target` in the same workspace (deleted with it). */
function reference(
  builder: AnyTableBuilder,
  dialect: DialectName,
  table: string,
  column: string,
  target: string,
  nullable = false,
): AnyTableBuilder {
  return builder
    .addColumn(column, keyType(dialect), (definition) => (nullable ? definition : definition.notNull()))
    .addForeignKeyConstraint(
      `${table}_${column}_fkey`,
      ['workspace_id', column],
      target,
      ['workspace_id', 'id'],
      (constraint) => (nullable ? constraint : constraint.onDelete('cascade')),
    );
}

async function sqliteIdKey(db: AnyDb, table: string): Promise<void> {
  await db.schema
    .createIndex(`${table}_workspace_id_key`)
    .on(table)
    .columns(['workspace_id', 'id'])
    .unique()
    .execute();
}

/** The FTS5 index `name` over help_article (title, body_text), kept by triggers. */
async function sqliteFts(db: AnyDb, name: string, tokenize: string): Promise<void> {
  await sql
    .raw(
      `create virtual table ${name} using fts5(title, body_text, content='help_article', content_rowid='id', tokenize='${tokenize}')`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger ${name}_insert after insert on help_article begin
         insert into ${name}(rowid, title, body_text) values (new.id, new.title, new.body_text);
       end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger ${name}_delete after delete on help_article begin
         insert into ${name}(${name}, rowid, title, body_text) values ('delete', old.id, old.title, old.body_text);
       end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger ${name}_update after update of title, body_text on help_article begin
         insert into ${name}(${name}, rowid, title, body_text) values ('delete', old.id, old.title, old.body_text);
         insert into ${name}(rowid, title, body_text) values (new.id, new.title, new.body_text);
       end`,
    )
    .execute(db);
}

/** The schema pg_trgm lives in, creating the extension when it is available and missing; else null. */
async function pgTrgmSchema(db: AnyDb): Promise<string | null> {
  const installed = async () =>
    (
      await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema from pg_extension
        where extname = 'pg_trgm'`.execute(db)
    ).rows[0]?.schema ?? null;
  const found = await installed();
  if (found !== null) return found;
  const available = await sql`select 1 from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (available.rows.length === 0) return null;
  await sql`create extension if not exists pg_trgm`.execute(db);
  return installed();
}

export const helpCentreMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    const dialect = dialectOf(db);
    const json = jsonColumnType(dialect);
    const key = keyType(dialect);

    await db.schema
      .createTable('help_settings')
      .addColumn('workspace_id', key, (column) => column.notNull().primaryKey())
      .addColumn('default_locale', 'text', (column) => column.notNull())
      .addColumn('form_key', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addForeignKeyConstraint('help_settings_workspace_fkey', ['workspace_id'], 'workspace', ['id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();

    await scoped(db, dialect, 'help_category')
      .addColumn('slug', 'text', (column) => column.notNull())
      .addColumn('position', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('translations', json, (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('help_category_slug_key', ['workspace_id', 'slug'])
      .execute();
    if (dialect === 'sqlite') await sqliteIdKey(db, 'help_category');

    await reference(
      scoped(db, dialect, 'help_section'),
      dialect,
      'help_section',
      'category_id',
      'help_category',
    )
      .addColumn('slug', 'text', (column) => column.notNull())
      .addColumn('position', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('translations', json, (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('help_section_slug_key', ['workspace_id', 'slug'])
      .execute();
    if (dialect === 'sqlite') await sqliteIdKey(db, 'help_section');

    // An article's section may be removed (the service files its articles under none first).
    let article = reference(
      scoped(db, dialect, 'help_article'),
      dialect,
      'help_article',
      'section_id',
      'help_section',
      true,
    )
      .addColumn('group_key', 'text', (column) => column.notNull())
      .addColumn('locale', 'text', (column) => column.notNull())
      .addColumn('slug', 'text', (column) => column.notNull())
      .addColumn('title', 'text', (column) => column.notNull())
      .addColumn('body', 'text', (column) => column.notNull())
      .addColumn('body_text', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('position', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
      .addColumn('published_at', 'bigint')
      .addColumn('created_by', key)
      .addColumn('updated_by', key)
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('help_article_group_locale_key', ['workspace_id', 'group_key', 'locale'])
      .addCheckConstraint('help_article_status_check', sql`status in ('draft', 'published')`);
    if (dialect === 'postgres') {
      article = article.addColumn('search_vector', sql`tsvector`, (column) =>
        column
          .generatedAlwaysAs(
            sql`setweight(to_tsvector(case when locale = 'en' then 'english'::regconfig else 'simple'::regconfig end, title), 'A')
            || setweight(to_tsvector(case when locale = 'en' then 'english'::regconfig else 'simple'::regconfig end, body_text), 'B')`,
          )
          .stored(),
      );
    }
    await article.execute();
    if (dialect === 'sqlite') await sqliteIdKey(db, 'help_article');

    await reference(
      scoped(db, dialect, 'help_article_revision'),
      dialect,
      'help_article_revision',
      'article_id',
      'help_article',
    )
      .addColumn('version', 'integer', (column) => column.notNull())
      .addColumn('locale', 'text', (column) => column.notNull())
      .addColumn('title', 'text', (column) => column.notNull())
      .addColumn('body', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('created_by', key)
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('help_article_revision_version_key', ['workspace_id', 'article_id', 'version'])
      .execute();

    await scoped(db, dialect, 'help_search')
      .addColumn('query', 'text', (column) => column.notNull())
      .addColumn('locale', 'text', (column) => column.notNull())
      .addColumn('result_count', 'integer', (column) => column.notNull())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .execute();

    await reference(
      scoped(db, dialect, 'help_article_vote'),
      dialect,
      'help_article_vote',
      'article_id',
      'help_article',
    )
      .addColumn('voter_key', 'text', (column) => column.notNull())
      .addColumn('helpful', 'integer', (column) => column.notNull())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addUniqueConstraint('help_article_vote_voter_key', ['workspace_id', 'article_id', 'voter_key'])
      .addCheckConstraint('help_article_vote_helpful_check', sql`helpful in (0, 1)`)
      .execute();

    await reference(
      scoped(db, dialect, 'help_deflection'),
      dialect,
      'help_deflection',
      'article_id',
      'help_article',
    )
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('query', 'text')
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addCheckConstraint(
        'help_deflection_source_check',
        sql`source in ('help_centre', 'request_form', 'chat')`,
      )
      .execute();

    const indexes: readonly [name: string, table: string, columns: readonly string[]][] = [
      ['help_section_category_idx', 'help_section', ['workspace_id', 'category_id']],
      ['help_article_section_idx', 'help_article', ['workspace_id', 'section_id']],
      ['help_article_public_idx', 'help_article', ['workspace_id', 'status', 'locale']],
      ['help_search_at_idx', 'help_search', ['workspace_id', 'at']],
      ['help_deflection_at_idx', 'help_deflection', ['workspace_id', 'at']],
      ['help_deflection_article_idx', 'help_deflection', ['workspace_id', 'article_id']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema
        .createIndex(name)
        .on(table)
        .columns([...columns])
        .execute();
    }

    if (dialect === 'sqlite') {
      await sqliteFts(db, 'help_article_fts', 'porter unicode61 remove_diacritics 2');
      await sqliteFts(db, 'help_article_trigram', 'trigram');
      return;
    }
    await sql`create index help_article_search_idx on help_article using gin (search_vector)`.execute(db);
    const trgm = await pgTrgmSchema(db);
    if (trgm !== null) {
      // Qualified: the extension may live in a schema off the search path (e.g. public).
      const ops = sql.raw(`"${trgm.replaceAll('"', '""')}".gin_trgm_ops`);
      await sql`create index help_article_title_trgm_idx on help_article using gin (title ${ops})`.execute(
        db,
      );
      await sql`create index help_article_body_trgm_idx on help_article using gin (body_text ${ops})`.execute(
        db,
      );
    }
  },

  async down(db: AnyDb): Promise<void> {
    if (dialectOf(db) === 'sqlite') {
      await sql`drop table if exists help_article_fts`.execute(db);
      await sql`drop table if exists help_article_trigram`.execute(db);
    }
    for (const name of [...HELP_TABLES].reverse()) await db.schema.dropTable(name).execute();
  },
};
