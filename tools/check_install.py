#!/usr/bin/env python3
"""meson install as a Debian user expects it, into a DESTDIR.

    check_install.py BUILD_DIR

Runs `meson install --destdir` from the build directory into a temporary
directory, then checks each thing installed: the binary (it runs a
scenario), the man page (`man -l` renders it, every command's options in
it), the bash and zsh completions (bash sources the one and completes
`drvsim sw` and `drvsim test --ju`), the Lua definitions and luacheck
configuration, the example scenarios, LICENSE, libdrvsim with its headers
and drvsim.pc; and builds tests/install/embed.c with `pkg-config --cflags
--libs drvsim` against the DESTDIR, which runs a scenario through the
embedding API with the digest `drvsim run` gives. TAP output.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "scenarios/demo/leak_on_unload.lua"
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)


def main():
    build = os.path.abspath(sys.argv[1])
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="drvsim_install.") as tmp:
        body(build, tmp)
    print("1..%d" % len(RESULTS))
    failed = 0
    for i, (name, ok, why) in enumerate(RESULTS, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in str(why).splitlines()[:8]:
                print("# " + line)
    return 1 if failed else 0


def body(build, tmp):
    dest = os.path.join(tmp, "dest")
    p = run(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"])
    check("meson install --destdir", p.returncode == 0, p.stdout + p.stderr)
    if p.returncode != 0:
        return
    info = json.loads(run(["meson", "introspect", "--buildoptions", build]).stdout)
    opt = {o["name"]: o["value"] for o in info}
    prefix = dest + opt["prefix"]

    def at(*parts):
        return os.path.join(prefix, *parts)

    drvsim = at(opt["bindir"], "drvsim")
    p = run([drvsim, "run", SCENARIO, "--json", "-", "--quiet"])
    digest = json.loads(p.stdout)["digest"] if p.returncode == 0 else None
    check("bin/drvsim runs a scenario", digest is not None, p.stderr)

    man = at(opt["mandir"], "man1", "drvsim.1")
    p = run(["man", "-l", man], env=dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0"))
    page = p.stdout
    check("man -l share/man/man1/drvsim.1 renders", p.returncode == 0 and "DRVSIM(1)" in page,
          p.stderr)
    helps = {c: run([drvsim, c, "--help"]).stdout for c in ("run", "test", "sweep")}
    missing = [o for c, t in helps.items() for o in ("--perfetto", "--sarif", "--seed")
               if o in t and o not in page]
    check("the man page holds the commands' --help texts", not missing and "--until-fail" in page
          and "--junit-host-time" in page, missing)

    bash = at(opt["datadir"], "bash-completion", "completions", "drvsim")
    script = ('source "$1"; COMP_WORDS=(drvsim sw); COMP_CWORD=1; _drvsim; echo "${COMPREPLY[*]}";'
              ' COMP_WORDS=(drvsim test --ju); COMP_CWORD=2; _drvsim; echo "${COMPREPLY[*]}"')
    p = run(["bash", "-c", script, "-", bash])
    lines = p.stdout.splitlines()
    check("bash completion: commands and each command's options",
          len(lines) == 2 and lines[0] == "sweep" and set(lines[1].split()) ==
          {"--junit", "--junit-host-time"}, p.stdout + p.stderr)
    zsh = at(opt["datadir"], "zsh", "vendor-completions", "_drvsim")
    with open(zsh, encoding="utf-8") as f:
        ztext = f.read()
    check("zsh completion: #compdef drvsim, commands and options",
          ztext.startswith("#compdef drvsim") and "'sweep:" in ztext and "'--until-fail[" in ztext,
          ztext[:200])
    if shutil.which("zsh"):
        p = run(["zsh", "-n", zsh])
        check("zsh completion parses (zsh -n)", p.returncode == 0, p.stderr)

    lua = at(opt["datadir"], "drvsim", "lua")
    check("Lua definitions and luacheck configuration",
          os.path.getsize(os.path.join(lua, "drvsim.lua")) > 10000
          and os.path.exists(os.path.join(lua, "luacheckrc")))
    installed = at(opt["datadir"], "drvsim", "scenarios")
    n_installed = sum(len([f for f in fs if f.endswith(".lua")]) for _, _, fs in os.walk(installed))
    n_tree = sum(len([f for f in fs if f.endswith(".lua")]) for _, _, fs in os.walk("scenarios"))
    check("example scenarios (every one of scenarios/)", n_installed == n_tree > 0,
          (n_installed, n_tree))
    p = run([drvsim, "test", os.path.join(installed, "demo")])
    check("the installed demo scenarios pass where they are installed", p.returncode == 0,
          p.stdout[-300:])
    check("LICENSE", os.path.exists(at(opt["datadir"], "doc", "drvsim", "LICENSE")))
    check("public headers", os.path.exists(at(opt["includedir"], "drvsim", "drvsim.h"))
          and os.path.exists(at(opt["includedir"], "drvsim", "bugcodes.h")))

    pcdir = at(opt["libdir"], "pkgconfig")
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_SYSROOT_DIR=dest)
    p = run(["pkg-config", "--cflags", "--libs", "drvsim"], env=env)
    flags = p.stdout.split()
    check("pkg-config --cflags --libs drvsim", p.returncode == 0 and "-ldrvsim" in flags,
          p.stdout + p.stderr)
    exe = os.path.join(tmp, "embed")
    cc = os.environ.get("CC", "cc")
    if opt.get("b_sanitize", "none") not in ("none", ""):
        # A sanitized libdrvsim wants its runtime in the program too.
        flags = ["-fsanitize=" + opt["b_sanitize"]] + flags
    p = run([cc, "-std=c11", "-Wall", "-Werror", "tests/install/embed.c", "-o", exe] + flags)
    check("a C program builds with pkg-config's flags", p.returncode == 0, p.stderr)
    if p.returncode == 0:
        env = dict(os.environ, LD_LIBRARY_PATH=at(opt["libdir"]))
        p = run([exe, SCENARIO], env=env)
        words = p.stdout.split()
        check("... and runs a scenario through the embedding API (libdrvsim), with drvsim's "
              "digest", p.returncode == 0 and words[:3] == ["bugcheck", "expected", "0xC4"]
              and words[3] == digest, p.stdout + p.stderr)
        p = run(["ldd", exe], env=env)
        check("... linked against the installed libdrvsim.so", dest in p.stdout, p.stdout)


if __name__ == "__main__":
    sys.exit(main())
