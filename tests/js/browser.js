#!/usr/bin/env node
// Visits pages of a running site in real headless Chromium, driven through the Chrome
// DevTools Protocol over --remote-debugging-pipe (no npm packages, Node built-ins only):
//   node tests/js/browser.js SPEC.json
// SPEC.json:
//   {
//     "base": "http://127.0.0.1:PORT",
//     "screenshots": "/tmp/shots" | null,      // writes <name>.png (and search.png)
//     "pages": [{"name": "home", "path": "/", "mobile": false, "full_page": false}, ...],
//     "search": {"path": "/search/", "query": "代表", "wait_ms": 5000} | null
//   }
// Prints one JSON object on stdout:
//   {"pages": [{"name", "path", "status", "title", "console_errors", "exceptions",
//               "log_errors", "failed_requests"[, "error"][, "screenshot"]}],
//    "search": {"query", "results": [{"href", "title"}], "status", "console_errors",
//               "exceptions", "log_errors", "failed_requests"[, "error"]} | null}
// Exit code 0 when the script itself worked, whatever it found on the pages; non-zero with
// a message on stderr when Chromium cannot be launched, dies, or the run exceeds 90 s.
// The browser binary is /usr/bin/chromium unless the CHROMIUM environment variable is set.
// The browser process, the CDP pipe and tabs are in cdp.js (shared with webapp.js).
'use strict';
const fs = require('fs');
const { Browser, Tab, DESKTOP, MOBILE, sleep, absolute, shoot } = require('./cdp');

// Whole run; BROWSER_JS_TIMEOUT_MS may lower it (to test the timeout path).
const OVERALL_MS = Number(process.env.BROWSER_JS_TIMEOUT_MS) > 0 ? Number(process.env.BROWSER_JS_TIMEOUT_MS) : 90000;

function usage(msg) {
  if (msg) process.stderr.write(`browser.js: ${msg}\n`);
  process.stderr.write('usage: node tests/js/browser.js SPEC.json\n');
  process.exit(2);
}

function readSpec(file) {
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    usage(`cannot read spec ${file}: ${e.message}`);
  }
  if (!spec || typeof spec.base !== 'string' || !/^https?:\/\//.test(spec.base)) {
    usage('spec.base must be an http(s) URL');
  }
  if (spec.pages != null && !Array.isArray(spec.pages)) usage('spec.pages must be an array');
  for (const p of spec.pages || []) {
    if (!p || typeof p.name !== 'string' || typeof p.path !== 'string') {
      usage('every page needs a "name" and a "path"');
    }
    if (spec.screenshots && !/^[\w.-]+$/.test(p.name)) {
      usage(`page name not usable as a file name: ${p.name}`);
    }
  }
  if (spec.search != null && (typeof spec.search.path !== 'string' ||
      typeof spec.search.query !== 'string')) {
    usage('spec.search needs "path" and "query"');
  }
  return spec;
}

// ---------------------------------------------------------------------------------------
// Pages and search

async function visitPage(browser, spec, page) {
  const tab = new Tab(browser);
  const out = { name: page.name, path: page.path, status: null, title: null };
  try {
    await tab.open(page.mobile ? MOBILE : DESKTOP);
    const err = await tab.goto(absolute(spec.base, page.path));
    const doc = tab.documents[tab.documents.length - 1];
    out.status = doc ? doc.status : null;
    if (!err || !/^navigation failed/.test(err)) out.title = await tab.evaluate('document.title');
    if (err) out.error = err;
    if (spec.screenshots && !(err && /^navigation failed/.test(err))) {
      out.screenshot = await shoot(tab, spec.screenshots, page.name, !!page.full_page);
    }
  } catch (e) {
    if (browser.dead) throw browser.dead;
    out.error = e.message;
  } finally {
    Object.assign(out, tab.report());
    await tab.close();
  }
  return out;
}

// Runs in the page: finds the search box (the page's own form before the header's).
const FIND_INPUT = `(() => {
  const sel = ['#search-input', 'main input[type=search]', 'main input[name=q]',
               'input[type=search]', 'input[name=q]'];
  for (const s of sel) {
    const e = document.querySelector(s);
    if (e) { window.__cdpSearchInput = e; return s; }
  }
  return null;
})()`;

// Runs in the page: the result links now in the DOM plus the status line.
const READ_RESULTS = `(() => {
  const list = document.querySelector('#search-results, .search-results, [data-search-results]');
  const links = list ? [...list.querySelectorAll('a[href]')] : [];
  const status = document.querySelector('#search-status, [role=status]');
  return {
    results: links.map((a) => ({ href: a.getAttribute('href'), title: a.textContent.trim() })),
    status: status ? status.textContent.trim() : null,
    submitted: !!window.__cdpSubmitted || new URLSearchParams(location.search).has('q'),
  };
})()`;

