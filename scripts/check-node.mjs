/* global process */
// Loaded first by every entry point (`node --import ./scripts/check-node.mjs …`, and by vitest.config.ts),
// in plain JavaScript so that it runs on any Node: an old Node gets one message saying what to do,
// instead of a failure deep inside (node:zlib has zstd only from 22.15 on).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `auditflow: Node ${process.versions.node} (${process.execPath}) is too old: auditflow needs Node >= 22.15 (zstd in node:zlib).\n` +
      'auditflow: run it through scripts/auditflow (start | test | worker | api | ctl | bench | chaos | temporal), which provisions\n' +
      'auditflow: Node 24 into ~/.cache/auditflow once, or install Node 24 LTS (https://nodejs.org) and put it first on PATH.\n',
  );
  process.exit(1);
}
