/**
 * The loyalty widget in Chromium (issue 13, "Done means"): a plain HTML page of a shop, on another
 * origin than Retain, with one `<script>` tag, shows the signed-in customer's balance; a forged
 * token, a token altered to name another customer, and an expired one are refused (401) and the
 * widget shows nothing of anyone's points. The customer claims a reward from the widget: the points
 * are spent, the coupon code shown, and the claim is the customer's own (another customer's token
 * cannot claim for them, a forged one cannot claim at all).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, migrateToLatest, openDatabase } from '../../src/db/index.js';
import { ensureProgramme } from '../../src/loyalty/loyalty.repository.js';
import { adjustPoints } from '../../src/loyalty/loyalty.service.js';
import { createReward } from '../../src/loyalty/reward.service.js';
import { signStorefrontToken } from '../../src/loyalty/storefront-token.js';
import { buildApp } from '../../src/server/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { newCustomer } from '../loyalty/ledger.js';
import { launchChromium } from './browser.js';

describe('the loyalty widget in Chromium', () => {
  let directory: string;
  let connection: DatabaseConnection;
  let retain: ReturnType<typeof serve>;
  let retainUrl: string;
  let shop: Server;
  let shopUrl: string;
  let browser: Browser;
  let workspaceId: number;
  let secret: string;
  let rewardId: string;
  /** The page the shop serves for `/?token=…`: nothing but a heading and the widget's tag. */
  let pageFor: (token: string) => string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'retain-widget-'));
    connection = openDatabase(`sqlite:${join(directory, 'retain.db')}`);
    await migrateToLatest(connection.db);
    workspaceId = (await createWorkspace(connection.db, { name: 'Shop', slug: 'widget-shop' })).workspace.id;
    secret = (await ensureProgramme(connection.db, workspaceId, Date.now())).storefrontSecret;
    const ann = await newCustomer(connection.db, workspaceId, { externalId: 'shop-42' });
    const bob = await newCustomer(connection.db, workspaceId, { externalId: 'shop-7' });
    await adjustPoints(
      connection.db,
      workspaceId,
      ann,
      { points: 1234, reason: 'Welcome', idempotencyKey: 'a' },
      Date.now(),
    );
    await adjustPoints(
      connection.db,
      workspaceId,
      bob,
      { points: 55, reason: 'Welcome', idempotencyKey: 'b' },
      Date.now(),
    );
    rewardId = String(
      (
        await createReward(
          connection.db,
          workspaceId,
          { name: 'Tote bag', kind: 'free_product', productId: 'TOTE', costPoints: 1000, stock: 1 },
          Date.now(),
        )
      ).id,
    );
    const app = buildApp({ db: connection.db, dialect: 'sqlite', now: () => Date.now() });
    await new Promise<void>((resolve) => {
      retain = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
        retainUrl = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    pageFor = (token) =>
      `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>My account</h1>` +
      `<script src="${retainUrl}/storefront/widget.js" data-token="${token}"></script></body></html>`;
    shop = createServer((request, response) => {
      const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(pageFor(token));
    });
    // "localhost", not 127.0.0.1: another origin than Retain's, as a shop's site is.
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    shop?.close();
    retain?.close();
    await connection?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const token = (externalId: string, options: { secret?: string; expiresAt?: number } = {}) =>
    signStorefrontToken(options.secret ?? secret, {
      workspaceId,
      externalId,
      expiresAt: options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600,
    });

  /** The widget's state and text once it has rendered on the shop's page. */
  async function widgetOn(tokenText: string) {
    const page = await browser.newPage();
    try {
      await page.goto(`${shopUrl}/?token=${encodeURIComponent(tokenText)}`);
      const widget = page.locator('.retain-loyalty[data-state]');
      await widget.waitFor({ timeout: 15_000 });
      return {
        state: await widget.getAttribute('data-state'),
        text: (await widget.textContent()) ?? '',
        balance: await page
          .locator('.retain-loyalty [data-balance]')
          .getAttribute('data-balance', { timeout: 500 })
          .catch(() => null),
      };
    } finally {
      await page.close();
    }
  }

  it('shows the signed-in customer’s balance on a plain page of another origin', async () => {
    const widget = await widgetOn(token('shop-42'));
    expect(widget.state).toBe('ready');
    expect(widget.balance).toBe('1234');
    expect(widget.text).toContain('1,234');
    expect(widget.text).toMatch(/Your referral code: [2-9A-HJKMNP-Z]{8}/);
  }, 30_000);

  it('lets the customer claim a reward: points spent, the code shown, the stock taken', async () => {
    const forged = await fetch(`${retainUrl}/storefront/v1/loyalty/rewards/${rewardId}/claim`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token('shop-42', { secret: 'not-the-workspace-secret' })}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ idempotencyKey: 'forged' }),
    });
    expect(forged.status).toBe(401);
    // Bob (55 points) sees the reward but cannot afford it: the button is disabled.
    const bobPage = await browser.newPage();
    try {
      await bobPage.goto(`${shopUrl}/?token=${encodeURIComponent(token('shop-7'))}`);
      const bobButton = bobPage.getByRole('button', { name: /Claim Tote bag/ });
      await bobButton.waitFor({ timeout: 15_000 });
      expect(await bobButton.isDisabled()).toBe(true);
    } finally {
      await bobPage.close();
    }
    const page = await browser.newPage();
    try {
      await page.goto(`${shopUrl}/?token=${encodeURIComponent(token('shop-42'))}`);
      const button = page.getByRole('button', { name: /Claim Tote bag for 1,000 points/ });
      await button.waitFor({ timeout: 15_000 });
      await button.click();
      const code = page.locator('.retain-loyalty [data-coupon]');
      await code.waitFor({ timeout: 15_000 });
      expect(await code.getAttribute('data-coupon')).toMatch(/^[2-9A-HJKMNP-Z]{12}$/);
      expect(await page.locator('.retain-loyalty [data-balance]').getAttribute('data-balance')).toBe('234');
    } finally {
      await page.close();
    }
    // The server agrees: 234 points left, the reward (stock 1) sold out for everyone.
    const view = await fetch(`${retainUrl}/storefront/v1/loyalty`, {
      headers: { Authorization: `Bearer ${token('shop-42')}` },
    });
    const body = (await view.json()) as { balance: number; rewards: { id: string; available: boolean }[] };
    expect(body.balance).toBe(234);
    expect(body.rewards.find((reward) => reward.id === rewardId)?.available).toBe(false);
  }, 60_000);

  it('refuses a forged token, one altered to name another customer, and an expired one', async () => {
    const genuine = token('shop-42');
    const [, , , , signature] = genuine.split('.');
    const altered = `${token('shop-7').split('.').slice(0, 4).join('.')}.${signature}`;
    const forged = token('shop-7', { secret: 'not-the-workspace-secret' });
    const expired = token('shop-42', { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    for (const refused of [forged, altered, expired, 'garbage']) {
      const answer = await fetch(`${retainUrl}/storefront/v1/loyalty`, {
        headers: { Authorization: `Bearer ${refused}` },
      });
      expect(answer.status).toBe(401);
      const widget = await widgetOn(refused);
      expect(widget.state).toBe('refused');
      expect(widget.balance).toBeNull();
      expect(widget.text).not.toMatch(/55|1,234/);
    }
    // Bob's own token shows Bob's points, not Ann's (after Ann's claim: 1234 − 1000 = 234).
    expect((await widgetOn(token('shop-7'))).balance).toBe('55');
    expect((await widgetOn(token('shop-42'))).balance).toBe('234');
  }, 90_000);
});
