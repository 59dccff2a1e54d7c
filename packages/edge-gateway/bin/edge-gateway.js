#!/usr/bin/env node
'use strict';
// The `edge-gateway` command of the @edgegw/edge-gateway distribution: the runtime itself lives in
// @edgegw/node-red-gateway (dist/runtime/cli.js); this only tells it where this package's
// node-red and aedes are installed, then runs its CLI as its own `require.main` block would.
const { dirname, join } = require('node:path');

const distributionDir = join(__dirname, '..');

function resolveNodePackage() {
  try {
    return dirname(require.resolve('@edgegw/node-red-gateway/package.json', { paths: [distributionDir] }));
  } catch {
    process.stderr.write(
      'edge-gateway: the package "@edgegw/node-red-gateway" is not installed beside @edgegw/edge-gateway.\n' + 'Reinstall the distribution with:\n  npm install -g @edgegw/edge-gateway\n',
    );
    process.exit(2);
  }
}

const nodePackageDir = resolveNodePackage();
require(join(nodePackageDir, 'dist', 'runtime', 'resolve.js')).addRuntimeSearchPath(distributionDir);
const { main } = require(join(nodePackageDir, 'dist', 'runtime', 'cli.js'));

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain, then exit: a stray handle must not keep a stopped gateway alive.
    process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
