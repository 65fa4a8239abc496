#!/usr/bin/env python3
"""Score `oomkb lint` findings against judged real-world locations.

usage:
  score.py corpus MANIFEST FINDINGS_DIR
  score.py sample JUDGED FINDINGS_DIR N SEED
  score.py selftest

FINDINGS_DIR holds, per repository, `<owner>+<name>.json` (the linter's JSON output, run
from the exported repository root) and `<owner>+<name>.commit` (the commit exported).

corpus: every manifest row (repo, commit, path, line, rule, verdict, reason) with verdict
`flag` or `clean` is matched against the findings of its repository: a finding matches when
it has the row's rule and path and its line lies in the row's statement (the smallest Python
statement whose lines contain the row's line; for a compound statement only its header
lines). Prints TP/FP/FN/TN, precision and recall per rule, then every miss and false alarm.
Rows marked `undecidable` are counted and left out of the score.

sample: draws a deterministic random sample of up to N findings per rule across every
repository in FINDINGS_DIR (seeded), joins it with the judgments in JUDGED (same columns as
the manifest) and prints the precision per rule over the judged findings, and the findings
that still need a judgment (as TSV rows ready to be completed).

selftest: scores a synthetic repository and checks the counts (run.sh runs it first).

Exit status: 0 when scored, 2 on malformed input (the message names file and line).
"""
import ast
import collections
import json
import os
import random
import sys

# the linter's codes; a rule with nothing judged or found is left out of the tables
RULES = tuple("OOM1%02d" % i for i in range(1, 14))
COLUMNS = ("repo", "commit", "path", "line", "rule", "verdict", "reason")
VERDICTS = ("flag", "clean", "undecidable")


class InputError(Exception):
    pass


def read_table(path):
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            text = raw.rstrip("\n")
            if not text or text.startswith("#"):
                continue
            cells = text.split("\t")
            if cells[0] == "repo":
                continue
            if len(cells) != len(COLUMNS):
                raise InputError("%s:%d: %d columns, expected %d (%s)"
                                 % (path, number, len(cells), len(COLUMNS), " ".join(COLUMNS)))
            row = dict(zip(COLUMNS, cells))
            if row["rule"] not in RULES:
                raise InputError("%s:%d: unknown rule %r" % (path, number, row["rule"]))
            if row["verdict"] not in VERDICTS:
                raise InputError("%s:%d: verdict %r is not flag, clean or undecidable"
                                 % (path, number, row["verdict"]))
            if not row["line"].isdigit():
                raise InputError("%s:%d: line %r is not a number" % (path, number, row["line"]))
            if not row["reason"].strip():
                raise InputError("%s:%d: a judgment needs a reason" % (path, number))
            row["line"] = int(row["line"])
            row["where"] = "%s:%d" % (path, number)
            rows.append(row)
    return rows


def mirror_key(repo):
    return repo.replace("/", "+")


def load_findings(findings_dir, repo):
    key = mirror_key(repo)
    path = os.path.join(findings_dir, key + ".json")
    if not os.path.exists(path):
        return None, None
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    commit = None
    commit_path = os.path.join(findings_dir, key + ".commit")
    if os.path.exists(commit_path):
        with open(commit_path, encoding="utf-8") as handle:
            commit = handle.read().strip()
    by_file = collections.defaultdict(list)
    for finding in data:
        name = os.path.normpath(finding["filename"])
        by_file[name].append(finding)
    return by_file, commit


class Spans:
    """Statement spans of the exported sources, parsed on demand."""

    def __init__(self, src_root):
        self.src_root = src_root
        self.cache = {}

    def span(self, repo, path, line):
        key = (repo, path)
        if key not in self.cache:
            self.cache[key] = self._statements(os.path.join(self.src_root, mirror_key(repo), path))
        containing = [(last - first, first, last) for first, last in self.cache[key]
                      if first <= line <= last]
        if not containing:
            return line, line
        _, first, last = min(containing)
        return first, last

    @staticmethod
    def _statements(path):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError):
            return []
        spans = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.stmt):
                continue
            last = node.end_lineno or node.lineno
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                last = max(node.lineno, body[0].lineno - 1)
            spans.append((node.lineno, last))
        return spans


def matches(findings, rule, first, last):
    return [f for f in findings if f["code"] == rule and first <= f["location"]["row"] <= last]


