#!/usr/bin/env node
// One editorial day in the editors' web application, in real headless Chromium driven
// through the Chrome DevTools Protocol (cdp.js; no npm packages, Node built-ins only):
//   node tests/js/webapp.js SPEC.json
// SPEC.json:
//   {
//     "base": "http://127.0.0.1:PORT",
//     "screenshots": "/abs/dir" | null,        // writes <name>.png per step that takes one
//     "downloads": "/abs/dir",                 // the Excel report is saved here as <guid>
//     "editor": {"name": "...", "password": "..."},
//     "reporter": {"name": "...", "password": "..."},
//     "publication": "人大建设",
//     "query": "代表",
//     "submission": {"title": "...", "body": "..."}
//   }
// The editor logs in, opens and adopts three items, makes a new issue of the publication,
// composes it (pool → TOC, reorder, lead), publishes it, searches, looks at the ranking and
// downloads its Excel report, looks at the jobs, builds the site and previews it, is refused
// /users, logs out; then the reporter (a unit account) logs in in the same tab, submits a
// piece, is refused /inbox and looks at /my on a phone-sized screen.
// Prints one JSON object on stdout:
//   {"steps": [{"name", "url", "status", "ok", "detail", "console_errors", "exceptions",
//               "log_errors", "failed_requests"[, "screenshot"]}, ...],
//    "download": {"path", "size", "magic", "suggested_name"} | null}
// "status" is the HTTP status of the last main-frame navigation, "ok" whether the step's own
// check passed, "detail" what was seen (with "checks" naming each check and "error" when the
// step could not go on); problems are those observed during that step. The public site under
// /site/preview/ is not the application: its problems are in the site step's detail.preview.
// Exit code 0 when the script itself worked, whatever it found; non-zero with a message on
// stderr when Chromium cannot be launched, dies, or the run exceeds 120 s.
// The browser binary is /usr/bin/chromium unless the CHROMIUM environment variable is set.
'use strict';
const fs = require('fs');
const path = require('path');
const { Browser, Tab, DESKTOP, MOBILE, LOAD_MS, SETTLE_MS, sleep, absolute, shoot } = require('./cdp');

// Whole run; WEBAPP_JS_TIMEOUT_MS may lower it (to test the timeout path).
const OVERALL_MS = Number(process.env.WEBAPP_JS_TIMEOUT_MS) > 0 ? Number(process.env.WEBAPP_JS_TIMEOUT_MS) : 120000;
const START_MS = 5000; // a click that should navigate: until the navigation starts
const BUILD_MS = 60000; // building and publishing the site: until its page has loaded
const DOWNLOAD_MS = 20000; // the Excel report: until the download has completed

function usage(msg) {
  if (msg) process.stderr.write(`webapp.js: ${msg}\n`);
  process.stderr.write('usage: node tests/js/webapp.js SPEC.json\n');
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
  if (spec.screenshots != null && (typeof spec.screenshots !== 'string' || !path.isAbsolute(spec.screenshots))) {
    usage('spec.screenshots must be an absolute folder or null');
  }
  if (typeof spec.downloads !== 'string' || !path.isAbsolute(spec.downloads)) {
    usage('spec.downloads must be an absolute folder');
  }
  for (const who of ['editor', 'reporter']) {
    const u = spec[who];
    if (!u || typeof u.name !== 'string' || typeof u.password !== 'string') {
      usage(`spec.${who} needs "name" and "password"`);
    }
  }
  for (const k of ['publication', 'query']) {
    if (typeof spec[k] !== 'string' || !spec[k]) usage(`spec.${k} must be a non-empty string`);
  }
  const s = spec.submission;
  if (!s || typeof s.title !== 'string' || typeof s.body !== 'string') {
    usage('spec.submission needs "title" and "body"');
  }
  return spec;
}

// ---------------------------------------------------------------------------------------
// A tab that acts like a user: clicks, types, accepts dialogs, waits for navigations