async function runSearch(browser, spec) {
  const s = spec.search;
  const waitMs = Number.isFinite(s.wait_ms) ? s.wait_ms : 5000;
  const tab = new Tab(browser);
  const out = { query: s.query, path: s.path, results: [], status: null };
  try {
    await tab.open(s.mobile ? MOBILE : DESKTOP);
    let err = await tab.goto(absolute(spec.base, s.path));
    if (err) throw new Error(err);
    const found = await tab.evaluate(FIND_INPUT);
    if (!found) throw new Error('no search input (input[type=search] or input[name=q]) on the page');
    out.input = found;
    // Type like a user: focus the box, insert the text (fires input events, works for CJK
    // text as an IME commit would), then press Enter to submit the form.
    await tab.evaluate(`(() => {
      document.addEventListener('submit', () => { window.__cdpSubmitted = true; }, true);
      const e = window.__cdpSearchInput; e.focus(); e.value = '';
    })()`);
    await tab.call('Input.insertText', { text: s.query });
    const typed = await tab.evaluate('window.__cdpSearchInput.value');
    if (typed !== s.query) {
      // Fallback: set the value directly and announce it.
      await tab.evaluate(`(() => {
        const e = window.__cdpSearchInput; e.value = ${JSON.stringify(s.query)};
        e.dispatchEvent(new Event('input', { bubbles: true }));
        e.dispatchEvent(new Event('change', { bubbles: true }));
      })()`);
    }
    const key = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
    await tab.call('Input.dispatchKeyEvent', { type: 'keyDown', text: '\r', unmodifiedText: '\r', ...key });
    await tab.call('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
    out.method = 'enter';

    // Poll until result links appear (and stop changing), the status reports an outcome,
    // or wait_ms passes. A native form submission reloads the page; errors from the
    // destroyed context are just retried.
    const start = Date.now();
    let last = null, stableSince = 0, fallback = false;
    while (Date.now() - start < waitMs) {
      await sleep(100);
      let r;
      try {
        r = await tab.evaluate(READ_RESULTS);
      } catch (e) {
        continue;
      }
      if (!r) continue;
      if (!r.submitted && !fallback && Date.now() - start > 1000) {
        // Enter did not submit anything: submit the form the way the page would.
        fallback = true;
        out.method = 'requestSubmit';
        await tab.evaluate(`(() => { const f = window.__cdpSearchInput && window.__cdpSearchInput.form;
          if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); } })()`).catch(() => {});
        continue;
      }
      out.status = r.status;
      const sig = JSON.stringify(r.results);
      if (sig !== last) { last = sig; stableSince = Date.now(); out.results = r.results; }
      const busy = !r.status || /…|\.\.\./.test(r.status);
      if (r.results.length && Date.now() - stableSince >= 300) break;
      if (!r.results.length && r.submitted && !busy && Date.now() - stableSince >= 300) break;
    }
    out.url = await tab.evaluate('location.pathname + location.search').catch(() => null);
    if (spec.screenshots) {
      out.screenshot = await shoot(tab, spec.screenshots, 'search', false);
    }
  } catch (e) {
    if (browser.dead) throw browser.dead;
    out.error = e.message;
  } finally {
    Object.assign(out, tab.report());
    await tab.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') usage();
  const spec = readSpec(args[0]);
  if (spec.screenshots) fs.mkdirSync(spec.screenshots, { recursive: true });

  const browser = new Browser(process.env.CHROMIUM || '/usr/bin/chromium');
  let finished = false;
  const abort = async (msg, code) => {
    if (finished) return;
    finished = true;
    process.stderr.write(`browser.js: ${msg}\n`);
    // Chromium's own output helps only when it failed to start or died.
    if ((!browser.ready || browser.dead) && browser.stderrTail.trim()) {
      process.stderr.write(`chromium output (tail):\n${browser.stderrTail.trim().slice(-1500)}\n`);
    }
    await browser.close().catch(() => {});
    process.exit(code);
  };
  const overall = setTimeout(() => abort(`timed out after ${OVERALL_MS / 1000} s`, 3), OVERALL_MS);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => abort(`interrupted (${sig})`, 130));

  try {
    browser.launch();
    // The pipe is usable once the browser answers.
    const version = await browser.send('Browser.getVersion', {}, undefined, 30000);
    browser.ready = true;
    if (process.env.BROWSER_JS_VERBOSE) process.stderr.write(`browser.js: ${version.product}\n`);
    const result = { pages: [], search: null };
    for (const page of spec.pages || []) result.pages.push(await visitPage(browser, spec, page));
    if (spec.search) result.search = await runSearch(browser, spec);
    if (finished) return;
    finished = true;
    clearTimeout(overall);
    await browser.close();
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    process.exitCode = 0;
  } catch (e) {
    clearTimeout(overall);
    // A broken pipe usually means the browser died: say how it ended when it did.
    let msg = e.message;
    if (browser.dead && browser.dead !== e && browser.dead.message !== msg) msg += ` (${browser.dead.message})`;
    if (browser.exited) await Promise.race([browser.exited, sleep(500)]);
    if (browser.exitInfo && !msg.includes(browser.exitInfo)) msg += `; chromium exited (${browser.exitInfo})`;
    await abort(msg, 1);
  }
}

main();
