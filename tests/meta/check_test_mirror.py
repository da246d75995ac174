#!/usr/bin/env python3
"""Tests mirror sources (issue 17): every source unit has a test file of its name, or says which test covers it.

A unit is a file stem in one of the C++ layers (spectral/ solvers/ toy/ theory/ cli/ nanochat/ experiments/): `scalar` for
spectral/scalar.hpp + spectral/scalar.cpp. The rule holds for a unit when

  * tests/<layer>/test_<unit>.cpp exists, or
  * one of the unit's files has a comment  // Tested by tests/<folder>/<file>.cpp ("<test name>")
    naming a test file that exists and a TEST_CASE (or TEMPLATE_TEST_CASE) of exactly that name in it.
    Trivial units (declarations, umbrella headers, glue) use this; so do units covered end to end elsewhere.
    The comment may end a line of code: headers carry it on their `#pragma once` line, so adding it shifts no line
    and the preprocessed text of every file that includes them stays the same (ccache keeps its objects).

Exit 0 when every unit satisfies the rule, 1 with one line per offending unit otherwise, 2 on bad usage.
--self-test builds a small tree with a unit lacking both, a stale "Tested by" line, and good units, and checks that
exactly the bad ones are reported (so this check cannot silently pass everything).
"""
import argparse
import os
import re
import sys
import tempfile

LAYERS = ["spectral", "solvers", "toy", "theory", "cli", "nanochat", "experiments"]
SOURCE_EXTS = (".hpp", ".cpp", ".h", ".cu", ".cuh")
TESTED_BY = re.compile(r'//\s*Tested by\s+(tests/\S+\.cpp)\s+\("((?:[^"\\]|\\.)*)"\)\s*$')
MARKER = re.compile(r'//\s*Tested by\b')
TEST_CASE = re.compile(r'\b(?:TEMPLATE_)?TEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def test_names(path, cache={}):
    """The names of the test cases in a Catch2 file (adjacent string literals joined, as the compiler does)."""
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        cache[path] = {"".join(LITERAL.findall(m.group(1))) for m in TEST_CASE.finditer(text)}
    return cache[path]


def units(root):
    """{(layer, unit): [source files]} for every C++ layer under root."""
    out = {}
    for layer in LAYERS:
        folder = os.path.join(root, layer)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(name)
            if ext in SOURCE_EXTS and os.path.isfile(os.path.join(folder, name)):
                out.setdefault((layer, stem), []).append(os.path.join(folder, name))
    return out


def check(root):
    """One message per unit that breaks the rule (empty when the rule holds)."""
    problems = []
    for (layer, unit), files in sorted(units(root).items()):
        if os.path.isfile(os.path.join(root, "tests", layer, "test_" + unit + ".cpp")):
            continue
        claims, stale = [], []
        for src in files:
            with open(src, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    if not MARKER.search(line):
                        continue
                    m = TESTED_BY.search(line)
                    where = "%s:%d" % (os.path.relpath(src, root), lineno)
                    if not m:
                        stale.append('%s: malformed, expected // Tested by tests/<folder>/<file>.cpp ("<test name>")'
                                     % where)
                        continue
                    test_file, test_name = m.group(1), m.group(2).replace('\\"', '"')
                    full = os.path.join(root, test_file)
                    if not os.path.isfile(full):
                        stale.append("%s: %s does not exist" % (where, test_file))
                    elif test_name not in test_names(full):
                        stale.append('%s: %s has no test case "%s"' % (where, test_file, test_name))
                    else:
                        claims.append(where)
        unit_name = "%s/%s" % (layer, unit)
        for s in stale:
            problems.append("%s: stale 'Tested by' line: %s" % (unit_name, s))
        if not claims and not stale:
            problems.append("%s: no tests/%s/test_%s.cpp and no '// Tested by tests/...cpp (\"<test name>\")' line in %s"
                            % (unit_name, layer, unit, ", ".join(os.path.relpath(f, root) for f in files)))
    return problems


def self_test():
    """The check reports exactly the bad units of a small synthetic tree."""
    with tempfile.TemporaryDirectory() as root:
        def write(path, text):
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)

        write("spectral/good.hpp", "#pragma once\n")
        write("spectral/good.cpp", "int x;\n")
        write("tests/spectral/test_good.cpp", 'TEST_CASE("good works", "[x]") {}\n')
        write("spectral/covered.hpp", '// Tested by tests/spectral/test_good.cpp ("good works")\n#pragma once\n')
        write("spectral/pragma.hpp", '// A header.\n#pragma once  // Tested by tests/spectral/test_good.cpp ("good works")\n')
        write("tests/solvers/test_split.cpp", 'TEMPLATE_TEST_CASE("a name split "\n  "over two lines", "[x]", double) {}\n')
        write("solvers/split.hpp", '// Tested by tests/solvers/test_split.cpp ("a name split over two lines")\n')
        write("toy/orphan.cpp", "int y;\n")  # no test file, no line
        write("theory/stale_name.hpp", '// Tested by tests/spectral/test_good.cpp ("good fails")\n')
        write("theory/stale_file.hpp", '// Tested by tests/theory/test_gone.cpp ("anything")\n')
        write("cli/malformed.cpp", "// Tested by test_good.cpp\n")
        got = check(root)
        expected = ["cli/malformed", "theory/stale_file", "theory/stale_name", "toy/orphan"]
        reported = sorted({p.split(":")[0] for p in got})
        if reported != expected:
            print("self-test FAILED: expected %s reported, got:\n  %s" % (expected, "\n  ".join(got) or "(nothing)"))
            return 1
        print("self-test passed: %d bad units reported, good ones accepted" % len(expected))
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                    help="the repository root (default: two folders up from this script)")
    ap.add_argument("--self-test", action="store_true", help="check that the check catches violations")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    root = os.path.abspath(args.root)
    if not all(os.path.isdir(os.path.join(root, d)) for d in ("tests", "spectral")):
        print("check_test_mirror: %s is not the repository root" % root, file=sys.stderr)
        return 2
    problems = check(root)
    for p in problems:
        print(p)
    n = len(units(root))
    if problems:
        print("%d of %d source units break 'tests mirror sources' (tests/meta/check_test_mirror.py)" % (len(problems), n))
        return 1
    print("all %d source units have a test file of their name or a 'Tested by' line" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