class AppTab extends Tab {
  reset() {
    super.reset();
    this.dialogs = [];
  }

  event(method, p) {
    super.event(method, p);
    if (method === 'Page.javascriptDialogOpening') {
      // confirm() of forms with data-confirm: answer as a user who means it.
      this.dialogs.push({ type: p.type, message: p.message });
      this.call('Page.handleJavaScriptDialog', { accept: true }).catch(() => {});
    }
  }

  // Problems observed since the last take(), which starts a new record.
  take() {
    const r = this.report();
    this.consoleErrors = [];
    this.exceptions = [];
    this.logErrors = [];
    this.failedRequests = [];
    this.dialogs = [];
    return r;
  }

  // HTTP status of the last main-frame document.
  status() {
    const d = this.documents[this.documents.length - 1];
    return d ? d.status : null;
  }

  // Runs action (which should make the page navigate) and waits for the new document's
  // load event. Throws when no navigation starts or the page does not load in time.
  async navigateBy(action, what, timeout = LOAD_MS) {
    const sid = this.sessionId;
    const started = this.b.waitFor((m) => m.sessionId === sid && m.method === 'Page.frameStartedLoading' &&
      m.params.frameId === this.frameId, START_MS, `a navigation after ${what}`);
    const loaded = this.b.waitFor((m) => m.sessionId === sid && m.method === 'Page.loadEventFired',
      timeout, `the page after ${what} to load`);
    try {
      await action();
      await started.promise;
      await loaded.promise;
    } finally {
      started.cancel();
      loaded.cancel();
    }
    await sleep(SETTLE_MS);
  }

  async goto(url) {
    const err = await super.goto(url);
    if (err) throw new Error(err);
  }

  // A real mouse click in the middle of the element expr (a JS expression) evaluates to,
  // scrolled into view; fails when there is no such element or something else covers it.
  async clickOn(expr, what) {
    const r = await this.evaluate(`(() => {
      const e = ${expr};
      if (!e) return { error: 'no such element' };
      e.scrollIntoView({ block: 'center', inline: 'center' });
      const b = e.getBoundingClientRect();
      if (!b.width || !b.height) return { error: 'element is not rendered (zero size)' };
      const x = b.left + b.width / 2, y = b.top + b.height / 2;
      const at = document.elementFromPoint(x, y);
      if (!at || !(at === e || e.contains(at))) {
        return { error: 'element is covered by ' + (at ? at.outerHTML.slice(0, 120) : 'nothing') };
      }
      return { x, y };
    })()`);
    if (r.error) throw new Error(`click on ${what}: ${r.error}`);
    const at = { x: r.x, y: r.y };
    await this.call('Input.dispatchMouseEvent', { type: 'mouseMoved', ...at });
    await this.call('Input.dispatchMouseEvent', { type: 'mousePressed', ...at, button: 'left', buttons: 1, clickCount: 1 });
    await this.call('Input.dispatchMouseEvent', { type: 'mouseReleased', ...at, button: 'left', buttons: 0, clickCount: 1 });
  }

  click(selector) {
    return this.clickOn(`document.querySelector(${JSON.stringify(selector)})`, selector);
  }

  // Clicks and waits for the page it leads to.
  clickAndLoad(selector, timeout) {
    return this.navigateBy(() => this.click(selector), `clicking ${selector}`, timeout);
  }

  // Types text into a field as a user would (focus, clear, insert as an IME commit would).
  async fill(selector, text) {
    const found = await this.evaluate(`(() => {
      const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return false;
      e.scrollIntoView({ block: 'center' });
      e.focus(); e.select && e.select(); e.value = '';
      return document.activeElement === e;
    })()`);
    if (!found) throw new Error(`no field to type into: ${selector}`);
    await this.call('Input.insertText', { text });
    const value = await this.evaluate(`document.querySelector(${JSON.stringify(selector)}).value`);
    if (value !== text) throw new Error(`typed into ${selector} but it holds ${JSON.stringify(value)}`);
  }

