/* caibian search client: exact phrase search over the static bigram index in /search/.
 * No dependencies. Runs on the /search/ page and under Node (tests). */
'use strict';
(() => {
  // Exactly Rust's char::is_alphanumeric() (Alphabetic || Nd/Nl/No).
  const WORD = /[\p{Alphabetic}\p{N}]/u;

  // Fullwidth ASCII -> ASCII, U+3000 -> space, A-Z -> a-z; 1:1 per code point and UTF-16 unit.
  const normalise = (s) => String(s).replace(/[\uFF01-\uFF5E\u3000A-Z]/g, (c) => {
    const n = c.charCodeAt(0);
    if (n === 0x3000) return ' ';
    const a = n >= 0xff01 ? n - 0xfee0 : n;
    return String.fromCharCode(a >= 0x41 && a <= 0x5a ? a + 0x20 : a);
  });

  // Terms of a query: runs of word chars (normalised), 2+ chars, each once, in query order.
  function parseQuery(query) {
    const terms = [];
    let run = '';
    for (const c of normalise(query || '') + ' ') {
      if (WORD.test(c)) { run += c; continue; }
      if (Array.from(run).length >= 2 && !terms.includes(run)) terms.push(run);
      run = '';
    }
    return terms;
  }

  // fnv1a-32 over cp1, cp2 as u32 little-endian, modulo the shard count.
  // shardOf(cp1, cp2, shards) or shardOf("代表", shards).
  function shardOf(a, b, c) {
    let cps = [a, b], shards = c;
    if (typeof a === 'string') { cps = Array.from(a, (x) => x.codePointAt(0)); shards = b; }
    let h = 0x811c9dc5;
    for (const v of cps.slice(0, 2)) {
      for (let i = 0; i < 32; i += 8) h = Math.imul(h ^ ((v >>> i) & 0xff), 16777619);
    }
    return (h >>> 0) % shards;
  }

  // A shard file -> { terms, get(cp1, cp2) -> Map(doc -> [positions]) | null }.
  // The table is searched by bisection; postings are decoded on first use.
  function decodeShard(input) {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'CBS1') {
      throw new Error('search shard: bad magic');
    }
    const n = dv.getUint32(4, true), area = 8 + 16 * n;
    if (area > bytes.length) throw new Error('search shard: truncated table');
    const u32 = (i, f) => dv.getUint32(8 + 16 * i + 4 * f, true);
    const memo = new Map();
    function get(cp1, cp2) {
      let lo = 0, hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1, a = u32(mid, 0), b = u32(mid, 1);
        if (a === cp1 && b === cp2) {
          if (!memo.has(mid)) memo.set(mid, postings(bytes, area + u32(mid, 2), u32(mid, 3)));
          return memo.get(mid);
        }
        if (a < cp1 || (a === cp1 && b < cp2)) lo = mid + 1; else hi = mid - 1;
      }
      return null;
    }
    return { terms: n, get };
  }

  function postings(bytes, start, length) {
    const end = start + length;
    if (end > bytes.length) throw new Error('search shard: postings out of range');
    let i = start;
    const varint = () => {
      let r = 0, mul = 1, b;
      do {
        if (i >= end) throw new Error('search shard: truncated varint');
        b = bytes[i++];
        r += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
      return r;
    };
    const map = new Map();
    let doc = 0;
    while (i < end) {
      doc += varint();
      const pos = new Array(varint());
      for (let k = 0, p = 0; k < pos.length; k++) pos[k] = p += varint();
      map.set(doc, pos);
    }
    return map;
  }

  // One promise per (fetcher, url): each file is fetched at most once; failures are retried.
  const caches = new WeakMap();
  function cached(fetcher, url, then) {
    let m = caches.get(fetcher);
    if (!m) caches.set(fetcher, (m = new Map()));
    let p = m.get(url);
    if (!p) {
      p = Promise.resolve().then(() => fetcher(url)).then(then);
      m.set(url, p);
      p.catch(() => m.delete(url));
    }
    return p;
  }

  // Start positions of a phrase in one doc: p with p+i in positions(b_i) for all i.
  function phrase(lists, doc) {
    const first = lists[0].get(doc), sets = lists.slice(1).map((l) => new Set(l.get(doc)));
    return first.filter((p) => sets.every((s, i) => s.has(p + i + 1)));
  }

  async function search(query, opts = {}) {
    const terms = parseQuery(query);
    if (!terms.length) return { total: 0, terms, results: [] };
    const { fetchBytes, fetchJson, base = '' } = opts;
    const meta = await cached(fetchJson, `${base}/search/meta.json`, (m) => m);
    if (!(meta && meta.shards > 0)) throw new Error('search: bad meta.json');
    const S = meta.shards, chunk = meta.chunk || 256;
    const cps = terms.map((t) => Array.from(t, (c) => c.codePointAt(0)));
    const shard = (k) => cached(fetchBytes, `${base}/search/s/${k}.bin`,
      (b) => (b ? decodeShard(b) : null));
    const ks = new Set();
    for (const t of cps) for (let i = 1; i < t.length; i++) ks.add(shardOf(t[i - 1], t[i], S));
    const loaded = new Map(await Promise.all([...ks].map(async (k) => [k, await shard(k)])));
    // Postings of each bigram of each term; a missing bigram means no result.
    const lists = [];
    for (const t of cps) {
      const l = [];
      for (let i = 1; i < t.length; i++) {
        const s = loaded.get(shardOf(t[i - 1], t[i], S));
        const p = s && s.get(t[i - 1], t[i]);
        if (!p) return { total: 0, terms, results: [] };
        l.push(p);
      }
      lists.push(l);
    }
    // Candidates: docs holding every bigram of every term, from the shortest list.
    const all = lists.flat().sort((a, b) => a.size - b.size);
    const hits = new Map(); // doc -> [[first, count] per term]
    for (const doc of all[0].keys()) {
      if (!all.every((l) => l.has(doc))) continue;
      const per = [];
      for (const l of lists) {
        const ps = phrase(l, doc);
        if (!ps.length) break;
        per.push([ps[0], ps.length]);
      }
      if (per.length === lists.length) hits.set(doc, per);
    }
    // Metadata (with title_len, needed for the score) of every matching doc.
    const chunks = new Map();
    await Promise.all([...new Set([...hits.keys()].map((d) => Math.floor(d / chunk)))].map(
      async (c) => chunks.set(c, await cached(fetchJson, `${base}/search/d/${c}.json`, (j) => j))));
    const results = [];
    for (const [doc, per] of hits) {
      const e = (chunks.get(Math.floor(doc / chunk)) || [])[doc % chunk];
      if (!e) throw new Error(`search: no metadata for doc ${doc}`);
      const [url, title, date, column, titleLen] = e;
      const score = per.reduce((s, [first, n]) => s + n + (first < titleLen ? 20 : 0), 0);
      results.push({ doc, url, title, date, column, score });
    }
    results.sort((a, b) => b.score - a.score || b.doc - a.doc);
    return { total: results.length, terms, results };
  }

  // Excerpt of a text around the first occurrence of any term: [{text, mark}] parts.
  // Whitespace runs collapse to one space; matching is done on the normalised text.
  function makeExcerpt(text, terms, before = 30, after = 60) {
    const orig = Array.from(String(text).replace(/\s+/g, ' ').trim());
    const norm = Array.from(normalise(orig.join('')));
    const ts = terms.map((t) => Array.from(t));
    const at = (i, t) => t.every((c, k) => norm[i + k] === c);
    let first = -1;
    for (let i = 0; i < norm.length && first < 0; i++) if (ts.some((t) => at(i, t))) first = i;
    let start = first < 0 ? 0 : Math.max(0, first - before);
    let end = Math.min(norm.length, first < 0 ? before + after : first + after);
    // Occurrences near the window; one cut by an edge widens the window to hold it whole.
    const occ = [];
    const longest = Math.max(...ts.map((t) => t.length));
    for (let i = Math.max(0, start - longest); i < end; i++) {
      for (const t of ts) if (at(i, t) && i + t.length > start) occ.push([i, i + t.length]);
    }
    for (const [a, b] of occ) { start = Math.min(start, a); end = Math.max(end, b); }
    const marked = new Array(end - start).fill(false);
    for (const [a, b] of occ) for (let k = a; k < b; k++) marked[k - start] = true;
    const parts = [];
    if (start > 0) parts.push({ text: '…', mark: false });
    for (let i = start; i < end; i++) {
      const m = marked[i - start], last = parts[parts.length - 1];
      if (last && last.mark === m && i > start) last.text += orig[i];
      else parts.push({ text: orig[i], mark: m });
    }
    if (end < norm.length) parts.push({ text: '…', mark: false });
    return parts;
  }

  if (typeof module === 'object' && module.exports) {
    module.exports = { search, normalise, shardOf, decodeShard, parseQuery, makeExcerpt };
  }
  if (typeof window === 'undefined' || typeof document === 'undefined') return;

  // ---- Browser: the /search/ page ----
  const PAGE = 10;
  const get = async (url, json) => {
    const r = await fetch(url);
    if (r.status === 404 && !json) return null;
    if (!r.ok) throw new Error(`HTTP ${r.status}: ${url}`);
    return json ? r.json() : new Uint8Array(await r.arrayBuffer());
  };
  async function fetchExcerpt(url, terms) {
    const r = await fetch(url);
    if (!r.ok) return null;
    const page = new DOMParser().parseFromString(await r.text(), 'text/html');
    const body = page.querySelector('[data-search-body]');
    return body ? makeExcerpt(body.textContent, terms) : null;
  }
  const el = (tag, props, ...kids) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...kids);
    return e;
  };

  function init() {
    const $ = (id) => document.getElementById(id);
    const form = $('search-form'), input = $('search-input'), status = $('search-status');
    const list = $('search-results'), more = $('search-more');
    if (!form || !input || !status || !list) return;
    if (!status.hasAttribute('aria-live')) status.setAttribute('aria-live', 'polite');
    const opts = { fetchBytes: (u) => get(u, false), fetchJson: (u) => get(u, true), base: '' };
    let run = 0, found = null, shown = 0;
    if (more) { more.type = 'button'; more.hidden = true; }

    function showMore(focus) {
      const r = found, batch = r.results.slice(shown, shown + PAGE);
      shown += batch.length;
      batch.forEach((d, i) => {
        const link = el('a', { href: d.url, textContent: d.title });
        // Same markup as the theme's article summaries (_summary.html).
        const meta = el('p', { className: 'meta' }, el('time', { dateTime: d.date, textContent: d.date }));
        if (d.column) {
          const sep = el('span', { className: 'sep', textContent: ' · ' });
          sep.setAttribute('aria-hidden', 'true');
          meta.append(sep, d.column);
        }
        const li = el('li', { className: 'summary' }, el('h2', { className: 'summary-title' }, link), meta);
        list.append(li);
        if (focus && i === 0) link.focus();
        fetchExcerpt(d.url, r.terms).then((parts) => {
          if (!parts || !parts.length || found !== r) return;
          li.append(el('p', { className: 'summary-text search-excerpt' }, ...parts.map(
            (p) => (p.mark ? el('mark', { textContent: p.text }) : document.createTextNode(p.text)))));
        }, () => {});
      });
      if (more) more.hidden = shown >= r.results.length;
    }

    async function go(q, submitted) {
      const my = ++run;
      found = null; shown = 0;
      list.replaceChildren();
      if (more) more.hidden = true;
      if (!parseQuery(q).length) {
        status.textContent = q.trim() || submitted ? '请输入至少两个字' : '';
        return;
      }
      status.textContent = '正在搜索…';
      try {
        const r = await search(q, opts);
        if (my !== run) return;
        found = r;
        status.textContent = r.total ? `找到 ${r.total} 篇` : `没有找到包含「${q.trim()}」的文章`;
        showMore(false);
      } catch (e) {
        if (my === run) status.textContent = '搜索暂时不可用，请稍后再试';
      }
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = input.value, u = new URL(location.href);
      if (q.trim()) u.searchParams.set('q', q); else u.searchParams.delete('q');
      history.replaceState(null, '', u);
      go(q, true);
    });
    if (more) more.addEventListener('click', () => found && showMore(true));
    const q = new URLSearchParams(location.search).get('q') || '';
    input.value = q;
    if (q) go(q, false);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
