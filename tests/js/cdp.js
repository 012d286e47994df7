// Chrome DevTools Protocol over --remote-debugging-pipe, Node built-ins only: a headless
// Chromium process (Browser), page targets with their own record of console errors,
// exceptions, log errors and failed requests (Tab), and small helpers. Shared by the test
// drivers browser.js (the static site) and webapp.js (the editors' web application).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

// Messages are prefixed with the name of the script that was run.
const PROG = path.basename((require.main && require.main.filename) || 'cdp.js');

const LOAD_MS = 20000; // one navigation, up to the load event
const SETTLE_MS = 300; // after the load event
const CALL_MS = 15000; // one CDP call
const DESKTOP = { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false };
const MOBILE = { width: 390, height: 844, deviceScaleFactor: 1, mobile: true };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Browser process and the CDP pipe

class Browser {
  constructor(executable) {
    this.executable = executable;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, method, timer}
    this.listeners = new Set(); // fn(msg) for every event
    this.stderrTail = '';
    this.exited = null; // promise resolved when the process has exited
    this.dead = null; // Error once the process or the pipe is gone
  }

  launch() {
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'caibian-chromium-'));
    const args = [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--remote-debugging-pipe',
      `--user-data-dir=${this.profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      // Container friendliness and quiet, deterministic runs.
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--disable-breakpad',
      '--disable-crash-reporter',
      '--disable-features=Translate,MediaRouter,OptimizationHints',
      '--metrics-recording-only',
      '--mute-audio',
      '--hide-scrollbars',
      '--password-store=basic',
      '--use-mock-keychain',
      `--window-size=${DESKTOP.width},${DESKTOP.height}`,
      'about:blank',
    ];
    // Own process group, so the browser and all its helpers can be ended together.
    this.proc = spawn(this.executable, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        this.fail(new Error(`chromium exited (${this.exitInfo})`));
        resolve();
      });
      this.proc.once('error', (e) => {
        this.exitInfo = e.message;
        this.fail(new Error(`cannot start ${this.executable}: ${e.message}`));
        resolve();
      });
    });
    const keep = (d) => { this.stderrTail = (this.stderrTail + d).slice(-4000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.out = this.proc.stdio[3]; // the browser reads commands from its fd 3
    this.in = this.proc.stdio[4]; // and writes replies and events to its fd 4
    this.out.on('error', (e) => this.fail(new Error(`CDP pipe write: ${e.message}`)));
    this.in.on('error', (e) => this.fail(new Error(`CDP pipe read: ${e.message}`)));
    this.in.on('close', () => this.fail(new Error('CDP pipe closed')));
    let buf = Buffer.alloc(0);
    this.in.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let nul;
      while ((nul = buf.indexOf(0)) >= 0) {
        const text = buf.subarray(0, nul).toString('utf8');
        buf = buf.subarray(nul + 1);
        let msg;
        try {
          msg = JSON.parse(text);
        } catch (e) {
          continue;
        }
        this.dispatch(msg);
      }
    });
  }

  dispatch(msg) {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) {
        p.reject(new Error(`${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      } else {
        p.resolve(msg.result || {});
      }
      return;
    }
    for (const fn of [...this.listeners]) {
      try {
        fn(msg);
      } catch (e) {
        // A listener's bug must not break the message loop.
        process.stderr.write(`${PROG}: listener error: ${e.stack || e}\n`);
      }
    }
  }

  fail(err) {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  send(method, params = {}, sessionId, timeout = CALL_MS) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no reply in ${timeout} ms`));
      }, timeout);
      this.pending.set(id, { resolve, reject, method, timer });
      this.out.write(JSON.stringify(msg) + '\0');
    });
  }

  on(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // The first event matching pred: {promise, cancel}; the promise rejects after timeout ms.
  waitFor(pred, timeout, what) {
    let off, timer;
    const promise = new Promise((resolve, reject) => {
      off = this.on((msg) => {
        if (pred(msg)) { off(); clearTimeout(timer); resolve(msg); }
      });
      timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${what}`)); }, timeout);
    });
    promise.catch(() => {});
    return { promise, cancel: () => { off(); clearTimeout(timer); } };
  }

  // Graceful close, then SIGKILL to the process group; then remove the profile folder.
  async close() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid) {
      if (!this.dead) {
        this.send('Browser.close', {}, undefined, 2000).catch(() => {});
        await Promise.race([this.exited, sleep(2000)]);
      }
      if (this.proc.exitCode === null && this.proc.signalCode === null) {
        try { process.kill(-this.proc.pid, 'SIGKILL'); } catch (e) { /* already gone */ }
        try { this.proc.kill('SIGKILL'); } catch (e) { /* already gone */ }
        await Promise.race([this.exited, sleep(3000)]);
      }
    }
    // Helpers of the group may still be exiting; end them too (same group id).
    if (this.proc && this.proc.pid) {
      try { process.kill(-this.proc.pid, 'SIGKILL'); } catch (e) { /* group gone */ }
    }
    for (const s of [this.out, this.in]) if (s) s.destroy();
    if (this.profile) {
      for (let i = 0; i < 5; i++) {
        try {
          fs.rmSync(this.profile, { recursive: true, force: true });
          break;
        } catch (e) {
          await sleep(200);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// One tab: a page target with its own session and its own record of problems

// Text of a console argument, close to what DevTools shows: strings as they are, objects
// and arrays from their preview ({a: 1}, [1, 2]), anything else from its description.
function remoteValue(arg) {
  if (!arg) return '';
  if ('value' in arg) return typeof arg.value === 'string' ? arg.value : JSON.stringify(arg.value);
  if (arg.unserializableValue) return arg.unserializableValue;
  const pv = arg.preview;
  if (pv && pv.properties && (pv.subtype === undefined || pv.subtype === 'array')) {
    const more = pv.overflow ? ', …' : '';
    const val = (p) => (p.type === 'string' ? JSON.stringify(p.value) : p.value);
    if (pv.subtype === 'array') return `[${pv.properties.map(val).join(', ')}${more}]`;
    const body = pv.properties.map((p) => `${p.name}: ${val(p)}`).join(', ');
    return `${arg.className && arg.className !== 'Object' ? `${arg.className} ` : ''}{${body}${more}}`;
  }
  return arg.description || arg.type || '';
}

function location(frame) {
  return frame ? { url: frame.url || '', line: frame.lineNumber + 1, column: frame.columnNumber + 1 } : {};
}

class Tab {
  constructor(browser) {
    this.b = browser;
    this.reset();
  }

  reset() {
    this.consoleErrors = [];
    this.exceptions = [];
    this.logErrors = [];
    this.failedRequests = [];
    this.documents = []; // main-frame document responses, in order
    this.requests = new Map(); // requestId -> {url, type}
  }

  async open(viewport) {
    const { targetId } = await this.b.send('Target.createTarget', { url: 'about:blank' });
    this.targetId = targetId;
    const { sessionId } = await this.b.send('Target.attachToTarget', { targetId, flatten: true });
    this.sessionId = sessionId;
    this.off = this.b.on((msg) => { if (msg.sessionId === sessionId) this.event(msg.method, msg.params || {}); });
    await Promise.all([
      this.call('Runtime.enable'),
      this.call('Log.enable'),
      this.call('Page.enable'),
      this.call('Network.enable'),
    ]);
    // No cached copies: every visit must really ask the server.
    await this.call('Network.setCacheDisabled', { cacheDisabled: true });
    await this.call('Emulation.setDeviceMetricsOverride', viewport);
    if (viewport.mobile) {
      await this.call('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    }
    const { frameTree } = await this.call('Page.getFrameTree');
    this.frameId = frameTree.frame.id;
  }

  call(method, params) {
    return this.b.send(method, params, this.sessionId);
  }

  event(method, p) {
    switch (method) {
      case 'Runtime.consoleAPICalled':
        if (p.type === 'error' || p.type === 'assert') {
          const top = p.stackTrace && p.stackTrace.callFrames[0];
          this.consoleErrors.push({
            type: p.type,
            text: (p.args || []).map(remoteValue).join(' ') || (p.type === 'assert' ? 'Assertion failed' : ''),
            ...location(top),
          });
        }
        break;
      case 'Runtime.exceptionThrown': {
        const d = p.exceptionDetails || {};
        const ex = d.exception;
        this.exceptions.push({
          text: (ex && (ex.description || remoteValue(ex))) || d.text || 'exception',
          url: d.url || (d.stackTrace && d.stackTrace.callFrames[0] && d.stackTrace.callFrames[0].url) || '',
          line: d.lineNumber + 1,
          column: d.columnNumber + 1,
        });
        break;
      }
      case 'Log.entryAdded': {
        const e = p.entry || {};
        if (e.level === 'error') {
          const entry = { source: e.source, text: e.text, url: e.url || '' };
          if (e.networkRequestId && this.requests.has(e.networkRequestId)) {
            entry.url = entry.url || this.requests.get(e.networkRequestId).url;
          }
          this.logErrors.push(entry);
        }
        break;
      }
      case 'Network.requestWillBeSent':
        this.requests.set(p.requestId, { url: p.request.url, type: p.type });
        break;
      case 'Network.responseReceived': {
        const req = this.requests.get(p.requestId);
        if (req) req.status = p.response.status;
        if (p.type === 'Document' && p.frameId === this.frameId) {
          this.documents.push({ url: p.response.url, status: p.response.status });
        }
        break;
      }
      case 'Network.loadingFailed': {
        const req = this.requests.get(p.requestId) || {};
        this.failedRequests.push({
          url: req.url || '',
          type: p.type || req.type || '',
          error: p.errorText + (p.blockedReason ? ` (${p.blockedReason})` : '') + (p.canceled ? ' (canceled)' : ''),
        });
        break;
      }
      default:
    }
  }

  // Navigates and waits for the load event plus a short settle. Returns an error text or null.
  async goto(url) {
    const t0 = Date.now();
    const loaded = this.b.waitFor(
      (m) => m.sessionId === this.sessionId && m.method === 'Page.loadEventFired', LOAD_MS, `load of ${url}`);
    try {
      // Page.navigate answers once the response has started (or the navigation failed).
      let nav;
      try {
        nav = await this.b.send('Page.navigate', { url }, this.sessionId, LOAD_MS);
      } catch (e) {
        if (this.b.dead) throw e;
        return `navigation failed: no response in ${LOAD_MS / 1000} s`;
      }
      if (nav.errorText) return `navigation failed: ${nav.errorText}`;
      try {
        await loaded.promise;
      } catch (e) {
        return `${e.message} (${Date.now() - t0} ms)`;
      }
    } finally {
      loaded.cancel();
    }
    await sleep(SETTLE_MS);
    return null;
  }

  // Evaluates an expression in the page; by-value result, or throws with the page's error.
  async evaluate(expression) {
    const r = await this.call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) {
      const ex = r.exceptionDetails.exception;
      throw new Error(`evaluate: ${(ex && ex.description) || r.exceptionDetails.text}`);
    }
    return r.result.value;
  }

  async screenshot(file, fullPage) {
    const params = { format: 'png' };
    if (fullPage) {
      const m = await this.call('Page.getLayoutMetrics');
      const size = m.cssContentSize || m.contentSize;
      params.captureBeyondViewport = true;
      params.clip = { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 };
    }
    const { data } = await this.call('Page.captureScreenshot', params);
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }

  report() {
    return {
      console_errors: this.consoleErrors,
      exceptions: this.exceptions,
      log_errors: this.logErrors,
      failed_requests: this.failedRequests,
    };
  }

  async close() {
    if (this.off) this.off();
    if (this.targetId) await this.b.send('Target.closeTarget', { targetId: this.targetId }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// Helpers

// base + path (a path prefix in base is kept), percent-encoded as a browser would.
const absolute = (base, p) => new URL(base.replace(/\/+$/, '') + (p.startsWith('/') ? p : `/${p}`)).href;

// Writes a screenshot of the tab to DIR/NAME.png and returns its path.
async function shoot(tab, dir, name, fullPage) {
  const file = path.join(dir, `${name}.png`);
  await tab.screenshot(file, fullPage);
  return file;
}

module.exports = {
  Browser,
  Tab,
  remoteValue,
  location,
  absolute,
  shoot,
  sleep,
  LOAD_MS,
  SETTLE_MS,
  CALL_MS,
  DESKTOP,
  MOBILE,
};
