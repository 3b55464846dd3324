/**
 * How `requireApiKey` puts the verified key on `req.apiKey` cheaply.
 *
 * Express swaps the prototype of every request, which leaves each request
 * with a hidden class of its own that V8 cannot share: adding a property to
 * one copies that class and all its property descriptors, over a microsecond
 * and a kilobyte of garbage per request. So `req.apiKey` is an accessor on
 * `express.request`, the prototype of every app's requests, reading the key
 * from a WeakMap; the request itself gains no property.
 *
 * @module
 */
import express from 'express';
import type { ApiKey, AttachApiKey } from '@keygate/core';

const keys = new WeakMap<object, ApiKey>();

const accessor = {
  get(this: object): ApiKey | undefined {
    return keys.get(this);
  },
  set(this: object, key: ApiKey | undefined): void {
    if (key === undefined) keys.delete(this);
    else keys.set(this, key);
  },
};

/** Per request prototype: whether `apiKey` on it resolves to the accessor (it may not, e.g. for another copy of express). */
const resolvesToAccessor = new WeakMap<object, boolean>();

function findsAccessor(proto: object | null): boolean {
  for (let o = proto; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const own = Object.getOwnPropertyDescriptor(o, 'apiKey');
    if (own !== undefined) return own.get === accessor.get;
  }
  return false;
}

/**
 * An {@link AttachApiKey} for Express: defines the accessor on
 * `express.request` unless something there is called `apiKey` already; a
 * request whose prototype chain does not reach it gets a plain property.
 */
export function apiKeySlot(): AttachApiKey {
  if (!Object.hasOwn(express.request, 'apiKey')) {
    Object.defineProperty(express.request, 'apiKey', { get: accessor.get, set: accessor.set, configurable: true });
  }
  return (req, key) => {
    const proto = Object.getPrototypeOf(req) as object;
    let found = resolvesToAccessor.get(proto);
    if (found === undefined) resolvesToAccessor.set(proto, (found = findsAccessor(proto)));
    if (found) keys.set(req, key);
    else req.apiKey = key;
  };
}
