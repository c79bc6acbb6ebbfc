export { type MrrMovement, type MrrMovementCustomers, mrrAt, mrrMovements } from './mrr.js';
