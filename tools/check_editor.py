#!/usr/bin/env python3
"""Editor support: the generated LuaLS definitions and luacheck configuration.

    check_editor.py DRVSIM DEFS_DIR

DEFS_DIR holds what the build generated (tools/gen_lua_defs.py): drvsim.lua
and luacheckrc. Checks that the definitions name every DDI of `drvsim ddis`
with its parameters and every typed view, that they are valid Lua, and that
luacheck (Debian's lua-check; `make deps` installs it) with the configuration
reports the misspelt DDI and constant of tests/editor/misspelt_ddi.lua and
nothing in scenarios/. TAP output.
"""

import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def main():
    drvsim, defs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.chdir(ROOT)
    lua_defs = os.path.join(defs, "drvsim.lua")
    rc = os.path.join(defs, "luacheckrc")
    with open(lua_defs, encoding="utf-8") as f:
        text = f.read()
    ddis = json.loads(subprocess.run([drvsim, "ddis", "--json"], capture_output=True, text=True,
                                     check=True).stdout)
    missing = [d["name"] for d in ddis
               if "\nfunction %s(%s) end" % (d["name"], ", ".join(
                   p["name"] for p in d["params"] if not p["out"])) not in text]
    check("drvsim.lua: every DDI of drvsim ddis with its input parameters (%d)" % len(ddis),
          not missing, missing[:10])
    spin = text[text.index("---`VOID KeAcquireSpinLock("):]
    spin = spin[:spin.index("\nfunction")]
    check("drvsim.lua: a DDI's WDK signature, types and its out parameter as a result",
          "---@param SpinLock drvsim.Pointer" in spin and "---@return integer OldIrql" in spin, spin)
    check("drvsim.lua: constants with their values",
          re.search(r"\nSTATUS_SUCCESS = 0\n", text) and re.search(r"\nDISPATCH_LEVEL = 2\n", text))
    check("drvsim.lua: harness functions, pointer methods, typed views",
          "\nfunction LoadDriver(name) end" in text and "function Pointer:read(offset, length)"
          in text and "---@class drvsim.IRP: drvsim.Pointer" in text
          and "---@field IoStatus drvsim.IO_STATUS_BLOCK" in text)
    luacheck = shutil.which("luacheck")
    if luacheck is None:
        check("luacheck is installed (lua-check; make deps installs it)", False)
    else:
        p = subprocess.run([luacheck, "--no-config", "--no-color", lua_defs, "--only", "0"],
                           capture_output=True, text=True)
        check("drvsim.lua parses as Lua (luacheck, syntax only)", p.returncode == 0,
              p.stdout[-400:])
        p = subprocess.run([luacheck, "--config", rc, "--no-color", "--codes",
                            "tests/editor/misspelt_ddi.lua"], capture_output=True, text=True)
        check("luacheck --config luacheckrc: the misspelt DDI and constant of a sample",
              p.returncode == 1 and "(W113) accessing undefined variable 'ExAllocatePoolWithTg'"
              in p.stdout and "'NonPagedPoolNX'" in p.stdout
              and "ExFreePool" not in p.stdout, p.stdout)
        p = subprocess.run([luacheck, "--config", rc, "--no-color", "--codes", "scenarios/"],
                           capture_output=True, text=True)
        check("luacheck --config luacheckrc: nothing in scenarios/",
              p.returncode == 0 and re.search(r"Total: 0 warnings / 0 errors in \d+ files",
                                               p.stdout), p.stdout[-600:])
    print("1..%d" % len(RESULTS))
    failed = 0
    for i, (name, ok, why) in enumerate(RESULTS, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in str(why).splitlines()[:8]:
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