  async pressEnter() {
    const key = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
    await this.call('Input.dispatchKeyEvent', { type: 'keyDown', text: '\r', unmodifiedText: '\r', ...key });
    await this.call('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
  }

  // What the page shows: path (decoded), query, h1, the flash message and any error box.
  page() {
    return this.evaluate(`(() => {
      const text = (s) => { const e = document.querySelector(s); return e ? e.textContent.replace(/\\s+/g, ' ').trim() : null; };
      let p = location.pathname;
      try { p = decodeURIComponent(p); } catch (e) { /* keep it encoded */ }
      return { path: p, search: location.search, title: document.title, h1: text('h1'),
               flash: text('.flash'), error: text('.error, .warn, [role=alert]') };
    })()`);
  }

  count(selector) {
    return this.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
  }

  text(selector) {
    return this.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      return e ? e.textContent.replace(/\\s+/g, ' ').trim() : null; })()`);
  }
}

// ---------------------------------------------------------------------------------------
// The day

const has = (s, part) => typeof s === 'string' && s.includes(part);
const lastSegment = (p) => (p || '').split('/').filter(Boolean).pop() || null;

// Checks {name: bool} → ok when every one holds.
const allOk = (checks) => Object.values(checks).every(Boolean);

async function runDay(browser, spec, result, progress) {
  const tab = new AppTab(browser);
  await tab.open(DESKTOP);
  const url = (p) => absolute(spec.base, p);
  const snap = async (rec, name) => {
    if (!spec.screenshots) return;
    rec.screenshot = await shoot(tab, spec.screenshots, name, true);
  };

  // One step: fn(rec) fills rec.detail (an object, with detail.checks) and may take a
  // screenshot; an exception ends the step with detail.error.
  async function step(name, fn) {
    progress.step = name;
    const rec = { detail: { checks: {} } };
    let ok = false;
    try {
      await fn(rec);
      ok = allOk(rec.detail.checks) && Object.keys(rec.detail.checks).length > 0;
    } catch (e) {
      if (browser.dead) throw browser.dead;
      rec.detail.error = e.message;
    }
    let href = null;
    try { href = await tab.evaluate('location.href'); } catch (e) { if (browser.dead) throw browser.dead; }
    const dialogs = [...(rec.kept ? rec.kept.dialogs : []), ...tab.dialogs];
    let problems = tab.take();
    if (rec.kept) {
      // Only what was kept aside counts (see the site step).
      problems = rec.kept.problems;
    }
    if (dialogs.length) rec.detail.dialogs = dialogs;
    const out = { name, url: href, status: tab.status(), ok, detail: rec.detail, ...problems };
    if (rec.screenshot) out.screenshot = rec.screenshot;
    result.steps.push(out);
    return out;
  }

  async function login(rec, who, start, expect, shot) {
    const d = rec.detail;
    await tab.goto(url(start));
    const at = await tab.page();
    d.login_page = at.path + at.search;
    d.checks.login_form = at.path === '/login';
    await tab.fill('input[name=name]', who.name);
    await tab.fill('input[name=password]', who.password);
    await tab.clickAndLoad('form[action="/login"] button[type=submit]');
    const after = await tab.page();
    d.landed = after.path + after.search;
    if (after.error) d.page_error = after.error;
    d.checks[`landed_on_${expect.replace(/^\//, '')}`] = after.path === expect;
    return after;
  }

  // Adopts the open item with the form's defaults; returns what the page said.
  async function adoptOpenItem() {
    const id = lastSegment((await tab.page()).path);
    // Open <details> by clicking its summary, as a user would.
    const summary = `[...document.querySelectorAll('details > summary')].find((s) => s.textContent.trim() === '采用')`;
    const isOpen = await tab.evaluate(`(() => { const s = ${summary}; return s ? s.parentElement.open : null; })()`);
    if (isOpen === null) throw new Error(`item ${id}: no <details> with summary 采用`);
    if (!isOpen) await tab.clickOn(summary, 'summary 采用');
    await tab.clickAndLoad('#adopt button[type=submit]');
    const p = await tab.page();
    const badge = await tab.text('.item .meta .st');
    const r = { id, status: tab.status(), path: p.path, flash: p.flash, badge };
    if (p.error) r.error = p.error;
    r.ok = has(p.flash, '已记录采用') && badge === '已采用';
    return r;
  }

  const ed = {}; // what later steps need from earlier ones

  await step('login', async (rec) => {
    await login(rec, spec.editor, '/inbox', '/inbox');
    rec.detail.checks.redirected_to_login_with_next = rec.detail.login_page === '/login?next=%2Finbox';
    rec.detail.rows = await tab.count('table.list tbody tr');
    rec.detail.checks.has_table_list = (await tab.count('table.list')) > 0;
    await snap(rec, 'inbox');
  });

  await step('item', async (rec) => {
    const d = rec.detail;
    d.link = await tab.text('table.list tbody a');
    await tab.clickAndLoad('table.list tbody a');
    const p = await tab.page();
    ed.item = lastSegment(p.path);
    d.id = ed.item;
    d.h1 = p.h1;
    d.checks.on_item_page = /^\/items\/[^/]+$/.test(p.path);
    d.checks.h1 = !!p.h1;
    await snap(rec, 'item');
  });

  await step('adopt', async (rec) => {
    const d = rec.detail;
    d.adopted = [];
    const first = await adoptOpenItem();
    d.adopted.push(first);
    d.checks.first_adopted = first.ok;
    for (const n of [2, 3]) {
      await tab.goto(url('/inbox'));
      await tab.clickAndLoad('table.list tbody tr:nth-child(1) a');
      const r = await adoptOpenItem();
      d.adopted.push(r);
      d.checks[`item_${n}_adopted`] = r.ok;
    }
    d.ids = d.adopted.map((a) => a.id);
    d.checks.three_different_items = new Set(d.ids).size === 3;
    ed.adopted = d.ids;
  });

  await step('issue-new', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/issues'));
    await snap(rec, 'issues');
    const sel = '#new-issue select[name=publication]';
    const chosen = await tab.evaluate(`(() => {
      const s = document.querySelector(${JSON.stringify(sel)});
      if (!s) return { error: 'no ${sel}' };
      const o = [...s.options].find((o) => o.value === ${JSON.stringify(spec.publication)});
      if (!o) return { error: 'no option ' + ${JSON.stringify(spec.publication)}, options: [...s.options].map((o) => o.value) };
      s.value = o.value;
      s.dispatchEvent(new Event('input', { bubbles: true }));
      s.dispatchEvent(new Event('change', { bubbles: true }));
      return { value: s.value, label: o.textContent.trim() };
    })()`);
    if (chosen.error) { d.options = chosen.options; throw new Error(chosen.error); }
    d.publication = chosen;
    await tab.clickAndLoad('#new-issue button[type=submit]');
    const p = await tab.page();
    d.path = p.path;
    d.flash = p.flash;
    d.h1 = p.h1;
    const m = new RegExp(`^/issues/${spec.publication.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(\\d{4})/(\\d+)$`).exec(p.path);
    d.checks.on_new_issue_page = !!m;
    d.checks.flash_new = has(p.flash, '已新建');
    if (m) ed.issue = p.path;
  });

