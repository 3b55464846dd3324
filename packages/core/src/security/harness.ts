/**
 * Shared pieces of the attack suites (`*.security.test.ts`): a storage that
 * can be dumped and snapshotted, a logger that keeps every line, loopback
 * servers for the node handler and guard, and a raw HTTP client that can
 * send what `fetch` refuses to (duplicated headers, tabs, bytes above 0x7f).
 *
 * Test support only; not exported from the package.
 *
 * @module
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createNodeGuard, createNodeHandler, type GetIp } from '../http/node.js';
import type { ApiKey } from '../key-view.js';
import type { KeyManager } from '../manager.js';
import type { Actor, Logger } from '../manager-types.js';
import { createMemoryStorage } from '../stores/memory-storage.js';
import type { AuditEvent, KeygateStorage, KeyRecord, TagUsageDelta, UsageDelta } from '../types.js';

/** The contract's base path. */
export const BASE = '/api/v1/platform/api-keys';
/** Test header carrying `id:tenant:role` (role may be empty or absent). */
export const ACTOR_HEADER = 'x-test-actor';

/** Reads the actor from {@link ACTOR_HEADER}; `undefined` when absent or malformed. */
export function actorFromHeader(req: { headers: IncomingMessage['headers'] }): Actor | undefined {
  const value = req.headers[ACTOR_HEADER];
  if (typeof value !== 'string') return undefined;
  const [id, tenantId, role] = value.split(':');
  if (!id || !tenantId) return undefined;
  return role === undefined ? ({ id, tenantId } as Actor) : { id, tenantId, role };
}

/** A memory storage that also keeps every write, for dumps and before/after snapshots. */
export interface DumpableStorage extends KeygateStorage {
  /** Every key record as stored now, by id. */
  readonly records: Map<string, KeyRecord>;
  /** Every audit event ever appended. */
  readonly events: AuditEvent[];
  /** Every usage delta ever written. */
  readonly deltas: UsageDelta[];
  /** A JSON string of everything stored; equal strings mean nothing changed. */
  snapshot(): string;
  /** Everything stored, as one string to search for secrets. */
  dump(): string;
}

/** Builds a {@link DumpableStorage} over the memory storage. */
export function dumpableStorage(): DumpableStorage {
  const inner = createMemoryStorage();
  const records = new Map<string, KeyRecord>();
  const events: AuditEvent[] = [];
  const deltas: UsageDelta[] = [];
  const tagDeltas: TagUsageDelta[] = [];
  return {
    records,
    events,
    deltas,
    keys: {
      get: (id) => inner.keys.get(id),
      async put(record) {
        await inner.keys.put(record);
        records.set(record.id, structuredClone(record));
      },
      async delete(id) {
        records.delete(id);
        return inner.keys.delete(id);
      },
      list: (query) => inner.keys.list(query),
    },
    audit: {
      async append(event) {
        await inner.audit.append(event);
        events.push(structuredClone(event));
      },
      query: (query) => inner.audit.query(query),
    },
    identities: inner.identities,
    tenants: inner.tenants,
    usage: {
      async increment(batch) {
        await inner.usage.increment(batch);
        deltas.push(...structuredClone(batch));
      },
      async incrementTags(batch) {
        await inner.usage.incrementTags(batch);
        tagDeltas.push(...structuredClone(batch));
      },
      rangeByTag: (keyId, tag, from, to) => inner.usage.rangeByTag(keyId, tag, from, to),
      range: (keyId, from, to) => inner.usage.range(keyId, from, to),
      summary: (keyId) => inner.usage.summary(keyId),
      forget: (keyId) => inner.usage.forget(keyId),
    },
    snapshot: () => JSON.stringify({ records: [...records.entries()].sort(([a], [b]) => (a < b ? -1 : 1)), events }),
    dump: () => JSON.stringify({ records: [...records.values()], events, deltas, tagDeltas }),
  };
}

