/**
 * Search on both engines (issue 14, "Done means": English and Chinese queries find the right
 * articles, a title match ranks above a body match), with typos, FTS syntax and injection
 * attempts, drafts, other workspaces and the language fallback.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { createArticle, searchHelpCentre, updateHelpSettings } from './help.service.js';
import { searchTermsOf, snippetOf } from './help-search.js';

const NOW = Date.UTC(2026, 5, 1);
const actor = { type: 'system' } as const;

describeEachDatabase('help centre search', (getDb) => {
  let workspaceId: number;
  let otherWorkspaceId: number;
  const ids: Record<string, number> = {};

  async function article(key: string, title: string, body: string, locale = 'en', status = 'published') {
    const created = await createArticle(getDb().db, {
      workspaceId,
      title,
      body,
      locale,
      status: status as 'draft' | 'published',
      userId: null,
      actor,
      now: NOW,
    });
    ids[key] = created.id;
    return created;
  }

  async function search(query: string, locale: 'en' | 'zh-CN' = 'en', options: { prefix?: boolean } = {}) {
    const { db, dialect } = getDb();
    const { results } = await searchHelpCentre(db, {
      workspaceId,
      dialect,
      query,
      locale,
      defaultLocale: 'en',
      limit: 10,
      log: false,
      now: NOW,
      ...options,
    });
    return results.map((result) => result.id);
  }

  beforeAll(async () => {
    const { db } = getDb();
    workspaceId = (await createWorkspace(db, { name: 'Search', slug: `search-${newId()}` })).workspace.id;
    otherWorkspaceId = (await createWorkspace(db, { name: 'Other', slug: `other-${newId()}` })).workspace.id;
    // Title match vs body match for "refund": the title article must rank first even though the
    // body article says "refund" more often.
    await article(
      'bodyRefund',
      'Shipping times',
      'If a parcel is lost we refund it. Refund requests, refund status.',
    );
    await article('titleRefund', 'Refund policy', 'You can return goods within 30 days of delivery.');
    await article('password', 'Reset your password', 'Use the **Forgot password** link on the login page.');
    await article(
      'invoice',
      'Download an invoice',
      'Invoices are in [your account](https://example.com/account).',
    );
    await article('draft', 'Refund secrets (draft)', 'Internal refund notes.', 'en', 'draft');
    // Chinese: a title match, a body match, two-character and one-character queries.
    await article('zhRefund', '退款政策', '您可以在收货后三十天内申请退款。', 'zh-CN');
    await article('zhShipping', '配送时间', '订单通常在两天内发货。如需退款请联系客服。', 'zh-CN');
    // Translation fallback: an English-only article is found from zh-CN.
    await article('englishOnly', 'Gift cards', 'Gift cards never expire.');
    // Another workspace's article is never found.
    await createArticle(db, {
      workspaceId: otherWorkspaceId,
      title: 'Refund policy of another shop',
      body: 'refund',
      locale: 'en',
      status: 'published',
      userId: null,
      actor,
      now: NOW,
    });
  });

  it('finds English articles by their words, a title match above a body match', async () => {
    const found = await search('refund');
    expect(found.slice(0, 2)).toEqual([ids.titleRefund, ids.bodyRefund]);
    expect(found).not.toContain(ids.draft);
    expect(await search('password reset')).toEqual([ids.password]);
  });

  it('matches English word forms (stemming) and prefixes when suggesting', async () => {
    expect(await search('refunds')).toContain(ids.titleRefund);
    expect(await search('passw', 'en', { prefix: true })).toEqual([ids.password]);
  });

  it('does not match Markdown syntax or link targets', async () => {
    expect(await search('example.com')).toEqual([]);
    expect(await search('account')).toEqual([ids.invoice]);
  });

  it('finds Chinese articles, a title match first, with 1-, 2- and 4-character queries', async () => {
    expect(await search('退款', 'zh-CN')).toEqual([ids.zhRefund, ids.zhShipping]);
    expect(await search('退款政策', 'zh-CN')).toEqual([ids.zhRefund]);
    expect(await search('配送', 'zh-CN')).toEqual([ids.zhShipping]);
    expect(await search('货', 'zh-CN')).toEqual(expect.arrayContaining([ids.zhRefund, ids.zhShipping]));
    expect(await search('三十天内', 'zh-CN')).toEqual([ids.zhRefund]);
  });

  it('answers a question typed in words with the articles holding most of them', async () => {
    expect((await search('how do I reset my password'))[0]).toBe(ids.password);
  });

  it('tolerates typos in title words', async () => {
    expect(await search('pasword')).toEqual([ids.password]);
    expect(await search('invoise')).toEqual([ids.invoice]);
  });

  it('falls back to the default language for articles not translated', async () => {
    expect(await search('gift cards', 'zh-CN')).toEqual([ids.englishOnly]);
    // A Chinese search does not show English articles that were not asked for by their words.
    expect(await search('退款', 'zh-CN')).not.toContain(ids.titleRefund);
  });

  it('answers FTS syntax, SQL and odd input without an error', async () => {
    const hostile = [
      '"',
      '""',
      '*',
      'refund*',
      'NEAR(refund policy)',
      'refund NOT policy',
      '-refund',
      'title:refund',
      "'; drop table help_article; --",
      "refund' OR '1'='1",
      '%',
      '_',
      '\\',
      'a & b | !c',
      'refund:*',
      '^refund',
      '(((',
      'AND OR NOT',
      '🙂',
      'x'.repeat(5_000),
    ];
    for (const query of hostile) {
      await expect(search(query), query).resolves.toBeInstanceOf(Array);
    }
    // Read as the words refund, or, 1 — no article has all three, so those with any, the title
    // match first — not as SQL that would match every row (the drafts and the password article).
    const injected = await search("refund' OR '1'='1");
    expect(injected.slice(0, 2)).toEqual([ids.titleRefund, ids.bodyRefund]);
    expect(injected).not.toContain(ids.draft);
    expect(injected).not.toContain(ids.password);
    expect((await search('NEAR(refund policy)'))[0]).toBe(ids.titleRefund);
    expect(await search('refund*')).toEqual(await search('refund'));
    expect(await search('%')).toEqual([]);
    expect(await search('"')).toEqual([]);
  });

  it('never shows drafts or another workspace’s articles', async () => {
    const found = await search('refund secrets');
    expect(found).not.toContain(ids.draft);
    const all = await search('refund');
    expect(all.every((id) => Object.values(ids).includes(id))).toBe(true);
  });

  it('logs public searches with their result count', async () => {
    const { db, dialect } = getDb();
    await updateHelpSettings(db, { workspaceId, defaultLocale: 'en', actor, now: NOW });
    await searchHelpCentre(db, {
      workspaceId,
      dialect,
      query: '  Nothing   Here ',
      locale: 'en',
      defaultLocale: 'en',
      limit: 5,
      log: true,
      now: NOW,
    });
    const logged = await db
      .selectFrom('help_search')
      .select(['query', 'result_count'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(logged).toEqual([{ query: 'nothing here', result_count: 0 }]);
  });
});

it('cuts a query into bounded terms of letters and digits', () => {
  expect(searchTermsOf('"Refund" NEAR(policy*) -x')).toEqual(['refund', 'near', 'policy', 'x']);
  expect(searchTermsOf('退款 政策')).toEqual(['退款', '政策']);
  expect(searchTermsOf('a b c d e f g h i j k')).toHaveLength(8);
});

it('quotes the passage around the first term', () => {
  const text = `${'Lorem ipsum dolor sit amet. '.repeat(10)}Refunds take five days to reach your card. ${'More text here. '.repeat(10)}`;
  const snippet = snippetOf(text, ['refunds'], 80);
  expect(snippet).toContain('Refunds take five days');
  expect(snippet.startsWith('…')).toBe(true);
  expect(snippet.length).toBeLessThanOrEqual(84);
});
