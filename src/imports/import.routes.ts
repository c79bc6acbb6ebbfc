/**
 * `POST /imports` (multipart upload, runs as a job) and `GET /imports/{id}` (status and progress).
 * Thin: the rules live in import.jobs.ts and import.service.ts.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import { authenticatedErrors, CSRF_REFUSED, createRouter, requireRole } from '../http/index.js';
import { startImport, uploadPath } from './import.jobs.js';
import type { ImportRun } from './import.repository.js';
import { getImport } from './import.service.js';
import { IMPORT_FORMATS, IMPORT_TYPES } from './import.types.js';

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
  operationId: 'createImport',
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
    ...authenticatedErrors({
      400: 'Bad type, format or file; `error.issues` names each.',
      403: `Only owners, admins and analysts import; or ${CSRF_REFUSED}.`,
      413: 'The file is larger than the limit (`RETAIN_MAX_UPLOAD_BYTES`, 256 MiB by default).',
      415: 'A body that is not `multipart/form-data`.',
    }),
  },
});

const readImport = createRoute({
  method: 'get',
  path: '/imports/{id}',
  operationId: 'getImport',
  tags: ['Imports'],
  summary: 'Status and progress of an import: rows read, written, rejected, and the problems found',
  middleware: [requireRole('analyst', 'marketer', 'agent')] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The import', content: { 'application/json': { schema: ImportSchema } } },
    ...authenticatedErrors({ 404: 'No such import in this workspace.' }),
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
