// The resolve hook module-log.mjs registers: records each resolved URL, then resolves as usual.
import { appendFileSync } from 'node:fs';

const logFile = process.env.RETAIN_MODULE_LOG;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (logFile) appendFileSync(logFile, `${resolved.url}\n`);
  return resolved;
}
