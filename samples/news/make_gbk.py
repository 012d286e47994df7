#!/usr/bin/env python3
"""Write the one mislabelled page of the rd/ sample site.

rd/_src/t20261106_1010.html is ordinary UTF-8 source. This script encodes it
as GBK and writes it to rd/2026/11/t20261106_1010.html, leaving its
<meta charset="utf-8"> unchanged. The page on the site is therefore GBK bytes
that claim to be UTF-8, as pages saved by some old CMS exports are.

Standard library only; the output is the same bytes on every run.
Run from anywhere:  python3 samples/news/make_gbk.py
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "t20261106_1010.html"
SRC = HERE / "rd" / "_src" / NAME
DST = HERE / "rd" / "2026" / "11" / NAME


def main() -> None:
    text = SRC.read_text(encoding="utf-8")
    if '<meta charset="utf-8">' not in text:
        raise SystemExit(f"{SRC}: the mislabelled charset declaration is missing")
    data = text.encode("gbk")  # strict: fails if a character has no GBK form
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise SystemExit("the GBK bytes happen to be valid UTF-8; the sample would test nothing")
    DST.parent.mkdir(parents=True, exist_ok=True)
    DST.write_bytes(data)
    print(f"wrote {DST.relative_to(HERE)} ({len(data)} bytes, GBK, labelled utf-8)")


if __name__ == "__main__":
    main()
