#!/usr/bin/env python3
"""The README's CI examples: valid YAML that names only commands that exist.

    check_ci_examples.py DRVSIM

Every ```yaml block of README.md must parse (Debian's python3-yaml). In each,
the shell commands a job runs (GitHub Actions' `run:`, GitLab CI's `script:`
and `before_script:`) are split into simple commands, and each must exist: a
program on this machine or in the checkout (./build/drvsim), a target of the
Makefile for `make`, and for drvsim a command whose options its --help
lists. GitHub Actions' `uses:` must name an action at a version. TAP output.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap

DEBIAN_PYTHON = "/usr/bin/python3"
try:
    import yaml  # Debian's python3-yaml
except ImportError:
    yaml = None
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(
            DEBIAN_PYTHON) and not os.environ.get("DRVSIM_CI_REEXEC"):
        os.environ["DRVSIM_CI_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHELL_WORDS = {"if", "then", "else", "elif", "fi", "do", "done", "for", "while", "!", "{", "}"}
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def shell_lines(doc):
    """(where, shell text) of every command a CI file runs."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "run" and isinstance(v, str):
                    found.append((path + "/run", v))
                elif k in ("script", "before_script", "after_script"):
                    for line in v if isinstance(v, list) else [v]:
                        found.append((path + "/" + k, line))
                else:
                    walk(v, path + "/" + str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s[%d]" % (path, i))

    walk(doc, "")
    return found


def uses(doc):
    out = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "uses":
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return out


def simple_commands(text):
    """Word lists of the simple commands of a shell text (no substitutions)."""
    text = text.replace("\\\n", " ")
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words, cmds = [], []
    for tok in lexer:
        if tok in (";", "&&", "||", "|", "&", ";;"):
            cmds.append(words)
            words = []
        elif tok == "\n":
            cmds.append(words)
            words = []
        else:
            words.append(tok)
    cmds.append(words)
    out = []
    for c in cmds:
        while c and (c[0] in SHELL_WORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", c[0])):
            c = c[1:]
        if c and c[0] == "sudo":
            c = c[1:]
        if c:
            out.append(c)
    return out


def make_targets():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        return set(re.findall(r"^([A-Za-z][A-Za-z0-9_.-]*)\s*:(?!=)", f.read(), re.M))


def drvsim_options(drvsim, command):
    p = subprocess.run([drvsim, command, "--help"], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return set(re.findall(r"(--[a-z][a-z-]*)", p.stdout)) | set(re.findall(r"\s(-[a-z]),", p.stdout))


def main():
    drvsim = os.path.abspath(sys.argv[1])
    os.chdir(ROOT)
    with open("README.md", encoding="utf-8") as f:
        readme = f.read()
    blocks = [textwrap.dedent(b) for _, b in
              re.findall(r"^( *)```yaml\n(.*?)^\1```", readme, re.M | re.S)]
    check("README has YAML blocks (GitHub Actions and GitLab CI examples)", len(blocks) >= 3,
          len(blocks))
    if yaml is None:
        check("python3-yaml is installed", False, "apt-get install python3-yaml")
        blocks = []
    targets = make_targets()
    kinds = set()
    for n, block in enumerate(blocks, 1):
        try:
            doc = yaml.safe_load(block)
        except yaml.YAMLError as e:
            check("block %d: valid YAML" % n, False, e)
            continue
        check("block %d: valid YAML" % n, isinstance(doc, dict), type(doc))
        if "jobs" in doc or "steps" in str(doc):
            kinds.add("github")
        if any(isinstance(v, dict) and "script" in v for v in doc.values()):
            kinds.add("gitlab")
        for action in uses(doc):
            check("block %d: action %s names a version" % (n, action),
                  re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", action), action)
        for where, text in shell_lines(doc):
            # GitHub's ${{ ... }} expressions are filled in before the shell sees the line.
            text = re.sub(r"\$\{\{[^}]*\}\}", "X", text)
            for words in simple_commands(text):
                prog = words[0]
                if prog.startswith("$("):
                    continue
                name = "block %d %s: %s" % (n, where, " ".join(words)[:70])
                if prog == "make":
                    goals = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
                    check(name, goals and all(g in targets for g in goals), goals)
                elif os.path.basename(prog) == "drvsim":
                    ok = os.path.exists(prog) or prog == "./build/drvsim"
                    opts = drvsim_options(drvsim, words[1]) if len(words) > 1 else None
                    used = [w.split("=")[0] for w in words[2:] if w.startswith("-")]
                    bad = [o for o in used if opts is None or o not in opts]
                    check(name, ok and opts is not None and not bad, bad or words[:2])
                else:
                    check(name, shutil.which(prog) is not None or prog in ("[", "test", "echo",
                                                                           "cd", "export"),
                          prog)
    check("a GitHub Actions and a GitLab CI example", {"github", "gitlab"} <= kinds, kinds)
    print("1..%d" % len(RESULTS))
    failed = 0
    for i, (name, ok, why) in enumerate(RESULTS, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            print("# %s" % (why,))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
