import type { KeyManager, Logger } from '@keygate/core';
import type { ClaimStore } from './claim-store.js';

/** Options of {@link createAutoRotation}. */
export interface AutoRotationOptions {
  /** Leases, so two runners never rotate the same tenant's keys at once. */
  claims: ClaimStore;
  /** Longest a runner may hold a tenant's lease (a crashed runner frees it after this). Default 10 minutes. */
  leaseMs?: number;
  logger?: Logger;
}

/** What one rotation run did. */
export interface AutoRotationResult {
  rotated: string[];
  /** Tenants another runner was rotating at the time. */
  skippedTenants: string[];
  failedTenants: string[];
}

/**
 * Automated rotation on a schedule: `manager.rotateDue` per tenant, under a
 * lease per tenant. A rotation moves the key's `rotatedAt` to now, so a
 * runner that lists the keys after the lease is released no longer sees them
 * as due: each key is rotated once. New secrets go to `hooks.onRotated`.
 */
export function createAutoRotation(manager: KeyManager, options: AutoRotationOptions) {
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const logger = options.logger ?? console;
  return {
    async run(tenantIds: readonly string[]): Promise<AutoRotationResult> {
      const result: AutoRotationResult = { rotated: [], skippedTenants: [], failedTenants: [] };
      if (manager.config.rotationIntervalMs === null) return result;
      for (const tenantId of tenantIds) {
        const lease = `rotate:${tenantId}`;
        if (!(await options.claims.claim(lease, leaseMs))) {
          result.skippedTenants.push(tenantId);
          continue;
        }
        try {
          const { rotated } = await manager.rotateDue([tenantId]);
          result.rotated.push(...rotated);
        } catch (error) {
          result.failedTenants.push(tenantId);
          logger.error('keygate: automated rotation failed', { tenantId, error: error instanceof Error ? error.message : String(error) });
        } finally {
          await Promise.resolve(options.claims.release(lease)).catch(() => undefined);
        }
      }
      return result;
    },
  };
}
