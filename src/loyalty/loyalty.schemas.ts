/** Request and response shapes of the loyalty API (OpenAPI through zod). */
import { z } from '@hono/zod-openapi';
import { LoyaltySettingsSchema } from './loyalty-settings.js';

/** Largest number of points one request moves (bounds what a request can ask for). */
export const MAX_POINTS_PER_REQUEST = 1_000_000_000;

export const LoyaltyCustomerParams = z.object({
  customerId: z.string().openapi({
    param: { name: 'customerId', in: 'path' },
    description:
      'The customer’s id in Retain (the `id` of `GET /api/v1/customers`), as elsewhere in the API.',
    example: '42',
  }),
});

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'Printable ASCII without spaces (e.g. a UUID or your order id).')
  .openapi({
    description:
      'Unique per workspace. A retry with the same key and request changes nothing and gets the first answer again (the same status and body); the key with a different request: 409.',
    example: 'order-1001-redeem',
  });

const Points = z.number().int().min(1).max(MAX_POINTS_PER_REQUEST);

export const RedeemBody = z
  .object({
    points: Points.openapi({ description: 'Points to take from the balance.', example: 500 }),
    idempotencyKey: IdempotencyKey,
    reason: z.string().trim().min(1).max(500).optional().openapi({ description: 'Shown in the history.' }),
  })
  .openapi('LoyaltyRedeemRequest');

export const AdjustBody = z
  .object({
    points: z
      .number()
      .int()
      .min(-MAX_POINTS_PER_REQUEST)
      .max(MAX_POINTS_PER_REQUEST)
      .refine((value) => value !== 0, 'Must not be 0.')
      .openapi({ description: 'Points to add (> 0) or take (< 0).', example: -100 }),
    reason: z.string().trim().min(1).max(500).openapi({ description: 'Why (kept with the entry).' }),
    idempotencyKey: IdempotencyKey,
  })
  .openapi('LoyaltyAdjustRequest');

/** A money amount in the workspace currency: a number or a decimal string with at most 2 decimals. */
export const MoneyAmount = z
  .union([z.number(), z.string()])
  .transform((value, context) => {
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (!/^\d{1,12}(\.\d{1,2})?$/.test(text)) {
      context.addIssue({
        code: 'custom',
        message: 'A non-negative amount with at most 2 decimals (e.g. 49.90).',
      });
      return z.NEVER;
    }
    const [units = '0', fraction = ''] = text.split('.');
    return Number(units) * 100 + Number(fraction.padEnd(2, '0'));
  })
  .openapi({
    type: 'string',
    description: 'Net amount in the workspace currency, e.g. `49.90`.',
    example: '49.90',
  });

export const EarnBody = z
  .object({
    orderId: z.string().min(1).max(255).openapi({
      description:
        'The order’s id in your shop (its external id): the order earns once, whether it arrives here, by import or by tracking.',
      example: '1001',
    }),
    amount: MoneyAmount,
    orderedAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: now.' }),
  })
  .openapi('LoyaltyEarnRequest');

export const EntrySchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    kind: z.enum(['earn', 'redeem', 'expire', 'adjust', 'reverse']),
    points: z.number().int().openapi({ description: 'Signed: credits > 0, debits < 0.' }),
    pending: z.boolean().openapi({ description: 'Inside the returns window: not spendable yet.' }),
    availableAt: z.string().nullable(),
    reason: z.string().nullable(),
    source: z
      .string()
      .openapi({ description: '`api`, `order`, `refund`, `expiry`, `reward`, `referral`, `event`.' }),
    sourceRef: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('LoyaltyEntry');

export const LedgerWriteSchema = z
  .object({
    entry: EntrySchema,
    balance: z.number().int(),
    pending: z.number().int(),
  })
  .openapi('LoyaltyLedgerWrite');

export const EarnResultSchema = z
  .object({
    entry: EntrySchema.nullable().openapi({
      description: 'null: the order earned before (or earns 0 points).',
    }),
    balance: z.number().int(),
    pending: z.number().int(),
  })
  .openapi('LoyaltyEarnResult');

export const TierProgressSchema = z
  .object({
    name: z.string(),
    threshold: z.number(),
    remaining: z.number().openapi({ description: 'Points (or cents of spend) still to qualify.' }),
  })
  .openapi('LoyaltyTierProgress');

export const CustomerPointsSchema = z
  .object({
    customerId: z.string(),
    balance: z.number().int().openapi({ description: 'Spendable points.' }),
    pending: z.number().int().openapi({ description: 'Points inside the returns window.' }),
    debt: z
      .number()
      .int()
      .openapi({ description: 'Refund reversals the balance did not cover; taken from the next earnings.' }),
    earned: z.number().int().openapi({ description: 'Points ever earned (less reversals).' }),
    tier: z.string().nullable(),
    nextTier: TierProgressSchema.nullable(),
    balanceValue: z
      .string()
      .openapi({ description: 'What the balance is worth, in the workspace currency (e.g. `12.50`).' }),
    currency: z.string(),
    referralCode: z.string().nullable(),
  })
  .openapi('LoyaltyCustomerPoints');

export const HistoryQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z
    .string()
    .max(20)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
});

export const HistorySchema = z
  .object({ items: z.array(EntrySchema), nextCursor: z.string().nullable() })
  .openapi('LoyaltyHistory');

export const ProgrammeSchema = z.object({ settings: LoyaltySettingsSchema }).openapi('LoyaltyProgramme');
