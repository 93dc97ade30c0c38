import { readFileSync } from 'node:fs';

const fixturesDir = new URL('../fixtures/', import.meta.url);

/** A fixture parsed fresh on every call, so a test may change its copy freely. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, fixturesDir), 'utf8')) as T;
}

/** One example of the DSPM guide (see test/fixtures/dspm/index.json). */
export interface GuideExample {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  response: string;
  request?: string;
}

/** Every example of the DSPM guide. */
export function guideExamples(): GuideExample[] {
  return loadFixture<GuideExample[]>('dspm/index.json');
}
