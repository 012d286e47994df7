#!/usr/bin/env node
// Runs the site's search client (site/static/search.js) against a built site folder:
//   node tests/js/search-cli.js PUBLIC_DIR QUERY
// prints {"total", "urls", "results"} as JSON. URL "/search/s/3.bin" is read from
// PUBLIC_DIR/search/s/3.bin; a missing file is a 404 (null).
'use strict';
const fs = require('fs');
const path = require('path');
const { search } = require(path.join(__dirname, '../../site/static/search.js'));

const [dir, query] = process.argv.slice(2);
if (process.argv.length !== 4 || !dir) {
  process.stderr.write('usage: node tests/js/search-cli.js PUBLIC_DIR QUERY\n');
  process.exit(2);
}
if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
  process.stderr.write(`search-cli: not a folder: ${dir}\n`);
  process.exit(2);
}

function file(url) {
  const rel = decodeURIComponent(url.split(/[?#]/)[0]).replace(/^\/+/, '');
  return path.join(dir, ...rel.split('/'));
}
async function read(url) {
  try {
    return await fs.promises.readFile(file(url));
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  }
}
const opts = {
  base: '',
  fetchBytes: async (url) => {
    const b = await read(url);
    return b && new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  fetchJson: async (url) => {
    const b = await read(url);
    if (!b) throw new Error(`not found: ${url}`);
    return JSON.parse(b.toString('utf8'));
  },
};

search(query, opts).then(
  (r) => {
    const out = { total: r.total, terms: r.terms, urls: r.results.map((x) => x.url), results: r.results };
    process.stdout.write(JSON.stringify(out) + '\n');
  },
  (e) => {
    process.stderr.write(`search-cli: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