  await step('issue-compose', async (rec) => {
    const d = rec.detail;
    if (!ed.issue) throw new Error('no issue page from issue-new');
    const here = (await tab.page()).path;
    if (here !== ed.issue) await tab.goto(url(ed.issue));
    // The pool: tick every box.
    d.pool = await tab.evaluate(`(() => {
      const boxes = [...document.querySelectorAll('#add-form input[type=checkbox]')];
      for (const b of boxes) if (!b.checked) b.click();
      return boxes.map((b) => ({ value: b.value, checked: b.checked }));
    })()`);
    d.checks.pool_has_the_adopted_items = (ed.adopted || []).length === 3 &&
      ed.adopted.every((id) => d.pool.some((b) => b.value === id));
    d.checks.pool_all_ticked = d.pool.length > 0 && d.pool.every((b) => b.checked);
    await tab.clickAndLoad('#add-form button[type=submit]');
    let p = await tab.page();
    const order = () => tab.evaluate(`[...document.querySelectorAll('.toc ol.entries li')].map((li) => li.dataset.id)`);
    const before = await order();
    d.add = { flash: p.flash, entries: before.length };
    d.checks.flash_added = has(p.flash, '已编入');
    d.checks.at_least_3_entries = before.length >= 3;

    // ↓ on the first entry.
    await tab.navigateBy(() => tab.clickOn(`(() => { const li = document.querySelector('.toc ol.entries li');
        const f = li && [...li.querySelectorAll('form')].find((f) => f.querySelector('input[name=to][value=down]'));
        return f && f.querySelector('button'); })()`, 'the ↓ button of the first entry'),
      'clicking ↓ of the first entry');
    p = await tab.page();
    const after = await order();
    d.move = { flash: p.flash, before, after };
    d.checks.flash_moved = has(p.flash, '已调整顺序');
    d.checks.order_changed = after[0] !== before[0] || JSON.stringify(after) !== JSON.stringify(before);

    // 设为头条 on the last entry.
    const lastId = after[after.length - 1];
    await tab.navigateBy(() => tab.clickOn(`(() => { const all = document.querySelectorAll('.toc ol.entries li');
        const li = all[all.length - 1];
        const f = li && li.querySelector('form[action$="/lead"]');
        return f && f.querySelector('button'); })()`, 'the 设为头条 button of the last entry'),
      'clicking 设为头条 of the last entry');
    p = await tab.page();
    const lead = await tab.evaluate(`[...document.querySelectorAll('.toc ol.entries li')]
      .filter((li) => [...li.querySelectorAll('b.tag')].some((b) => b.textContent.trim() === '头条'))
      .map((li) => li.dataset.id)`);
    d.lead = { flash: p.flash, clicked: lastId, marked: lead, order: await order() };
    d.checks.flash_lead = has(p.flash, '已设为本期头条');
    d.checks.lead_tag = lead.length > 0;
    d.toc_summary = await tab.text('#toc-summary');
    await snap(rec, 'issue');
  });

