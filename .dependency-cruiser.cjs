/**
 * The import-graph check `npm run deps` runs inside `npm test`: no module reaches itself again
 * through its imports, type-only imports included (they set the reading order as much as the
 * others do); shared/ never imports the entry points or the construct; the simulator never
 * imports the DSPM client. The TypeScript it reads is parsed by swc: dependency-cruiser cannot use the
 * project's TypeScript 7.0 compiler, whose package has no JavaScript API.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This module reaches itself again through its imports (type-only ones too). Move the shared ' +
        'types or ports into a leaf module both sides import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-is-the-library',
      severity: 'error',
      comment:
        'shared/ is the library the Lambdas, the CLI and the construct are built from; it never ' +
        'imports them. Move what both need into shared/.',
      from: { path: '^shared/' },
      to: { path: '^(functions|cli|infra)/' },
    },
    {
      name: 'simulator-reads-the-guide-alone',
      severity: 'error',
      comment:
        'The simulator is an independent reading of the vendor guide: importing the client would ' +
        'mirror a misreading on both sides instead of failing a test.',
      from: { path: '^simulator/' },
      to: { path: '^shared/dspm/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the cruiser cannot resolve would hide the cycles that go through it.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // swc's reading keeps every import, `import type` ones included (dependency-cruiser's swc
    // extractor marks them type-only and drops none), so type-only circles are caught too; the
    // test of this check proves it on a circle made of `import type` alone.
    parser: 'swc',
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)node_modules/', '^cdk[.]out/', '^dist/'] },
    // `#shared/*` and `#simulator/*` come from package.json's "imports".
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
