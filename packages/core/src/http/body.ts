/**
 * Reading a JSON request body under a size limit, whether the host's own
 * parser already read it or the stream is still unread.
 *
 * @module
 */
import type { HttpHeaders, HttpRequest, HttpResponse } from './types.js';
import { problem } from './problem.js';

/** Default body limit: 64 KiB. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Thrown by a stream reader when the body passes its limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** The first value of a header. */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether the request says it has a body (RFC 9110: a Content-Length above 0 or a Transfer-Encoding). */
export function declaresBody(headers: HttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headerValue(headers, 'content-length');
  return length !== undefined && length !== '0';
}

/** Whether a Content-Type is JSON (`application/json` or `application/*+json`, any parameters). */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** A parsed body, or the problem response to send instead. */
export type BodyResult = { ok: true; value: unknown } | { ok: false; response: HttpResponse };

/**
 * The request's JSON body: `undefined` when there is none; 415 when a body
 * comes with another content type; 413 past `limit` bytes (by
 * Content-Length before reading, or while reading); 400 for malformed JSON.
 * Never throws for bad input.
 */
export async function readJsonBody(request: HttpRequest, limit: number, instance: string): Promise<BodyResult> {
  const { headers, body } = request;
  const present = declaresBody(headers);
  if (present && !isJsonType(headerValue(headers, 'content-type'))) {
    return { ok: false, response: problem('UNSUPPORTED_MEDIA_TYPE', { detail: 'Send the body as application/json', instance }) };
  }
  const declared = Number(headerValue(headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) return { ok: false, response: tooLarge(limit, instance) };
  if (body.kind === 'none' || !present) return { ok: true, value: undefined };
  if (body.kind === 'parsed') return { ok: true, value: body.value };
  let raw: Buffer;
  try {
    raw = await body.read(limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, response: tooLarge(limit, instance) };
    throw error;
  }
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false, response: problem('MALFORMED_JSON', { detail: 'The request body could not be parsed as JSON', instance }) };
  }
}

function tooLarge(limit: number, instance: string): HttpResponse {
  return problem('PAYLOAD_TOO_LARGE', { detail: `The request body must be at most ${limit} bytes`, instance });
}

/**
 * A reader for a node request stream (also express `req` and koa `ctx.req`):
 * collects up to `limit` bytes, then stops with {@link BodyTooLargeError}
 * and lets the rest drain so the connection stays usable.
 */
export function streamReader(stream: NodeJS.ReadableStream & { resume(): unknown }): (limit: number) => Promise<Buffer> {
  return (limit) =>
    new Promise<Buffer>((resolve, reject) => {
      if ((stream as { readableEnded?: boolean }).readableEnded) {
        resolve(Buffer.alloc(0));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const onData = (chunk: Buffer | string) => {
        if (done) return;
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buf.length;
        if (size > limit) {
          done = true;
          cleanup();
          stream.resume();
          reject(new BodyTooLargeError());
          return;
        }
        chunks.push(buf);
      };
      const onEnd = () => {
        if (done) return;
        done = true;
        cleanup();
        resolve(Buffer.concat(chunks, size));
      };
      const onError = (error: unknown) => {
        if (done) return;
        done = true;
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        stream.removeListener('data', onData);
        stream.removeListener('end', onEnd);
        stream.removeListener('error', onError);
      };
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
    });
}
