#!/usr/bin/env python3
"""Checks that every relative link in the repository's Markdown files resolves.

usage: check_links.py ROOT [FILE.md ...]

Without FILEs, scans every *.md under ROOT (skipping .git, build trees and testdata folders).
A link [text](target) or ![alt](target) whose target is not a URL must name an existing file or
folder relative to the linking file; a #fragment must match a heading of the target Markdown file
(GitHub's anchor rules). Prints each broken link and exits 1 if there is one.
"""
import os
import re
import sys

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading keeps its text
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def prose_lines(path):
    """The file's lines outside fenced code blocks, with inline code spans removed."""
    with open(path, encoding="utf-8") as f:
        in_fence = False
        for number, line in enumerate(f, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if not in_fence:
                yield number, re.sub(r"`[^`]*`", "", line)


def anchors(path):
    seen = {}
    result = set()
    for _, line in prose_lines(path):
        m = HEADING.match(line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            result.add(s if n == 0 else f"{s}-{n}")
    return result


def markdown_files(root):
    skip = {".git", "testdata", "node_modules"}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in skip and not x.startswith("build")
                   and not os.path.exists(os.path.join(d, x, "CMakeCache.txt"))]
        for f in files:
            if f.endswith(".md"):
                yield os.path.join(d, f)


def check(path):
    broken = []
    for number, line in prose_lines(path):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, fragment = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not os.path.exists(dest):
                broken.append(f"{path}:{number}: {target}: no such file")
            elif fragment and dest.endswith(".md") and fragment not in anchors(dest):
                broken.append(f"{path}:{number}: {target}: no heading #{fragment} in {dest}")
    return broken


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = argv[1]
    files = argv[2:] or sorted(markdown_files(root))
    broken = [b for f in files for b in check(f)]
    for b in broken:
        print(b)
    print(f"check_links: {len(files)} Markdown files, {len(broken)} broken links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