  await step('issue-publish', async (rec) => {
    const d = rec.detail;
    if (!ed.issue) throw new Error('no issue page from issue-new');
    const here = (await tab.page()).path;
    if (here !== ed.issue) await tab.goto(url(ed.issue));
    d.confirm = await tab.evaluate(`(() => { const f = document.querySelector('#publish'); return f ? f.dataset.confirm || null : null; })()`);
    await tab.clickAndLoad('#publish button[type=submit]');
    const p = await tab.page();
    d.flash = p.flash;
    d.h1 = p.h1;
    d.confirm_dialogs = tab.dialogs.filter((x) => x.type === 'confirm').length;
    d.checks.confirm_asked = d.confirm_dialogs === 1;
    d.checks.flash_published = has(p.flash, '已出版');
  });

  await step('search', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/search'));
    await tab.fill('input[name=q]', spec.query);
    await tab.navigateBy(() => tab.pressEnter(), 'pressing Enter in the search box');
    const p = await tab.page();
    d.path = p.path + p.search;
    d.count = await tab.text('#result-count');
    const hits = await tab.evaluate(`(() => {
      const li = [...document.querySelectorAll('ol.hits li')];
      return { n: li.length,
               titles: li.slice(0, 5).map((x) => { const a = x.querySelector('a.title'); return a ? a.textContent.trim() : null; }),
               marks: document.querySelectorAll('ol.hits li mark').length };
    })()`);
    d.hits = hits.n;
    d.titles = hits.titles;
    d.marks = hits.marks;
    if (p.error) d.page_error = p.error;
    d.checks.result_count = d.count !== null;
    d.checks.hits = hits.n > 0;
    await snap(rec, 'search');
  });

  await step('rank', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/rank'));
    d.h1 = (await tab.page()).h1;
    d.checks.table_rank = (await tab.count('table.rank')) > 0;
    d.rows = await tab.count('table.rank tbody tr');
    d.empty = (await tab.count('table.rank tbody td.empty')) > 0;
    d.page_status = tab.status();
    await snap(rec, 'rank');

    // The Excel report, saved by the browser as downloads/<guid>.
    d.xlsx_href = await tab.evaluate(`(() => { const a = document.querySelector('#xlsx'); return a ? a.getAttribute('href') : null; })()`);
    fs.mkdirSync(spec.downloads, { recursive: true });
    await browser.send('Browser.setDownloadBehavior', {
      behavior: 'allowAndName', downloadPath: spec.downloads, eventsEnabled: true,
    });
    const begin = browser.waitFor((m) => m.method === 'Browser.downloadWillBegin', DOWNLOAD_MS, 'Browser.downloadWillBegin');
    let guid = null;
    const done = browser.waitFor((m) => m.method === 'Browser.downloadProgress' && (!guid || m.params.guid === guid) &&
      (m.params.state === 'completed' || m.params.state === 'canceled'), DOWNLOAD_MS, 'the download to complete');
    try {
      await tab.click('#xlsx');
      const b = (await begin.promise).params;
      guid = b.guid;
      d.download = { url: b.url, suggested_name: b.suggestedFilename };
      const prog = (await done.promise).params;
      d.download.state = prog.state;
      d.download.bytes = prog.receivedBytes;
    } finally {
      begin.cancel();
      done.cancel();
    }
    d.checks.download_completed = d.download.state === 'completed';
    const file = path.join(spec.downloads, guid);
    const bytes = fs.readFileSync(file);
    result.download = {
      path: file,
      size: bytes.length,
      magic: bytes.subarray(0, 2).toString('latin1'),
      suggested_name: d.download.suggested_name,
    };
    d.checks.download_is_zip = result.download.magic === 'PK';
    d.checks.download_named_xlsx = /\.xlsx$/i.test(d.download.suggested_name || '');
  });

  await step('jobs', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/jobs'));
    d.h1 = (await tab.page()).h1;
    d.checks.runs_table = (await tab.count('#runs')) > 0;
    d.runs = await tab.count('#runs tbody tr');
    await snap(rec, 'jobs');
  });

  await step('site', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/site'));
    const t0 = Date.now();
    await tab.clickAndLoad('#build button[type=submit]', BUILD_MS);
    d.build_ms = Date.now() - t0;
    const p = await tab.page();
    d.flash = p.flash;
    d.build_status = tab.status();
    if (p.error) d.page_error = p.error;
    d.checks.flash_built = has(p.flash, '网站已生成并发布');
    await snap(rec, 'site');
    // The public site is not the application: its problems go to detail.preview, the
    // step's own lists keep those of the application's pages.
    rec.kept = { dialogs: tab.dialogs, problems: tab.take() };
    await tab.goto(url('/site/preview/'));
    d.preview = { status: tab.status(), title: (await tab.page()).title, ...tab.take() };
  });

  await step('users', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/users'));
    const p = await tab.page();
    d.status = tab.status();
    d.h1 = p.h1;
    d.checks.forbidden = d.status === 403;
  });

  await step('logout', async (rec) => {
    const d = rec.detail;
    // The logout form is in the header of application pages; the error page of the
    // previous step has none: go back to the inbox first.
    if (!(await tab.count('form.who'))) {
      d.from = '/inbox';
      await tab.goto(url('/inbox'));
    }
    await tab.clickAndLoad('form.who button[type=submit]');
    const p = await tab.page();
    d.landed = p.path + p.search;
    d.checks.landed_on_login = p.path === '/login';
  });

  await step('reporter-login', async (rec) => {
    await login(rec, spec.reporter, '/login', '/my');
    rec.detail.h1 = (await tab.page()).h1;
    await snap(rec, 'my');
  });

  await step('reporter-submit', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/submit'));
    await tab.fill('#submit-form input[name=title]', spec.submission.title);
    await tab.fill('#submit-form textarea[name=body]', spec.submission.body);
    await tab.clickAndLoad('#submit-form button[type=submit]');
    const p = await tab.page();
    d.path = p.path;
    d.h1 = p.h1;
    d.outcome = await tab.text('#outcome');
    const href = await tab.evaluate(`(() => { const a = document.querySelector('#outcome a'); return a ? a.getAttribute('href') : null; })()`);
    d.item = href ? lastSegment(href) : null;
    // submitted.html: the heading says 报送成功, #outcome the number of the new item.
    d.checks.success = has(d.h1, '报送成功') && d.outcome !== null;
    d.checks.new_item_link = !!href && /^\/items\/[^/]+$/.test(href);
    await snap(rec, 'submitted');
  });

  await step('reporter-forbidden', async (rec) => {
    const d = rec.detail;
    await tab.goto(url('/inbox'));
    d.status = tab.status();
    d.h1 = (await tab.page()).h1;
    d.checks.forbidden = d.status === 403;
  });

  await step('mobile', async (rec) => {
    const d = rec.detail;
    await tab.call('Emulation.setDeviceMetricsOverride', MOBILE);
    await tab.call('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    await tab.goto(url('/my'));
    const p = await tab.page();
    d.h1 = p.h1;
    d.width = await tab.evaluate('document.documentElement.scrollWidth');
    d.viewport = await tab.evaluate('window.innerWidth');
    d.checks.loaded = tab.status() === 200 && p.path === '/my';
    await snap(rec, 'mobile-my');
  });

  await tab.close();
}

