#!/usr/bin/env node
// The installed `dspm-bridge` command: checks the Node.js version, then starts the bundled CLI
// (dist/cli.mjs, built by `npm run build:cli` on `npm pack`). Written in ES5 on purpose, so even
// a Node.js far too old to run the CLI can parse this file and print one line saying what is
// needed, instead of a syntax error or a stack trace. Keep it that way (a test checks).
'use strict';

var NEEDED = '22.19.0';

function isOlder(version, floor) {
  var have = version.split('.');
  var need = floor.split('.');
  var i, a, b;
  for (i = 0; i < need.length; i++) {
    a = Number(have[i] || 0);
    b = Number(need[i]);
    if (a !== b) return a < b;
  }
  return false;
}

if (isOlder(process.versions.node, NEEDED)) {
  process.stderr.write(
    'dspm-bridge needs Node.js ' + NEEDED + ' or later; this is Node.js ' + process.versions.node + '\n'
  );
  process.exit(1);
}

var path = require('node:path');
var url = require('node:url');
var bundle = url.pathToFileURL(path.join(__dirname, '..', 'dist', 'cli.mjs')).href;
// A dynamic import() written out would be a syntax error for the oldest parsers; built at run
// time it is only ever compiled on a Node.js that passed the gate above.
var importModule = new Function('specifier', 'return import(specifier)');
importModule(bundle).then(
  function (cli) {
    return cli.main();
  },
  function (error) {
    var missing =
      error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).indexOf('cli.mjs') >= 0;
    process.stderr.write(
      missing
        ? 'dspm-bridge: dist/cli.mjs is missing: run `npm run build:cli` (from a checkout, `npm run cli -- <command>` runs the sources)\n'
        : 'dspm-bridge: cannot start: ' + ((error && error.message) || error) + '\n'
    );
    process.exitCode = 1;
  }
);