/** A logger that keeps every line (message and details) as text. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, details?: Record<string, unknown>) => void lines.push(`${level} ${message} ${safeJson(details)}`);
  return { lines, warn: keep('warn'), error: keep('error') };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** A listening loopback server. */
export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (ephemeral port). */
export async function listen(listener: RequestListener): Promise<LoopbackServer> {
  const server = createServer({ maxHeaderSize: 64 * 1024 }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link nodeApp}. */
export interface NodeAppOptions {
  getIp?: GetIp;
  onError?: (error: unknown) => void;
  /** Scopes of the guarded `/host/*` route. */
  scopes?: string[];
}

/**
 * The plain node:http app the suites attack: the management API under
 * {@link BASE} (actor from {@link ACTOR_HEADER}, else an API key) and
 * `GET /host/*` behind the API-key guard, answering the verified key's id.
 */
export function nodeApp(manager: KeyManager, options: NodeAppOptions = {}): RequestListener {
  const management = createNodeHandler(manager, {
    getActor: (req: IncomingMessage) => actorFromHeader(req),
    ...(options.getIp ? { getIp: options.getIp } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const guard = createNodeGuard(manager, { ...(options.getIp ? { getIp: options.getIp } : {}), ...(options.scopes ? { scopes: options.scopes } : {}) });
  return (req: IncomingMessage & { apiKey?: ApiKey }, res: ServerResponse) => {
    management(req, res, () => {
      if (!(req.url ?? '').startsWith('/host/')) {
        res.statusCode = 404;
        res.end();
        return;
      }
      guard(req, res, (error) => {
        if (error) {
          res.statusCode = 500;
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keyId: req.apiKey?.id }));
      });
    });
  };
}

/** One raw HTTP exchange. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The parsed body when it is JSON, else `undefined`. */
  json: any;
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the final
 * blank line) and `body` as bytes on a fresh socket, and reads one
 * response. For requests `fetch` would refuse or normalise.
 */
export function rawRequest(port: number, head: string, body: Buffer | string = ''): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (force: boolean) => {
      if (settled) return;
      const reply = parseReply(Buffer.concat(chunks), force);
      if (reply === undefined) {
        if (force) {
          settled = true;
          reject(new Error(`no complete HTTP response: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
        }
        return;
      }
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(10_000, () => {
      finish(true);
      socket.destroy();
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      finish(false);
    });
    // A server may answer (413) and close while the body is still being written: the answer counts.
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const hasLength = /\r\ncontent-length:/i.test(`\r\n${head}`) || /\r\ntransfer-encoding:/i.test(`\r\n${head}`);
    const fullHead = `${head}\r\nconnection: close${hasLength || bytes.length === 0 ? '' : `\r\ncontent-length: ${bytes.length}`}\r\n\r\n`;
    socket.write(Buffer.concat([Buffer.from(fullHead, 'latin1'), bytes]), () => undefined);
  });
}

/** One response parsed from raw bytes; `undefined` while incomplete (unless `atEnd`). */
function parseReply(raw: Buffer, atEnd: boolean): RawReply | undefined {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let payload = text.slice(split + 4);
  const status = Number(statusLine!.split(' ')[1]);
  if (headers['transfer-encoding'] === 'chunked') {
    if (!payload.endsWith('0\r\n\r\n') && !atEnd) return undefined;
    payload = dechunk(payload);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (Buffer.byteLength(payload, 'latin1') < length) return atEnd ? undefined : undefined;
    payload = payload.slice(0, length);
  } else if (!atEnd && status !== 204 && status !== 304) {
    return undefined;
  }
  const utf8 = Buffer.from(payload, 'latin1').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(utf8);
  } catch {
    json = undefined;
  }
  return { status, headers, body: utf8, json };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** `fetch` on the app with an optional actor; answers status, headers, text and JSON. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { actor?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.actor !== undefined) headers[ACTOR_HEADER] = options.actor;
  let body = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Problem codes whose HTTP status is 4xx. */
export function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}