// ---------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') usage();
  const spec = readSpec(args[0]);
  if (spec.screenshots) fs.mkdirSync(spec.screenshots, { recursive: true });
  fs.mkdirSync(spec.downloads, { recursive: true });

  const browser = new Browser(process.env.CHROMIUM || '/usr/bin/chromium');
  const progress = { step: null };
  let finished = false;
  const abort = async (msg, code) => {
    if (finished) return;
    finished = true;
    process.stderr.write(`webapp.js: ${msg}\n`);
    if ((!browser.ready || browser.dead) && browser.stderrTail.trim()) {
      process.stderr.write(`chromium output (tail):\n${browser.stderrTail.trim().slice(-1500)}\n`);
    }
    await browser.close().catch(() => {});
    process.exit(code);
  };
  const overall = setTimeout(() => abort(`timed out after ${OVERALL_MS / 1000} s` +
    (progress.step ? ` (in step ${progress.step})` : ''), 3), OVERALL_MS);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => abort(`interrupted (${sig})`, 130));

  try {
    browser.launch();
    const version = await browser.send('Browser.getVersion', {}, undefined, 30000);
    browser.ready = true;
    if (process.env.WEBAPP_JS_VERBOSE) process.stderr.write(`webapp.js: ${version.product}\n`);
    const result = { steps: [], download: null };
    await runDay(browser, spec, result, progress);
    if (finished) return;
    finished = true;
    clearTimeout(overall);
    await browser.close();
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    process.exitCode = 0;
  } catch (e) {
    clearTimeout(overall);
    let msg = e.message;
    if (browser.dead && browser.dead !== e && browser.dead.message !== msg) msg += ` (${browser.dead.message})`;
    if (browser.exited) await Promise.race([browser.exited, sleep(500)]);
    if (browser.exitInfo && !msg.includes(browser.exitInfo)) msg += `; chromium exited (${browser.exitInfo})`;
    if (progress.step) msg += ` (in step ${progress.step})`;
    await abort(msg, 1);
  }
}

main();
