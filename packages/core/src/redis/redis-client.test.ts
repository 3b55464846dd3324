import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { assertRedisClient, evalScript, keySegment, luaScript, redisCommandClient, RedisNotReadyError, RedisTimeoutError, sendWithDeadline, sendWithin, type RedisCommandClient } from './redis-client.js';
import { ThrottledLog } from './throttled-log.js';

describe('sendWithDeadline', () => {
  it('rejects with RedisTimeoutError when the command never answers', async () => {
    const hung: RedisCommandClient = { sendCommand: () => new Promise(() => undefined) };
    await expect(sendWithDeadline(hung, ['PING'], 20)).rejects.toBeInstanceOf(RedisTimeoutError);
  });
  it('fails at once, without sending, while the client says it is not ready', async () => {
    let sent = 0;
    const down: RedisCommandClient = { isReady: false, sendCommand: async () => void sent++ };
    await expect(sendWithDeadline(down, ['PING'], 1000)).rejects.toBeInstanceOf(RedisNotReadyError);
    expect(sent).toBe(0);
  });
});

describe('sendWithin', () => {
  it('calls back once: a reply after the deadline is dropped, and so is a failure', async () => {
    const outcomes: unknown[] = [];
    const late: Array<(settle: 'reply' | 'error') => void> = [];
    const client: RedisCommandClient = {
      sendCommand: () => new Promise((resolve, reject) => late.push((how) => (how === 'reply' ? resolve('OK') : reject(new Error('ERR late'))))),
    };
    sendWithin(client, ['PING'], 10, (error, reply) => outcomes.push(error ?? reply));
    sendWithin(client, ['PING'], 10, (error, reply) => outcomes.push(error ?? reply));
    await new Promise((resolve) => setTimeout(resolve, 40));
    late[0]!('reply');
    late[1]!('error');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(RedisTimeoutError);
  });
  it('gives each command its own deadline, whatever the commands around it do', async () => {
    const never: RedisCommandClient = { sendCommand: () => new Promise(() => undefined) };
    const quick: RedisCommandClient = { sendCommand: () => new Promise((resolve) => setTimeout(() => resolve('OK'), 5)) };
    const timedOut: Array<[string, number]> = [];
    const started = performance.now();
    const track = (name: string) => (error: unknown) => {
      if (error instanceof RedisTimeoutError) timedOut.push([name, performance.now() - started]);
    };
    sendWithin(quick, ['PING'], 40, track('answered'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Sent 20 ms later with the same deadline length: its deadline is its own, not the first command's.
    sendWithin(never, ['PING'], 40, track('late'));
    sendWithin(never, ['PING'], 10, track('short'));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(timedOut.map(([name]) => name)).toEqual(['short', 'late']);
    expect(timedOut[0]![1]).toBeGreaterThanOrEqual(28);
    expect(timedOut[1]![1]).toBeGreaterThanOrEqual(58);
  });
  it('passes the reply, or the error, when the command answers in time', async () => {
    const outcomes: Array<[unknown, unknown]> = [];
    sendWithin({ sendCommand: async () => 'PONG' }, ['PING'], 1000, (error, reply) => outcomes.push([error, reply]));
    sendWithin({ sendCommand: () => Promise.reject(new Error('ERR no')) }, ['PING'], 1000, (error, reply) => outcomes.push([error, reply]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(outcomes[0]).toEqual([undefined, 'PONG']);
    expect((outcomes[1]![0] as Error).message).toBe('ERR no');
  });
});

describe('evalScript', () => {
  it('sends EVALSHA, and EVAL with the source only after NOSCRIPT', async () => {
    const script = luaScript('return 1');
    const seen: Array<ReadonlyArray<string | Buffer>> = [];
    const client: RedisCommandClient = {
      sendCommand: async (args) => {
        seen.push(args);
        if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script');
        return 1;
      },
    };
    expect(await evalScript(client, script, ['k'], ['a'], 100)).toBe(1);
    expect(seen).toEqual([
      ['EVALSHA', script.sha, '1', 'k', 'a'],
      ['EVAL', 'return 1', '1', 'k', 'a'],
    ]);
  });
  it('does not retry other errors', async () => {
    let calls = 0;
    const client: RedisCommandClient = { sendCommand: async () => { calls++; throw new Error('ERR wrong'); } };
    await expect(evalScript(client, luaScript('return 1'), [], [], 100)).rejects.toThrow('ERR wrong');
    expect(calls).toBe(1);
  });
});

describe('redisCommandClient', () => {
  it('uses a node-redis client as it is', () => {
    const client: RedisCommandClient = { sendCommand: async () => 'OK' };
    expect(redisCommandClient(client, 'f')).toBe(client);
  });
  it('sends through ioredis call() with the command name first, and is ready only when its status is', async () => {
    const calls: unknown[][] = [];
    const io = { status: 'connecting', call: async (...args: unknown[]) => void calls.push(args) };
    const client = redisCommandClient(io, 'f');
    expect(client.isReady).toBe(false);
    await expect(sendWithDeadline(client, ['PING'], 100)).rejects.toBeInstanceOf(RedisNotReadyError);
    io.status = 'ready';
    expect(client.isReady).toBe(true);
    await sendWithDeadline(client, ['EVALSHA', 'abc', '1', 'k', 'v'], 100);
    expect(calls).toEqual([['EVALSHA', 'abc', '1', 'k', 'v']]);
    // The same adapter each time, so stores on one ioredis client recognise each other.
    expect(redisCommandClient(io, 'g')).toBe(client);
  });
  it('refuses anything else with a ConfigError naming both clients', () => {
    for (const bad of [null, {}, { call: 1, status: 'ready' }, { call() {} }, 'redis://x']) {
      expect(() => redisCommandClient(bad, 'createThing')).toThrow(ConfigError);
    }
    expect(() => redisCommandClient({}, 'createThing')).toThrow(/createThing: client .*sendCommand\(\).*call\(\)/);
  });
});

describe('helpers', () => {
  it('assertRedisClient names the missing methods', () => {
    expect(() => assertRedisClient({ sendCommand() {} }, 'f', ['sendCommand', 'duplicate'])).toThrow(/duplicate\(\)/);
    expect(() => assertRedisClient(null, 'f')).toThrow(ConfigError);
    expect(() => assertRedisClient({ sendCommand() {}, call() {}, status: 'ready' }, 'f')).toThrow(/ioredis client; this factory needs a node-redis/);
  });
  it('keySegment keeps ids apart and free of ":"', () => {
    expect(keySegment('a:b')).toBe('a%3Ab');
    expect(keySegment('a%3Ab')).toBe('a%253Ab');
    expect(keySegment('a:b')).not.toBe(keySegment('a%3Ab'));
  });
  it('ThrottledLog logs one line per interval, with the count held back, and one recovery line', () => {
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    let now = 0;
    const log = new ThrottledLog({ warn: (m, d) => void lines.push(['warn', m, d]), error: (m, d) => void lines.push(['error', m, d]) }, 1000, () => now);
    for (let i = 0; i < 50; i++) log.failure('down', new Error('ECONNREFUSED'));
    now = 1500;
    log.failure('down', new Error('ECONNREFUSED'));
    log.recovered('up');
    log.recovered('up');
    expect(lines).toEqual([
      ['error', 'down', { error: 'Error: ECONNREFUSED' }],
      ['error', 'down', { error: 'Error: ECONNREFUSED', suppressed: 49 }],
      ['warn', 'up', {}],
    ]);
  });
});