def print_table(counts, title):
    print(title)
    print("%-7s %4s %4s %4s %4s %9s %7s" % ("rule", "TP", "FP", "FN", "TN", "precision", "recall"))
    for rule in RULES:
        c = counts[rule]
        if not sum(c.values()):
            continue
        prec = "%.2f" % (c["TP"] / (c["TP"] + c["FP"])) if c["TP"] + c["FP"] else "-"
        rec = "%.2f" % (c["TP"] / (c["TP"] + c["FN"])) if c["TP"] + c["FN"] else "-"
        print("%-7s %4d %4d %4d %4d %9s %7s" % (rule, c["TP"], c["FP"], c["FN"], c["TN"], prec, rec))


def score_corpus(manifest, findings_dir):
    rows = read_table(manifest)
    spans = Spans(os.path.join(findings_dir, "src"))
    counts = {rule: collections.Counter() for rule in RULES}
    misses, alarms, missing, stale, undecidable = [], [], set(), set(), collections.Counter()
    repos = collections.Counter(r["repo"] for r in rows)
    loaded = {}
    for row in rows:
        if row["verdict"] == "undecidable":
            undecidable[row["rule"]] += 1
            continue
        repo = row["repo"]
        if repo not in loaded:
            loaded[repo] = load_findings(findings_dir, repo)
        by_file, commit = loaded[repo]
        if by_file is None:
            missing.add(repo)
            continue
        if commit and commit != row["commit"]:
            stale.add("%s (manifest %s, linted %s)" % (repo, row["commit"][:12], commit[:12]))
        first, last = spans.span(repo, row["path"], row["line"])
        hit = matches(by_file.get(os.path.normpath(row["path"]), []), row["rule"], first, last)
        label = "%s:%s:%d %s" % (repo, row["path"], row["line"], row["rule"])
        if row["verdict"] == "flag":
            counts[row["rule"]]["TP" if hit else "FN"] += 1
            if not hit:
                misses.append("%s  %s" % (label, row["reason"]))
        else:
            counts[row["rule"]]["FP" if hit else "TN"] += 1
            if hit:
                alarms.append("%s  %s  [linter: %s]" % (label, row["reason"], hit[0]["message"]))
    scored = sum(sum(c.values()) for c in counts.values())
    print("corpus: %d rows from %d repositories; %d scored, %d undecidable (left out)"
          % (len(rows), len(repos), scored, sum(undecidable.values())))
    for repo in sorted(missing):
        print("not scored: no findings for %s (mirror missing or not linted)" % repo)
    for text in sorted(stale):
        print("warning: commit mismatch for %s" % text)
    print_table(counts, "")
    print("\nmisses (%d):" % len(misses))
    for text in sorted(misses):
        print("  " + text)
    print("\nfalse alarms (%d):" % len(alarms))
    for text in sorted(alarms):
        print("  " + text)
    return counts


def score_sample(judged_path, findings_dir, per_rule, seed):
    judged = {}
    if os.path.exists(judged_path):
        for row in read_table(judged_path):
            judged[(row["repo"], row["commit"], row["path"], row["line"], row["rule"])] = row
    pool = {rule: [] for rule in RULES}
    for name in sorted(os.listdir(findings_dir)):
        if not name.endswith(".json"):
            continue
        key = name[:-5]
        repo = key.replace("+", "/", 1)
        by_file, commit = load_findings(findings_dir, repo)
        for path in sorted(by_file):
            for finding in by_file[path]:
                pool[finding["code"]].append((repo, commit or "?", path, finding["location"]["row"],
                                              finding["code"], finding["message"]))
    counts = {rule: collections.Counter() for rule in RULES}
    pending = []
    rng = random.Random(seed)
    print("sample: up to %d findings per rule, seed %d" % (per_rule, seed))
    for rule in RULES:
        found = sorted(set(pool[rule]))
        if not found:
            continue
        sample = sorted(rng.sample(found, min(per_rule, len(found))))
        print("%s: %d findings in all, %d sampled" % (rule, len(found), len(sample)))
        for repo, commit, path, line, code, message in sample:
            row = judged.get((repo, commit, path, line, code))
            if row is None or row["verdict"] == "undecidable":
                if row is None:
                    pending.append("\t".join((repo, commit, path, str(line), code, "?", message)))
                continue
            counts[rule]["TP" if row["verdict"] == "flag" else "FP"] += 1
    print("\n%-7s %6s %6s %9s" % ("rule", "right", "wrong", "precision"))
    for rule in RULES:
        c = counts[rule]
        n = c["TP"] + c["FP"]
        if not n and not pool[rule]:
            continue
        print("%-7s %6d %6d %9s" % (rule, c["TP"], c["FP"], "%.2f" % (c["TP"] / n) if n else "-"))
    print("\nsampled findings without a judgment (%d):" % len(pending))
    for text in pending:
        print(text)
    return counts, pending


