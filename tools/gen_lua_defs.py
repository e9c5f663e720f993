#!/usr/bin/env python3
"""Editor definitions for scenarios: a LuaLS definitions file and a luacheck
configuration, generated from what a scenario sees.

    gen_lua_defs.py DRVSIM TYPES_DUMP OUTDIR   (TYPES_DUMP: the built types_dump)

Writes OUTDIR/drvsim.lua (a LuaLS "---@meta" file: every DDI of sim/ddi.tbl
with its parameters, their types and its results, as `drvsim ddis --json`
gives them; every constant with its value; the harness functions and WDK
macros; the pointer methods; the typed views of sim/ke/types.h with their
fields) and OUTDIR/luacheckrc (luacheck's configuration: Lua 5.4 and
drvsim's globals, so a misspelt DDI is an undefined global before any run).

The sources are the built binary itself (`drvsim ddis --json`, and the
globals of a scenario, tools/lua_defs/globals.lua) and TYPES_DUMP (the
typed views, tools/lua_defs/types_dump.c), so the files follow the DDI
table and the binding as they grow; nothing here is a copy.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lua types of the DDI table's parameter types (sim/ddi.tbl's header).
LUA_TYPE = {
    "irql": "integer", "ulong": "integer", "ulongptr": "integer|drvsim.Pointer",
    "size": "integer", "pool_type": "integer", "tag": "string|integer",
    "ptr": "drvsim.Pointer|integer|nil", "status": "integer", "uchar": "integer",
    "bool": "boolean|integer", "long": "integer", "cstr": "string|drvsim.Pointer|nil",
    "handle": "integer|nil", "routine": "function|nil", "timeout": "integer|drvsim.Pointer|nil",
    "objects": "drvsim.Pointer[]", "int64": "integer", "u64": "integer",
    "client_id": "{UniqueProcess: integer, UniqueThread: integer}",
    "plarge": "integer|drvsim.Pointer", "wstr": "string|drvsim.Pointer|nil",
    "ustr": "string|drvsim.Pointer|nil", "device": "drvsim.DEVICE_OBJECT",
    "irp": "drvsim.IRP", "stack": "drvsim.IO_STACK_LOCATION", "export": "function|nil",
    "void": "nil",
}

# The harness (CONTRACT section 4 and README "A scenario"): signatures the
# binding's C cannot say. A harness function not listed here still gets a
# definition, with open parameters.
HARNESS = {
    "scenario": ("Declares the scenario: name, verifier, gflags, cpus, seed, limit, expect, "
                 "sched, build, arch, memory, registry, kd.", "spec: table", None),
    "driver": ("Declares a driver image: `driver \"x.sys\" { DriverEntry = ... }`, or "
               "`driver \"x.sys\" \"drivers/x.lua\"` for a module.", "name: string",
               "fun(routines: table|string)"),
    "run": ("The test body: a System thread at PASSIVE_LEVEL.", "body: function", None),
    "LoadDriver": ("Loads a declared driver: its DriverEntry runs.", "name: string", "integer"),
    "UnloadDriver": ("Unloads a driver: its DriverUnload runs.", "name: string", None),
    "Sleep": ("Waits in simulated time: \"10s\", \"250ms\", or 100 ns units.",
              "duration: string|integer", None),
    "DbgPrint": ("Prints as the kernel debugger shows it.", "format: string, ...: any", "integer"),
}

POINTER_METHODS = [
    ("read", "offset: integer, length: integer", "string", "Copies bytes out of simulated memory."),
    ("write", "offset: integer, bytes: string", None, "Copies bytes into simulated memory."),
    ("u8", "offset: integer", "integer", "Reads a UCHAR."),
    ("u16", "offset: integer", "integer", "Reads a USHORT (little-endian)."),
    ("u32", "offset: integer", "integer", "Reads a ULONG (little-endian)."),
    ("u64", "offset: integer", "integer", "Reads a ULONGLONG (little-endian)."),
    ("ptr", "offset: integer", "drvsim.Pointer|nil",
     "Reads a pointer-sized value as a pointer (4 bytes on x86, 8 on x64); nil for NULL."),
    ("set_u8", "offset: integer, value: integer", None, "Writes a UCHAR."),
    ("set_u16", "offset: integer, value: integer", None, "Writes a USHORT."),
    ("set_u32", "offset: integer, value: integer", None, "Writes a ULONG."),
    ("set_u64", "offset: integer, value: integer", None, "Writes a ULONGLONG."),
    ("set_ptr", "offset: integer, value: drvsim.Pointer|nil", None, "Writes a pointer."),
]


def run_json(args):
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        sys.exit("gen_lua_defs.py: %s failed: %s" % (" ".join(args), out.stderr.strip()))


def lua_type(t):
    return LUA_TYPE.get(t, "any")


def ident(name):
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def param_name(name):
    # LuaLS wants identifiers; `end` and friends cannot be parameter names.
    return name + "_" if name in ("end", "function", "local", "repeat", "until", "then") else name


def ddi_defs(ddis, out):
    for d in ddis:
        inputs = [p for p in d["params"] if not p.get("out")]
        outputs = [p for p in d["params"] if p.get("out")]
        out.append("")
        out.append("---`%s`" % d["signature"])
        out.append("---")
        out.append("---Lua: `%s`" % d["lua"])
        flags = d.get("flags") or []
        if flags:
            out.append("---")
            out.append("---flags: %s" % ", ".join(flags))
        if d.get("checks"):
            out.append("---")
            out.append("---checks: %s" % ", ".join(d["checks"]))
        for p in inputs:
            out.append("---@param %s %s %s" % (param_name(p["name"]), lua_type(p["type"]),
                                               p.get("wdk_type", "")))
        if d["returns"] not in ("void", "VOID", ""):
            out.append("---@return %s result" % lua_type(d["returns"]))
        for p in outputs:
            out.append("---@return %s %s" % (lua_type(p["type"]), param_name(p["name"])))
        out.append("function %s(%s) end" % (d["name"],
                                            ", ".join(param_name(p["name"]) for p in inputs)))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    drvsim, types_dump, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    ddis = run_json([drvsim, "ddis", "--json"])
    result = run_json([drvsim, "run", os.path.join(ROOT, "tools/lua_defs/globals.lua"), "--json",
                       "-", "--quiet"])
    globals_ = [line.split() for line in result["debug_output"]]
    dump = subprocess.run([types_dump], capture_output=True, text=True, check=True).stdout
    type_rows = [line.split() for line in dump.splitlines() if line.strip()]

    ddi_names = {d["name"] for d in ddis}
    std = {"string", "table", "math", "utf8", "coroutine", "_G", "_VERSION"}
    out = ["---@meta drvsim",
           "-- drvsim's scenario language for LuaLS (lua-language-server), generated by",
           "-- tools/gen_lua_defs.py from `drvsim ddis --json`, the globals a scenario sees",
           "-- and sim/ke/types.h: do not edit. drvsim %s." % result.get("drvsim", {}).get(
               "version", "?"),
           "",
           "---A pointer into simulated memory (CONTRACT 4): p[i] reads a byte, p + n moves it,",
           "---p - q is a distance, == < <= compare; every access is checked as Windows checks it.",
           "---@class drvsim.Pointer",
           "---@operator add(integer): drvsim.Pointer",
           "---@operator sub(integer): drvsim.Pointer",
           "---@field [integer] integer",
           "local Pointer = {}"]
    for name, args, ret, doc in POINTER_METHODS:
        out.append("---%s" % doc)
        for a in args.split(", "):
            n, t = a.split(": ")
            out.append("---@param %s %s" % (n, t))
        if ret:
            out.append("---@return %s" % ret)
        out.append("function Pointer:%s(%s) end" % (name, ", ".join(a.split(": ")[0]
                                                                  for a in args.split(", "))))

    # Typed views: T() declares one, T(p) views p as one.
    fields = {}
    types = []
    for row in type_rows:
        if len(row) == 1:
            types.append(row[0])
        else:
            fields.setdefault(row[0], []).append(row[1:])
    global_kind = {g[0]: g[1] for g in globals_ if len(g) >= 2}
    for t in types:
        out.append("")
        out.append("---A view of a %s in simulated memory: its fields read and written by name."
                   % t)
        out.append("---@class drvsim.%s: drvsim.Pointer" % t)
        for field, kind, sub in fields.get(t, []):
            ftype = {"integer": "integer", "pointer": "drvsim.Pointer|nil",
                     "routine": "function|nil"}.get(kind, "drvsim.%s" % sub if sub not in ("-", "NONE") else "drvsim.Pointer")
            if kind == "pointer" and sub not in ("-", "NONE"):
                ftype = "drvsim.%s|nil" % sub
            out.append("---@field %s %s" % (field, ftype))
        if global_kind.get(t) == "function":
            out.append("")
            out.append("---`%s()`: zeroed storage for a %s in the calling driver's image;"
                       " `%s(p)`: p viewed as one (nil for nil)." % (t, t, t))
            out.append("---@param p? drvsim.Pointer|integer")
            out.append("---@return drvsim.%s" % t)
            out.append("function %s(p) end" % t)

    out.append("")
    out.append("-- Kernel routines (sim/ddi.tbl), %d of them" % len(ddis))
    ddi_defs(ddis, out)

    out.append("")
    out.append("-- Constants")
    for g in globals_:
        if len(g) >= 3 and g[1] == "number" and g[0] not in ddi_names and ident(g[0]):
            value = g[2]
            out.append("---@type integer")
            out.append("%s = %s" % (g[0], value if value != "float" else "0"))

    out.append("")
    out.append("-- The harness, WDK macros and the rest of the scenario's globals")
    typed = set(types)
    others = []
    for g in globals_:
        name, kind = g[0], g[1]
        if name in ddi_names or name in std or name in typed or not ident(name):
            continue
        if kind == "number":
            continue
        if kind == "function":
            doc, params, ret = HARNESS.get(name, (None, None, None))
            out.append("")
            if doc:
                out.append("---" + doc)
            if params:
                for p in params.split(", "):
                    n, t = p.split(": ")
                    out.append("---@param %s %s" % (n, t))
            else:
                out.append("---@param ... any")
            out.append("---@return %s" % (ret or "any"))
            args = ", ".join(p.split(": ")[0] for p in params.split(", ")) if params else "..."
            out.append("function %s(%s) end" % (name, args))
        elif kind == "table":
            out.append("")
            out.append("---@type table")
            out.append("%s = {}" % name)
        else:
            out.append("")
            out.append("---@type %s" % ("string" if kind == "string" else "any"))
            out.append("%s = nil" % name)
        others.append(name)

    with open(os.path.join(outdir, "drvsim.lua"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")

    names = sorted({g[0] for g in globals_ if ident(g[0])} - std - {"_VERSION"})
    rc = ["-- luacheck's configuration for drvsim scenarios, generated by",
          "-- tools/gen_lua_defs.py from the globals a scenario sees: do not edit.",
          "--   luacheck --config %s scenarios/" % "build/lua/luacheckrc",
          "-- An undefined global (a misspelt DDI, constant or harness function) is",
          "-- warning 113 before any run.",
          'std = "lua54"',
          "-- Scenarios keep their state in globals of their own, assigned where needed.",
          "allow_defined = true",
          "-- What is checked is what a run would trip on: undefined globals (113: a",
          "-- misspelt DDI, constant or harness function), drvsim's globals set (121,",
          "-- 122), unknown fields of Lua's libraries (143). Style is not: driver routines",
          "-- keep the WDK's parameter lists, used or not, and scenarios their globals",
          "-- (131: a global set and not read here, as a module's routines).",
          'ignore = {"131", "2..", "3..", "4..", "5..", "6.."}',
          "read_globals = {"]
    for n in names:
        rc.append('  "%s",' % n)
    rc.append("}")
    with open(os.path.join(outdir, "luacheckrc"), "w", encoding="utf-8") as f:
        f.write("\n".join(rc) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
