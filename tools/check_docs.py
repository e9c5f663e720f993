#!/usr/bin/env python3
"""Every complete scenario in the documentation runs as it says, and every
`drvsim run` shown with its output prints that output.

    check_docs.py DRVSIM      TAP, one line per scenario and per sample

A complete scenario is a ```lua block of docs/*.md or README.md whose first
line that is not a comment starts with `scenario`. Each is written to a
temporary file and run with `drvsim run`; its own `expect` decides (exit 0).

A sample is a line `$ drvsim run ARGS` in a plain ``` block, followed by the
output it shows, up to the next `$ ` line or the end of the block. The
command is run from the repository root with standard error and standard
output together, as a terminal shows them, and must print exactly those
lines; a sample whose last line is `...` is compared up to there.
"""

import glob
import os
import shlex
import subprocess
import sys
import tempfile


def blocks(path):
    text = open(path, encoding="utf-8").read()
    for n, chunk in enumerate(text.split("```lua\n")[1:], 1):
        body = chunk.split("```", 1)[0]
        code = [l for l in body.splitlines() if l.strip() and not l.lstrip().startswith("--")]
        if code and code[0].startswith("scenario"):
            yield n, body


def samples(path):
    """(line number, command words, expected lines, complete) of each sample."""
    fence = None
    current = None
    for number, line in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
        if line.startswith("```"):
            if current is not None:
                yield current
                current = None
            fence = None if fence is not None else line[3:]
            continue
        if fence != "":
            continue
        if line.startswith("$ "):
            if current is not None:
                yield current
                current = None
            words = shlex.split(line[2:])
            if words[:2] == ["drvsim", "run"]:
                current = (number, words[1:], [], True)
        elif current is not None and current[3]:
            if line.strip() == "...":
                current = current[:3] + (False,)
            else:
                current[2].append(line)


def check_sample(drvsim, sample):
    """None when the sample's command prints what it shows, else why not."""
    number, args, want, complete = sample
    out = subprocess.run([drvsim] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=300)
    got = out.stdout.splitlines()
    if not complete:
        got = got[:len(want)]
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(nothing)"
        w = want[i] if i < len(want) else "(nothing)"
        if g != w:
            return "output line %d: shown %r, printed %r" % (i + 1, w, g)
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    drvsim = sys.argv[1]
    paths = sorted(glob.glob("docs/*.md")) + ["README.md"]
    found = [(p, n, b) for p in paths for n, b in blocks(p)]
    shown = [(p, s) for p in paths for s in samples(p)]
    print("1..%d" % (len(found) + len(shown)))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (path, n, body) in enumerate(found, 1):
            name = os.path.join(tmp, "%s_%d.lua" % (os.path.basename(path)[:-3], n))
            with open(name, "w", encoding="utf-8") as f:
                f.write(body)
            out = subprocess.run([drvsim, "run", name, "--quiet"], capture_output=True,
                                 text=True, timeout=300)
            if out.returncode == 0:
                print("ok %d - %s, lua block %d" % (i, path, n))
            else:
                failed += 1
                print("not ok %d - %s, lua block %d: exit %d" % (i, path, n, out.returncode))
                for line in (out.stderr or out.stdout).splitlines()[:6]:
                    print("# " + line)
    for i, (path, sample) in enumerate(shown, len(found) + 1):
        why = check_sample(drvsim, sample)
        name = "%s:%d, $ drvsim %s" % (path, sample[0], " ".join(sample[1]))
        if why is None:
            print("ok %d - %s prints what it shows" % (i, name))
        else:
            failed += 1
            print("not ok %d - %s: %s" % (i, name, why))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
