import { afterEach, describe, expect, it, vi } from 'vitest';

describe('requireService', () => {
  const saved = { url: process.env.KEYGATE_TEST_REDIS_URL, ci: process.env.CI };
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
    if (saved.url === undefined) delete process.env.KEYGATE_TEST_REDIS_URL;
    else process.env.KEYGATE_TEST_REDIS_URL = saved.url;
    if (saved.ci === undefined) delete process.env.CI;
    else process.env.CI = saved.ci;
  });

  it('outside CI: an unreachable service is skipped with a loud warning', async () => {
    process.env.KEYGATE_TEST_REDIS_URL = 'redis://127.0.0.1:1';
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { requireService } = await import('./service-env.js');
    const status = await requireService('redis');
    expect(status.available).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/SKIPPING redis integration tests/));
  });

  it('under CI=true: an unreachable service fails the suite', async () => {
    process.env.KEYGATE_TEST_REDIS_URL = 'redis://127.0.0.1:1';
    process.env.CI = 'true';
    const { requireService } = await import('./service-env.js');
    await expect(requireService('redis')).rejects.toThrow(/FAILING redis integration tests/);
  });

  it('reads URLs from the environment, with local defaults', async () => {
    delete process.env.KEYGATE_TEST_REDIS_URL;
    const { serviceUrl, uniqueTestName } = await import('./service-env.js');
    expect(serviceUrl('redis')).toBe('redis://127.0.0.1:6379');
    expect(uniqueTestName('kg')).toMatch(/^kg_[0-9a-f]{12}$/);
  });
});
