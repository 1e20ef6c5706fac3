/**
 * Where to send an operator after login: a path of this site only. The value is parsed as a URL
 * against a placeholder origin, the way a browser would resolve a Location header, and kept only
 * when it stays on that origin; control characters (a browser drops TAB, CR and LF, so `/\t/evil`
 * becomes `//evil`), backslashes (read as `/`) and their percent-encoded forms are refused outright.
 */
const PLACEHOLDER = 'http://dashboard.invalid';
const MAX_LENGTH = 500;

// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;
/** Percent-encoded controls, anywhere. */
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;
/** Percent-encoded slashes and backslashes in the path (a server or proxy may decode them). */
const ENCODED_SLASH = /%(?:2f|5c)/i;

export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_LENGTH) return '/';
  if (!next.startsWith('/') || next.startsWith('//')) return '/';
  if (CONTROL_OR_BACKSLASH.test(next) || ENCODED_CONTROL.test(next)) return '/';
  const path = next.split(/[?#]/, 1)[0]!;
  if (ENCODED_SLASH.test(path) || path.includes('/./') || path.includes('/../')) return '/';
  let url: URL;
  try {
    url = new URL(next, PLACEHOLDER);
  } catch {
    return '/';
  }
  if (url.origin !== PLACEHOLDER || url.username || url.password) return '/';
  const result = `${url.pathname}${url.search}${url.hash}`;
  return result.startsWith('/') && !result.startsWith('//') ? result : '/';
}
