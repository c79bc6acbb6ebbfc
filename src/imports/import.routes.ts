/**
 * `POST /imports` (multipart upload, runs as a job) and `GET /imports/{id}` (status and progress).
 * Thin: the rules live in import.jobs.ts and import.service.ts.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import { DATE_FORMATS, DECIMAL_SEPARATORS, parseDelimiter } from '../csv/index.js';
import { RetainError } from '../errors/index.js';
import { createRouter, requireRole } from '../http/index.js';
import { startImport, uploadPath } from './import.jobs.js';
import type { ImportRun } from './import.repository.js';
import { getImport } from './import.service.js';
import { IMPORT_FORMATS, IMPORT_TYPES, type ImportReadOptions } from './import.types.js';

/** The most columns `map` may name, and the longest column name: a form field, bounded. */
const MAX_MAPPED_FIELDS = 64;
const MAX_COLUMN_NAME = 256;

/**
 * The form's `map` field: a JSON object of logical field → column name, e.g.
 * `{"customer_id":"Email","ordered_at":"Created at"}`. Throws `invalid_input` naming `map`.
 */
function parseColumnMapField(text: string): Record<string, string> {
  const refuse = (message: string) =>
    new RetainError('invalid_input', `map: ${message}`, [{ path: ['map'], message }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse('expected a JSON object such as {"customer_id":"Email"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refuse('expected a JSON object such as {"customer_id":"Email"}');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_MAPPED_FIELDS) throw refuse(`at most ${MAX_MAPPED_FIELDS} fields`);
  const map: Record<string, string> = {};
  for (const [field, column] of entries) {
    if (typeof column !== 'string' || column.trim() === '' || column.length > MAX_COLUMN_NAME) {
      throw refuse(`"${field.slice(0, 64)}" must name a column (1 to ${MAX_COLUMN_NAME} characters)`);
    }
    map[field] = column;
  }
  return map;
}

/** The form's dialect fields and `map` as the import's read options. */
function readOptions(form: {
  delimiter?: string | undefined;
  decimal?: string | undefined;
  dateFormat?: string | undefined;
  map?: string | undefined;
}): ImportReadOptions {
  const delimiter = form.delimiter === undefined ? undefined : parseDelimiter(form.delimiter);
  return {
    ...(delimiter ? { delimiter } : {}),
    ...(form.decimal ? { decimal: form.decimal as ImportReadOptions['decimal'] } : {}),
    ...(form.dateFormat ? { dateFormat: form.dateFormat as ImportReadOptions['dateFormat'] } : {}),
    ...(form.map === undefined ? {} : { map: parseColumnMapField(form.map) }),
  };
}

const ProblemSchema = z.object({
  line: z
    .number()
    .int()
    .openapi({ description: '1-based physical line (1 = the header; 0 = the file as a whole)' }),
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});

const ImportSchema = z
  .object({
    id: z.string(),
    type: z.enum(IMPORT_TYPES as [string, ...string[]]),
    format: z.enum(IMPORT_FORMATS as [string, ...string[]]),
    fileName: z.string(),
    skipInvalid: z.boolean(),
    status: z.enum(['queued', 'running', 'succeeded', 'rejected', 'failed']),
    rowsRead: z.number().int(),
    rowsWritten: z.number().int(),
    rowsRejected: z.number().int(),
    problems: z.array(ProblemSchema),
    error: z.string().nullable(),
    createdAt: z.number().int(),
    startedAt: z.number().int().nullable(),
    finishedAt: z.number().int().nullable(),
  })
  .openapi('Import');

const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.unknown()).optional() }),
});

function toBody(run: ImportRun): z.infer<typeof ImportSchema> {
  return {
    id: String(run.id),
    type: run.type,
    format: run.format,
    fileName: run.fileName,
    skipInvalid: run.skipInvalid,
    status: run.status,
    rowsRead: run.rowsRead,
    rowsWritten: run.rowsWritten,
    rowsRejected: run.rowsRejected,
    problems: [...run.problems],
    error: run.error,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

const createImport = createRoute({
  method: 'post',
  path: '/imports',
  tags: ['Imports'],
  summary: 'Upload a CSV file to import (runs in the background)',
  middleware: [requireRole('analyst')] as const,
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z
              .custom<File>((value) => value instanceof File, { message: 'a CSV file is required' })
              .openapi({ type: 'string', format: 'binary' }),
            type: z.enum(IMPORT_TYPES as [string, ...string[]]),
            format: z
              .enum(IMPORT_FORMATS as [string, ...string[]])
              .default('auto')
              .openapi({ description: 'auto (default): recognised by its header, as retain analyze does' }),
            skipInvalid: z.enum(['true', 'false']).default('false').openapi({
              description:
                'true: write the valid rows and leave out the invalid ones; false: reject the file',
            }),
            delimiter: z
              .enum([',', ';', 'tab', '|'])
              .optional()
              .openapi({ description: 'field separator; default: detected from the header and first rows' }),
            decimal: z.enum(DECIMAL_SEPARATORS).optional().openapi({
              description: 'decimal separator of amounts (. or ,); default: detected from the first rows',
            }),
            dateFormat: z.enum(DATE_FORMATS).optional().openapi({
              description: 'how dates are written; default: detected (ISO 8601 when nothing says)',
            }),
            map: z.string().max(16_384).optional().openapi({
              description:
                'JSON object naming the file\'s column for each field, e.g. {"customer_id":"Email","ordered_at":"Created at"}',
            }),
          }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Queued; poll GET /imports/{id}',
      content: { 'application/json': { schema: ImportSchema } },
    },
    400: {
      description: 'Bad type, format or file',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});

const readImport = createRoute({
  method: 'get',
  path: '/imports/{id}',
  tags: ['Imports'],
  summary: 'Status and progress of an import: rows read, written, rejected, and the problems found',
  middleware: [requireRole('analyst', 'marketer', 'agent')] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The import', content: { 'application/json': { schema: ImportSchema } } },
    404: {
      description: 'No such import in this workspace',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});

/** The imports routes, to mount under `/api/v1`. */
export function importRoutes() {
  const router = createRouter();
  router.openapi(createImport, async (c) => {
    const form = c.req.valid('form');
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const run = await startImport(db, {
      workspaceId: auth.workspaceId,
      type: form.type,
      format: form.format,
      fileName: form.file.name || 'upload.csv',
      skipInvalid: form.skipInvalid === 'true',
      read: readOptions(form),
      actor:
        auth.userId !== null
          ? { type: 'user', id: auth.userId }
          : auth.apiKeyId !== null
            ? { type: 'api_key', id: auth.apiKeyId }
            : { type: 'system' },
      now: now(),
      store: async (importId) => {
        const path = await uploadPath(importId);
        await pipeline(
          Readable.fromWeb(form.file.stream() as unknown as WebReadableStream<Uint8Array>),
          createWriteStream(path),
        );
        return path;
      },
    });
    return c.json(toBody(run), 202);
  });
  router.openapi(readImport, async (c) => {
    const { db } = c.get('services');
    const run = await getImport(db, c.get('auth').workspaceId, c.req.valid('param').id);
    return c.json(toBody(run), 200);
  });
  return router;
}
