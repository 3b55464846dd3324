/**
 * The smallest tour of keygate: create, verify, rotate with a grace period,
 * revoke. Runs with the in-memory defaults; nothing to set up.
 */
import { createKeyManager, type Actor } from '@keygate/core';

const manager = createKeyManager({
  config: { scopes: [{ name: 'weather:read' }, { name: 'weather:write' }], rotationGracePeriod: '1h' },
});
const admin: Actor = { id: 'user_1', tenantId: 'acme', role: 'admin' };

const { key, secret } = await manager.create(admin, { name: 'CI deploy bot', scopes: ['weather:read'] });
console.log(`created  ${key.id} "${key.name}" ${key.maskedKey} scopes=${key.scopes.join(',')}`);
console.log(`secret   ${secret}   (shown once)`);

const check = async (label: string, presented: string, scopes?: string[]) => {
  const result = await manager.verify(presented, scopes ? { scopes } : {});
  const limit = result.rateLimit ? ` remaining=${result.rateLimit.remaining}/${result.rateLimit.limit}` : '';
  console.log(`verify   ${label.padEnd(34)} -> ${result.code}${limit}`);
};
await check('the new key', secret, ['weather:read']);
await check('the new key, needing weather:write', secret, ['weather:write']);
await check('a mistyped key', secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a'));

const rotated = await manager.rotate(admin, key.id, { gracePeriod: '1h' });
console.log(`rotated  new secret ${rotated.key.maskedKey}; old one valid until ${rotated.key.previousKeyExpiresAt}`);
await check('the old key, inside the grace window', secret);
await check('the new key', rotated.secret);

await manager.revoke(admin, key.id);
console.log('revoked');
await check('the new key after revoke', rotated.secret);

const log = await manager.auditLog(admin);
console.log(`audit    ${log.items.map((e) => e.action).reverse().join(' → ')}`);
await manager.close();
