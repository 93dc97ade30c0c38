/**
 * Path and method matching for a small, fixed route table. Patterns are slash-separated segments;
 * `{name}` matches any one non-empty segment. The table is tiny, so a linear scan is simplest.
 */

/** Handlers of one route pattern by HTTP method. */
export interface RouteDefinition<H> {
  pattern: string;
  methods: Readonly<Partial<Record<string, H>>>;
}

/** Result of looking up a path and method. */
export type RouteLookup<H> =
  | { kind: 'found'; pattern: string; handler: H; params: Record<string, string> }
  | { kind: 'method-not-allowed'; pattern: string; allow: string[] }
  | { kind: 'not-found' };

function matchPattern(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] as string;
    if (part.startsWith('{') && part.endsWith('}')) {
      if (segment === '') return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

/** Finds the handler for `method` on `path` (relative, no leading slash). */
export function findRoute<H>(
  routes: readonly RouteDefinition<H>[],
  path: string,
  method: string,
): RouteLookup<H> {
  let segments: string[];
  try {
    segments = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return { kind: 'not-found' };
  }
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (params === undefined) continue;
    const handler = route.methods[method];
    if (handler !== undefined) return { kind: 'found', pattern: route.pattern, handler, params };
    return { kind: 'method-not-allowed', pattern: route.pattern, allow: Object.keys(route.methods) };
  }
  return { kind: 'not-found' };
}
