export { startWorkerModule } from './worker-module.js';
