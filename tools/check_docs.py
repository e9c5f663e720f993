#!/usr/bin/env python3
"""Every complete scenario in the documentation runs as it says.

    check_docs.py DRVSIM      TAP, one line per scenario

A complete scenario is a ```lua block of docs/*.md or README.md whose first
line that is not a comment starts with `scenario`. Each is written to a
temporary file and run with `drvsim run`; its own `expect` decides (exit 0).
"""

import glob
import os
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


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    drvsim = sys.argv[1]
    found = [(p, n, b) for p in sorted(glob.glob("docs/*.md")) + ["README.md"]
             for n, b in blocks(p)]
    print("1..%d" % len(found))
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
