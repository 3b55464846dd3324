/**
 * Attribute converters shared by the elements.
 *
 * @module
 */

/** Reads a `headers` attribute: a JSON object of strings; anything else (bad JSON, non-strings) is ignored. */
export const headersConverter = {
  fromAttribute(value: string | null): Record<string, string> {
    if (!value) return {};
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      return {};
    }
  },
  toAttribute(value: Record<string, string>): string {
    return JSON.stringify(value);
  },
};
