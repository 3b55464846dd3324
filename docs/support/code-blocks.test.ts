import { describe, expect, it } from 'vitest';
import {
  annotationProblem,
  curlCalls,
  extractCodeBlocks,
  fetchCalls,
  mustRun,
  pythonCalls,
  routeExists,
  servicesOf,
  singleQuotedVariables,
} from './code-blocks.js';

const md = [
  '# Title',
  '```ts',
  "console.log('a');",
  '```',
  '<!-- no-run: needs a browser DOM -->',
  '````tsx no-run',
  '```not a fence end',
  '````',
  '```ts client services=redis,postgres',
  'x',
  '```',
  '```sh',
  'echo',
].join('\n');

describe('extractCodeBlocks', () => {
  const blocks = extractCodeBlocks(md, 'x.md');

  it('finds blocks with their line, language, flags and code', () => {
    expect(blocks.map((b) => [b.line, b.lang])).toEqual([[2, 'ts'], [6, 'tsx'], [9, 'ts'], [12, 'sh']]);
    expect(blocks[0]!.code).toBe("console.log('a');\n");
    expect(blocks[1]!.code).toBe('```not a fence end\n'); // a shorter fence does not close a longer one
    expect(blocks[2]!.flags).toEqual({ client: true, services: 'redis,postgres' });
    expect(blocks[3]!.code).toBe('echo\n'); // unclosed: to the end of the file
  });

  it('reads the no-run reason from the comment above the fence', () => {
    expect(blocks[1]!.noRunReason).toBe('needs a browser DOM');
    expect(mustRun(blocks[0]!)).toBe(true);
    expect(mustRun(blocks[1]!)).toBe(false);
    expect(mustRun(blocks[3]!)).toBe(false);
    expect(servicesOf(blocks[2]!)).toEqual(['redis', 'postgres']);
  });

  it('reports wrong annotations', () => {
    expect(blocks.map(annotationProblem)).toEqual([undefined, undefined, undefined, undefined]);
    const [noReason] = extractCodeBlocks('```ts no-run\nx\n```', 'y.md');
    expect(annotationProblem(noReason!)).toMatch(/needs `<!-- no-run/);
    const [orphan] = extractCodeBlocks('<!-- no-run: a good reason here -->\n```ts\nx\n```', 'y.md');
    expect(annotationProblem(orphan!)).toMatch(/does not say no-run/);
    const [typo] = extractCodeBlocks('```ts norun\nx\n```', 'y.md');
    expect(annotationProblem(typo!)).toBe('unknown flag "norun"');
  });
});

describe('API calls in samples', () => {
  it('reads curl commands, with continuations and implied methods', () => {
    const sh = [
      'curl -sS -X PATCH "$BASE/api/v1/platform/api-keys/{id}" \\',
      '  -d \'{"a":1}\'',
      'curl "$BASE/api/v1/platform/api-keys?limit=2"',
      'curl "$BASE/api/v1/platform/api-keys/$KEY_ID/revoke" -d ""',
      'curl "$BASE/weather"',
    ].join('\n');
    expect(curlCalls(sh)).toEqual([
      { method: 'PATCH', path: '/api/v1/platform/api-keys/{id}' },
      { method: 'GET', path: '/api/v1/platform/api-keys' },
      { method: 'POST', path: '/api/v1/platform/api-keys/{id}/revoke' },
    ]);
  });

  it('reads python requests and fetch calls', () => {
    expect(pythonCalls('requests.delete(f"{BASE}/api/v1/platform/api-keys/{id}", headers=h)')).toEqual([{ method: 'DELETE', path: '/api/v1/platform/api-keys/{id}' }]);
    expect(fetchCalls("fetch(`${BASE}/api/v1/platform/api-keys/${id}/reveal`, { method: 'POST' })")).toEqual([{ method: 'POST', path: '/api/v1/platform/api-keys/{id}/reveal' }]);
  });

  it('matches calls against OpenAPI path templates and methods', () => {
    const paths = { '/api/v1/platform/api-keys/{id}': { get: {}, patch: {} }, '/api/v1/platform/api-keys': { get: {}, post: {} } };
    expect(routeExists(paths, { method: 'PATCH', path: '/api/v1/platform/api-keys/{id}' })).toBe(true);
    expect(routeExists(paths, { method: 'PUT', path: '/api/v1/platform/api-keys/{id}' })).toBe(false);
    expect(routeExists(paths, { method: 'GET', path: '/api/v1/platform/api-keys/{id}/nope' })).toBe(false);
  });

  it('finds shell variables the single quotes keep from expanding', () => {
    expect(singleQuotedVariables(`curl -H 'Authorization: Bearer $KEY' -H "x: $OK" '\${OTHER}'`)).toEqual(['KEY', 'OTHER']);
    expect(singleQuotedVariables('curl -H "Authorization: Bearer $KEY"')).toEqual([]);
  });
});
