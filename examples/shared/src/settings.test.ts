import { describe, expect, it } from 'vitest';
import { DATA_DIR, readSettings, redactUrl } from './settings.js';

describe('readSettings', () => {
  it('defaults to port 3000, localhost only, and a SQLite file under examples/.data', () => {
    const s = readSettings('Express', 'express-app', {});
    expect(s).toMatchObject({ port: 3000, host: '127.0.0.1', demoPassword: 'keygate-demo' });
    expect(s.storageUrl).toBe(`sqlite://${DATA_DIR}express-app.sqlite`);
    expect(s.redisUrl).toBeUndefined();
  });

  it('uses DATABASE_URL and REDIS_URL when set; STORAGE_URL wins', () => {
    const env = { PORT: '8080', DATABASE_URL: 'postgres://u:p@db/app', REDIS_URL: 'redis://cache:6379' };
    expect(readSettings('Koa', 'koa-app', env)).toMatchObject({ port: 8080, storageUrl: 'postgres://u:p@db/app', redisUrl: 'redis://cache:6379' });
    expect(readSettings('Koa', 'koa-app', { ...env, STORAGE_URL: 'memory://' }).storageUrl).toBe('memory://');
  });

  it('refuses a PORT that is not a port', () => {
    for (const PORT of ['abc', '-1', '70000', '3.5']) expect(() => readSettings('Koa', 'koa-app', { PORT })).toThrow(/PORT/);
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('redis://:pw@cache:6379')).toBe('redis://:***@cache:6379');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
