/**
 * Request bodies of the write routes: read as JSON, then checked field by field so that a 400
 * always names the field that was missing or of the wrong type.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A JSON object body. */
export type JsonObject = Record<string, unknown>;

/**
 * Reads the whole body and parses it as a JSON object. Throws an {@link HttpError}: 415 unless the
 * Content-Type is JSON, 413 past {@link MAX_BODY_BYTES}, 400 for an empty body, bad JSON or
 * anything but an object.
 */
export async function readJsonObject(request: IncomingMessage): Promise<JsonObject> {
  const contentType = request.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(415, `Content-Type must be application/json, got "${contentType}"`);
  }
  if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return body as JsonObject;
}

function missing(name: string): HttpError {
  return new HttpError(400, `missing field "${name}"`);
}

function wrongType(name: string, expected: string): HttpError {
  return new HttpError(400, `field "${name}" must be ${expected}`);
}

/** A required integer field. */
export function requiredInteger(body: JsonObject, name: string): number {
  const value = body[name];
  if (value === undefined || value === null) throw missing(name);
  if (!Number.isSafeInteger(value)) throw wrongType(name, 'an integer');
  return value as number;
}

/** A required string field (may be empty unless `nonEmpty`). */
export function requiredString(body: JsonObject, name: string, nonEmpty = false): string {
  const value = body[name];
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  if (nonEmpty && value.trim() === '') throw wrongType(name, 'a non-empty string');
  return value;
}

/** An optional string field (absent or null = undefined). */
export function optionalString(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

/** An optional boolean field (absent or null = undefined). */
export function optionalBoolean(body: JsonObject, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(name, 'a boolean');
  return value;
}

/** A required array of integers. */
export function requiredIntegerArray(body: JsonObject, name: string): number[] {
  const value = body[name];
  if (value === undefined || value === null) throw missing(name);
  if (!Array.isArray(value) || !value.every((item) => Number.isSafeInteger(item))) {
    throw wrongType(name, 'an array of integers');
  }
  return value as number[];
}
