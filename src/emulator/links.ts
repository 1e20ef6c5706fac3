/**
 * Bundle links formed the way BFD (behind BB2) forms them.
 *
 * `first`/`next`/`previous`/`last` come from BFD's OffsetLinkBuilder: it copies the request's
 * parameters into a `java.util.HashMap`, sets `startIndex` and `_count`, and appends them to
 * `<base>/v2/fhir/<Type>` in the map's iteration order through Apache's URIBuilder. That order is
 * what the sandbox shows (`_format`, `startIndex`, `_count`, `patient`), so we reproduce Java's
 * HashMap bucket order instead of guessing. `self` is HAPI's: `<base>/v2/fhir/<Type>/?` and the
 * parameters sorted by name.
 */

/** One query parameter BB2 sends to BFD, in the order BB2 sends them. */
export type QueryParam = readonly [name: string, value: string];

/** Java's `String.hashCode()`. */
function javaStringHash(value: string): number {
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (Math.imul(31, h) + value.charCodeAt(i)) | 0;
  return h;
}

/** Capacity of `new HashMap<>(mapOfSize)` (Java 8+ `putMapEntries` + `tableSizeFor`). */
function copiedHashMapCapacity(size: number): number {
  const wanted = Math.floor(size / 0.75 + 1);
  let capacity = 1;
  while (capacity < wanted) capacity *= 2;
  return Math.max(capacity, 1);
}

/**
 * Orders parameter names as a Java HashMap copied from a map of `names` would iterate them:
 * by bucket index, then by insertion order inside a bucket.
 */
export function javaHashMapOrder(names: readonly string[]): string[] {
  let capacity = copiedHashMapCapacity(names.length);
  while (names.length > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  return names
    .map((name, i) => {
      const h = javaStringHash(name);
      return { name, i, bucket: (h ^ (h >>> 16)) & mask };
    })
    .sort((a, b) => a.bucket - b.bucket || a.i - b.i)
    .map((x) => x.name);
}

/**
 * `application/x-www-form-urlencoded` as Java encodes it (URLEncoder / URLEncodedUtils): letters,
 * digits and `-_.*` stay, a space becomes `+`, everything else is %XX of its UTF-8 bytes.
 */
export function javaFormEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function groupByName(params: readonly QueryParam[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    const list = grouped.get(name);
    if (list) list.push(value);
    else grouped.set(name, [value]);
  }
  return grouped;
}

/** BFD's OffsetLinkBuilder link for one page. `params` must already hold `startIndex` and `_count`. */
export function pageLink(
  base: string,
  resourceType: string,
  params: readonly QueryParam[],
  startIndex: number,
  count: number,
): string {
  const grouped = groupByName(params);
  grouped.set('startIndex', [String(startIndex)]);
  grouped.set('_count', [String(count)]);
  const parts: string[] = [];
  for (const name of javaHashMapOrder([...grouped.keys()])) {
    for (const value of grouped.get(name) ?? []) {
      parts.push(`${javaFormEncode(name)}=${javaFormEncode(value)}`);
    }
  }
  return `${base}/v2/fhir/${resourceType}?${parts.join('&')}`;
}

/** HAPI's `self` link: trailing slash after the type, parameters sorted by name. */
export function selfLink(base: string, resourceType: string, params: readonly QueryParam[]): string {
  const grouped = groupByName(params);
  const parts: string[] = [];
  for (const name of [...grouped.keys()].sort()) {
    for (const value of grouped.get(name) ?? []) {
      parts.push(`${javaFormEncode(name)}=${javaFormEncode(value)}`);
    }
  }
  return `${base}/v2/fhir/${resourceType}/?${parts.join('&')}`;
}
