#!/usr/bin/env python3
"""Export the text files of one commit of a git mirror into a directory.

usage: export.py MIRROR COMMIT DEST

Writes every *.py file and every file that can carry launch facts (shell
scripts, Makefiles, YAML/TOML/CFG configs, markdown) found in COMMIT's tree.
Blobs the mirror lacks (large files left out of a snapshot) are skipped, so
the export never fails on them. Exit 2 with a message when the mirror or the
commit cannot be read.
"""
import os
import subprocess
import sys

KEEP_SUFFIXES = (".py", ".sh", ".bash", ".yaml", ".yml", ".toml", ".cfg", ".md", ".mk")
KEEP_NAMES = ("Makefile", "makefile", "GNUmakefile")
MAX_BYTES = 4 * 1024 * 1024


def wanted(path):
    base = os.path.basename(path)
    return base.endswith(KEEP_SUFFIXES) or base in KEEP_NAMES


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: export.py MIRROR COMMIT DEST\n")
        return 2
    mirror, commit, dest = argv[1:]
    git = ["git", "-C", mirror]
    try:
        tree = subprocess.run(git + ["ls-tree", "-r", "-z", "-l", commit],
                              check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as exc:
        sys.stderr.write("export.py: cannot list %s at %s: %s\n"
                         % (mirror, commit, exc.stderr.decode(errors="replace").strip()))
        return 2
    entries = []
    for rec in tree.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, sha, size = meta.split()
        path = path.decode("utf-8", errors="surrogateescape")
        if kind != b"blob" or mode == b"120000" or not wanted(path):
            continue
        if size == b"-" or int(size) >= MAX_BYTES:
            continue
        entries.append((sha.decode(), path))
    batch = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    written = 0
    for sha, path in entries:
        batch.stdin.write((sha + "\n").encode())
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(data)
        written += 1
    batch.stdin.close()
    batch.wait()
    sys.stderr.write("exported %d files of %s at %s\n" % (written, mirror, commit[:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
