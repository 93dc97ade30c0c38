/**
 * A package-lock.json for a scratch consumer app, cut from the repository's own lockfile: the
 * packages asked for at the versions we lock, with everything they depend on, plus a local
 * tarball. `npm ci --offline` then installs it from npm's cache (filled by our own `npm ci`),
 * with no registry request: npm needs registry metadata to resolve a version range, not to
 * install a locked tree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './cdk-cli.ts';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** A packed tarball to install beside them, as `npm pack --json` reports it. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly integrity: string;
}

/** The consumer's package.json and package-lock.json, as objects. */
export function consumerLockfile(
  names: readonly string[],
  tarball: PackedTarball,
): { manifest: Record<string, unknown>; lock: Record<string, unknown> } {
  const ours = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages = ours.packages;
  const kept: Record<string, LockEntry> = {};
  const pending = names.map((name) => `node_modules/${name}`);
  for (let step = 0; pending.length > 0 && step < 100_000; step++) {
    const path = pending.pop() as string;
    if (kept[path]) continue;
    const entry = packages[path];
    if (!entry) throw new Error(`package-lock.json has no ${path}`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    kept[path] = rest;
    // Copies nested under it (bundled or of other versions) belong to it.
    for (const nested of Object.keys(packages)) {
      if (
        nested.startsWith(`${path}/node_modules/`) &&
        !nested.slice(path.length + 14).includes('/node_modules/')
      )
        pending.push(nested);
    }
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = whereNodeFinds(packages, path, name);
      if (found) pending.push(found);
      else if (!entry.optionalDependencies?.[name])
        throw new Error(`package-lock.json cannot place ${name} for ${path}`);
    }
  }
  const dependencies: Record<string, string> = Object.fromEntries(
    names.map((name) => [name, packages[`node_modules/${name}`]?.version ?? '']),
  );
  dependencies[tarball.name] = `file:${tarball.filename}`;
  const packed = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as LockEntry;
  kept[`node_modules/${tarball.name}`] = {
    version: tarball.version,
    resolved: `file:${tarball.filename}`,
    integrity: tarball.integrity,
    license: packed.license,
    bin: packed.bin,
    engines: packed.engines,
    peerDependencies: packed.peerDependencies,
    peerDependenciesMeta: packed.peerDependenciesMeta,
  };
  const manifest = { name: 'consumer', version: '1.0.0', private: true, dependencies };
  return {
    manifest,
    lock: {
      name: 'consumer',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'consumer', version: '1.0.0', dependencies }, ...kept },
    },
  };
}

/** Where Node's resolution finds `name` from the package at `from`: the nearest node_modules up. */
function whereNodeFinds(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    const cut = base.lastIndexOf('/node_modules/');
    if (cut < 0) break;
    base = base.slice(0, cut);
  }
  return packages[`node_modules/${name}`] ? `node_modules/${name}` : undefined;
}
