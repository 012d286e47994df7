#!/usr/bin/env python3
"""Check the offline news sample under samples/news/.

- every relative href/src in every .html page resolves to an existing file
  (rd/_src/ is skipped: it is the UTF-8 source of the GBK page, not part of the site);
- no page links to an absolute http(s) URL;
- rd/rss.xml is well formed, its links use the http://jiangbei-rd.example placeholder
  and point at existing pages, its dates are RFC 822 with +0800;
- expected.json is valid JSON and agrees with the pages (title, date, source,
  author, first paragraph, GBK flag, reprint target), and the list pages link
  exactly the expected articles (plus the robots-disallowed canary on list_3.html);
- robots.txt disallows rd/private/secret.html and no expected article;
- rd/2026/11/t20261106_1010.html is what make_gbk.py makes from rd/_src/.

Standard library only. Exit status 1 on any failure.
Run from anywhere:  python3 samples/news/check_links.py
"""
import json
import sys
import urllib.robotparser
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote

HERE = Path(__file__).resolve().parent
PLACEHOLDER = "http://jiangbei-rd.example"
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")
errors = []


def err(msg):
    errors.append(msg)


class Page(HTMLParser):
    """Collects links and the bits of text the checks need."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []          # (tag, attr, value)
        self.stack = []          # open tags with their class/id
        self.title = None        # h1.title (rd) or #article h2 (media)
        self.first_p = None      # first <p> inside div.content / div.text
        self.info = ""           # div.info / div.meta text
        self.list_links = []     # hrefs inside ul.news-list / div.list
        self._cap = None
        self._buf = []

    def _inside(self, pred):
        return any(pred(t, a) for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, a[key]))
        cls = (a.get("class") or "").split()
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self.stack.append((tag, {"class": cls, "id": a.get("id")}))
        if tag == "a" and self._inside(lambda t, x: (t == "ul" and "news-list" in x["class"]) or (t == "div" and "list" in x["class"])):
            self.list_links.append(a.get("href"))
        if self._cap is None:
            if (tag == "h1" and "title" in cls) or (tag == "h2" and self._inside(lambda t, x: x["id"] == "article")):
                if self.title is None:
                    self._cap, self._buf = ("title", len(self.stack)), []
            elif tag == "p" and self.first_p is None and self._inside(
                    lambda t, x: t == "div" and ("content" in x["class"] or "text" in x["class"])):
                self._cap, self._buf = ("p", len(self.stack)), []
            elif tag == "div" and ("info" in cls or "meta" in cls) and not self.info:
                self._cap, self._buf = ("info", len(self.stack)), []

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if self._cap and len(self.stack) < self._cap[1]:
                text = "".join(self._buf).strip()
                kind = self._cap[0]
                if kind == "title":
                    self.title = text
                elif kind == "p":
                    self.first_p = text
                else:
                    self.info = text
                self._cap = None
            if t == tag:
                break

    def handle_data(self, data):
        if self._cap:
            self._buf.append(data)


def read_html(path):
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("gbk"), True


def parse(path):
    text, gbk = read_html(path)
    p = Page()
    p.feed(text)
    p.close()
    return p, text, gbk


def site_files():
    for f in sorted(HERE.rglob("*.html")):
        if "_src" in f.relative_to(HERE).parts:
            continue
        yield f


def check_links():
    n_pages = n_links = 0
    for f in site_files():
        n_pages += 1
        page, _, _ = parse(f)
        for tag, attr, value in page.links:
            v = value.strip()
            if not v or v.startswith("#") or v.lower().startswith(SKIP_SCHEMES):
                continue
            rel = f.relative_to(HERE)
            parts = urlsplit(v)
            if parts.scheme or parts.netloc or v.startswith("/"):
                err(f"{rel}: non-relative link <{tag} {attr}={v!r}>")
                continue
            n_links += 1
            target = (f.parent / unquote(parts.path)).resolve()
            try:
                target.relative_to(HERE)
            except ValueError:
                err(f"{rel}: link {v!r} leaves samples/news/")
                continue
            if not target.is_file():
                err(f"{rel}: broken link {v!r}")
    return n_pages, n_links


def check_rss():
    path = HERE / "rd" / "rss.xml"
    root = ET.parse(path).getroot()
    if root.tag != "rss" or root.get("version") != "2.0":
        err("rss.xml: not RSS 2.0")
    items = root.findall("./channel/item")
    for it in items:
        link = it.findtext("link") or ""
        if not link.startswith(PLACEHOLDER + "/"):
            err(f"rss.xml: link {link!r} does not use {PLACEHOLDER}")
            continue
        local = HERE / link[len(PLACEHOLDER) + 1:]
        if not local.is_file():
            err(f"rss.xml: link {link!r} has no page")
        pd = it.findtext("pubDate") or ""
        try:
            dt = parsedate_to_datetime(pd)
            if dt.utcoffset().total_seconds() != 8 * 3600:
                err(f"rss.xml: pubDate {pd!r} is not +0800")
        except (TypeError, ValueError):
            err(f"rss.xml: bad pubDate {pd!r}")
        if not it.findtext("title") or not it.findtext("description"):
            err(f"rss.xml: item {link!r} lacks title or description")
    return len(items)


def check_expected():
    exp = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    keys = {"path", "title", "published", "source", "author", "body_first_line", "offtopic", "reprint_of", "gbk"}
    paths = set()
    for e in exp:
        if set(e) != keys:
            err(f"expected.json: {e.get('path')}: keys {sorted(set(e) ^ keys)} wrong")
            continue
        paths.add(e["path"])
        f = HERE / e["path"]
        if not f.is_file():
            err(f"expected.json: {e['path']} does not exist")
            continue
        page, text, gbk = parse(f)
        if page.title != e["title"]:
            err(f"{e['path']}: title {page.title!r} != expected {e['title']!r}")
        if page.first_p != e["body_first_line"]:
            err(f"{e['path']}: first paragraph differs from expected")
        if gbk != e["gbk"]:
            err(f"{e['path']}: gbk={gbk}, expected {e['gbk']}")
        y, m, d = e["published"].split("-")
        if e["published"] not in page.info and f"{y}年{m}月{d}日" not in page.info:
            err(f"{e['path']}: date {e['published']} not in info line {page.info!r}")
        if e["source"] not in page.info:
            err(f"{e['path']}: source {e['source']!r} not in info line")
        # Without a 作者 in the info line, the author is the 责任编辑 named at the end.
        if e["author"] is not None and e["author"] not in page.info and e["author"] not in text:
            err(f"{e['path']}: author {e['author']!r} not in info line")
        if e["author"] is None and "作者" in page.info:
            err(f"{e['path']}: author null but info line names one")
        if e["reprint_of"] is not None and not (HERE / e["reprint_of"]).is_file():
            err(f"{e['path']}: reprint_of {e['reprint_of']} does not exist")
        if ("工会" in e["title"] or "羽毛球" in e["title"]) and not e["offtopic"]:
            err(f"{e['path']}: looks off-topic but offtopic=false")
    # list pages link exactly the expected articles
    listed = []
    for lp in ["rd/index.html", "rd/list_2.html", "rd/list_3.html", "media/index.html"]:
        page, _, _ = parse(HERE / lp)
        base = (HERE / lp).parent
        listed += [str((base / h).resolve().relative_to(HERE)) for h in page.list_links]
    canary = "rd/private/secret.html"
    if canary not in listed:
        err("list_3.html does not link the robots canary")
    listed = [p for p in listed if p != canary]
    if sorted(listed) != sorted(paths) or len(listed) != len(set(listed)):
        err(f"list pages link {len(listed)} articles, expected.json has {len(paths)}")
    return exp


def check_robots(exp):
    for robots in (HERE / "robots.txt", HERE / "rd" / "robots.txt"):
        rp = urllib.robotparser.RobotFileParser()
        rp.parse(robots.read_text(encoding="utf-8").splitlines())
        if rp.can_fetch("caibian", "http://127.0.0.1/rd/private/secret.html"):
            err(f"{robots.relative_to(HERE)}: canary page is not disallowed")
        for e in exp:
            if not rp.can_fetch("caibian", "http://127.0.0.1/" + e["path"]):
                err(f"{robots.relative_to(HERE)}: {e['path']} is disallowed")


def check_gbk_fresh():
    src = (HERE / "rd" / "_src" / "t20261106_1010.html").read_text(encoding="utf-8")
    dst = (HERE / "rd" / "2026" / "11" / "t20261106_1010.html").read_bytes()
    if src.encode("gbk") != dst:
        err("rd/2026/11/t20261106_1010.html is stale: run make_gbk.py")


def main():
    n_pages, n_links = check_links()
    n_items = check_rss()
    exp = check_expected()
    check_robots(exp)
    check_gbk_fresh()
    for e in errors:
        print("FAIL", e)
    rd = [e for e in exp if e["path"].startswith("rd/")]
    print(f"{n_pages} pages, {n_links} relative links checked; rss.xml: {n_items} items")
    print(f"expected.json: {len(exp)} articles ({len(rd)} rd, {len(exp) - len(rd)} media); "
          f"off-topic: {sum(e['offtopic'] for e in exp)}; GBK: {[e['path'] for e in exp if e['gbk']]}; "
          f"reprints: {[(e['path'], e['reprint_of']) for e in exp if e['reprint_of']]}")
    print("OK" if not errors else f"{len(errors)} problem(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