SELFTEST_SOURCE = """import torch
losses = []
for batch in loader:
    loss = model(
        batch).loss
    loss.backward()
    losses.append(
        loss)
    torch.cuda.empty_cache()
"""


def selftest():
    """Checks matching and counting on a synthetic repository; returns 0 when they hold."""
    import contextlib
    import io
    import tempfile

    commit = "0" * 40
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "src", "o+r"))
        with open(os.path.join(tmp, "src", "o+r", "t.py"), "w", encoding="utf-8") as out:
            out.write(SELFTEST_SOURCE)
        findings = [  # line 8 lies inside the statement that starts on line 7
            {"code": "OOM101", "filename": "./t.py", "location": {"row": 8}, "message": "m"},
            {"code": "OOM102", "filename": "./t.py", "location": {"row": 9}, "message": "m"},
            {"code": "OOM104", "filename": "./t.py", "location": {"row": 1}, "message": "m"},
        ]
        with open(os.path.join(tmp, "o+r.json"), "w", encoding="utf-8") as out:
            json.dump(findings, out)
        with open(os.path.join(tmp, "o+r.commit"), "w", encoding="utf-8") as out:
            out.write(commit + "\n")
        rows = [("7", "OOM101", "flag"),         # TP through the statement span
                ("4", "OOM101", "flag"),         # FN: no OOM101 in lines 4-5
                ("9", "OOM102", "clean"),        # FP
                ("2", "OOM102", "clean"),        # TN
                ("3", "OOM103", "clean"),        # TN
                ("1", "OOM104", "flag"),         # TP on the very line
                ("8", "OOM104", "undecidable")]  # left out
        manifest = os.path.join(tmp, "manifest.tsv")
        with open(manifest, "w", encoding="utf-8") as out:
            out.write("\t".join(COLUMNS) + "\n")
            for line, rule, verdict in rows:
                out.write("\t".join(("o/r", commit, "t.py", line, rule, verdict, "why")) + "\n")
        judged = os.path.join(tmp, "judged.tsv")
        with open(judged, "w", encoding="utf-8") as out:
            out.write("\t".join(("o/r", commit, "t.py", "8", "OOM101", "flag", "why")) + "\n")
        with contextlib.redirect_stdout(io.StringIO()):
            counts = score_corpus(manifest, tmp)
            sample, pending = score_sample(judged, tmp, 30, 1)
    want = {"OOM101": {"TP": 1, "FN": 1}, "OOM102": {"FP": 1, "TN": 1},
            "OOM103": {"TN": 1}, "OOM104": {"TP": 1}}
    got = {rule: {k: v for k, v in counts[rule].items() if v} for rule in RULES if sum(counts[rule].values())}
    problems = []
    if got != want:
        problems.append("corpus counts %r, expected %r" % (got, want))
    pending_rules = [row.split("\t")[4] for row in pending]
    if dict(sample["OOM101"]) != {"TP": 1} or pending_rules != ["OOM102", "OOM104"]:
        problems.append("sample %r with pending %r" % (sample, pending))
    for text in problems:
        sys.stderr.write("score.py selftest: %s\n" % text)
    return 1 if problems else 0


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "corpus":
            score_corpus(argv[2], argv[3])
            return 0
        if len(argv) == 6 and argv[1] == "sample":
            score_sample(argv[2], argv[3], int(argv[4]), int(argv[5]))
            return 0
        if len(argv) == 2 and argv[1] == "selftest":
            return selftest()
    except InputError as exc:
        sys.stderr.write("score.py: %s\n" % exc)
        return 2
    except (OSError, ValueError) as exc:
        sys.stderr.write("score.py: %s\n" % exc)
        return 2
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
