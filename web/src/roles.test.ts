/** The dashboard hides what the API refuses: the roles of docs/api.md. */
import { describe, expect, it } from 'vitest';
import { can } from './roles';

describe('can', () => {
  it('lets owners and admins do everything, analysts and marketers see the analytics, agents not', () => {
    for (const role of ['owner', 'admin'] as const) {
      expect([can(role, 'analytics'), can(role, 'imports'), can(role, 'settings')]).toEqual([
        true,
        true,
        true,
      ]);
    }
    expect([can('analyst', 'analytics'), can('analyst', 'imports'), can('analyst', 'settings')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([can('marketer', 'analytics'), can('marketer', 'imports')]).toEqual([true, false]);
    expect([can('agent', 'analytics'), can('agent', 'imports'), can('agent', 'settings')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('lets every role read customers, and all but agents export lists', () => {
    for (const role of ['owner', 'admin', 'analyst', 'marketer', 'agent'] as const) {
      expect(can(role, 'customers')).toBe(true);
      expect(can(role, 'exportCustomers')).toBe(role !== 'agent');
    }
  });

  it('lets every role but agents build segments, as the segments API does', () => {
    for (const role of ['owner', 'admin', 'analyst', 'marketer', 'agent'] as const) {
      expect(can(role, 'segments')).toBe(role !== 'agent');
    }
  });

  it('lets every role read loyalty; owners and admins set its rules; marketers and agents adjust points', () => {
    for (const role of ['owner', 'admin', 'analyst', 'marketer', 'agent'] as const) {
      expect(can(role, 'loyalty')).toBe(true);
      expect(can(role, 'loyaltySettings')).toBe(role === 'owner' || role === 'admin');
      expect(can(role, 'loyaltyAdjust')).toBe(role !== 'analyst');
      expect(can(role, 'writePromotions')).toBe(role !== 'analyst' && role !== 'agent');
    }
  });
});
