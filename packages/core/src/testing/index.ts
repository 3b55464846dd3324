/**
 * Conformance suites for keygate's extension points (`@keygate/core/testing`).
 * Run them from a vitest file against your implementation.
 *
 * @module
 */
export * from './store-suite.js';
export * from './event-bus-suite.js';
export * from './rate-limiter-suite.js';
export * from './http-suite.js';
export * from './service-env.js';
export * from './credit-store-suite.js';
export * from './meter-suite.js';
