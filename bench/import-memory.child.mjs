// The import-memory bench's child: one import, then its report as one JSON line on stdout. It runs
// the built package (dist/, plain Node, as users run an import), or with `src` the sources, under
// tsx (`node --import tsx …`), which the parent (import-memory.bench.ts) uses when dist/ is older.
// Usage: node bench/import-memory.child.mjs <store url> <file> [dist|src]
const [, , url, path, from = 'dist'] = process.argv;
const { migrateToLatest, newId, openDatabase } = await import(`../${from}/db/index.js`);
const { runImport } = await import(`../${from}/imports/index.js`);
const { createWorkspace } = await import(`../${from}/workspaces/workspace.repository.js`);
const connection = openDatabase(url);
await migrateToLatest(connection.db);
const { workspace } = await createWorkspace(connection.db, { name: 'Memory', slug: `memory-${newId()}` });
const baseRss = process.memoryUsage().rss;
let peakHeapUsed = 0;
let peakExternal = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
  peakExternal = Math.max(peakExternal, usage.external);
}, 50);
const started = performance.now();
const outcome = await runImport(connection.db, { workspaceId: workspace.id, path, type: 'orders' });
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
await connection.close();
process.stdout.write(
  `${JSON.stringify({
    status: outcome.run.status,
    rowsWritten: outcome.run.rowsWritten,
    problems: outcome.run.problems.map((problem) => ({ line: problem.line, code: problem.code })),
    seconds,
    peakRss: process.resourceUsage().maxRSS * 1024,
    baseRss,
    peakHeapUsed,
    peakExternal,
  })}\n`,
);
process.exit(0);
