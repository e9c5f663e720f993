#!/usr/bin/env python3
"""Generates the DDI catalogue `drvsim ddis` prints, from sim/ddi.tbl and the
sources that check the calls.

    gen_ddi_info.py sim/ddi.tbl OUT.c SOURCE.c...

For each row of the table: its WDK signature (C types as the WDK spells
them), its Lua form (outputs returned after the result, CONTRACT 4), its
flags, the file that implements it (the `(sim/...)` of its section heading),
and the checks that watch it: the rules (sim/vf/rules.h ids) named in the
kernel's implementation `Name` and in the verifier's thunk `vf_Name`, and in
the static functions of the same file they call, transitively. A check made
in a shared kernel routine of another file (a page fault in mm_access, which
every routine touching memory can raise) is not listed against every DDI.

The scan is lexical: comments and strings are dropped, then each top-level
`header { body }` whose header ends in a parameter list is a function.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_ddi  # noqa: E402  (the table's parser and types)

# The WDK's spelling of each table type.
WDK_TYPES = {
    "irql": "KIRQL", "ulong": "ULONG", "long": "LONG", "ulongptr": "ULONG_PTR",
    "size": "SIZE_T", "u64": "ULONGLONG", "int64": "LONGLONG", "pool_type": "POOL_TYPE",
    "tag": "ULONG", "ptr": "PVOID", "status": "NTSTATUS", "uchar": "UCHAR", "bool": "BOOLEAN",
    "cstr": "PCSZ", "wstr": "PCWSTR", "handle": "HANDLE", "routine": "PVOID",
    "timeout": "PLARGE_INTEGER", "objects": "PVOID[]", "client_id": "CLIENT_ID",
    "ustr": "PUNICODE_STRING", "device": "PDEVICE_OBJECT", "irp": "PIRP",
    "stack": "PIO_STACK_LOCATION", "adapter": "PDMA_ADAPTER", "export": "PVOID", "plarge": "PLARGE_INTEGER",
}


def wdk_type(t):
    """The WDK's spelling of a table type; a type added to gen_ddi.py without
    one here shows its C type."""
    return WDK_TYPES.get(t, gen_ddi.TYPES[t][0])
# An output parameter is a pointer to the type.
OUT_TYPES = {"KIRQL": "PKIRQL", "HANDLE": "PHANDLE", "PVOID": "PVOID *",
             "CLIENT_ID": "PCLIENT_ID", "LONGLONG": "PLARGE_INTEGER", "ULONG": "PULONG"}

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
IDENT_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
RULE = re.compile(r"\bRULE_([a-z0-9_]+)\b")


def functions(path):
    """{name: (static, rules, calls)} of the file's function definitions."""
    with open(path, encoding="utf-8") as f:
        text = STRING.sub('""', COMMENT.sub(" ", f.read()))
    # Preprocessor lines end at the line's end; drop them (macros' bodies
    # are not functions; a multi-line macro's continuation goes too).
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    out = {}
    depth, start, header_from = 0, 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "{":
            if depth == 0:
                header = text[header_from:i]
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                body = text[start:i + 1]
                header_from = i + 1
                h = header.strip()
                m = re.search(r"([A-Za-z_]\w*)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*$", h)
                if m and "=" not in h and not re.match(r"(typedef|struct|enum|union)\b", h):
                    out[m.group(1)] = (h.startswith("static"), set(RULE.findall(body)),
                                       set(IDENT_CALL.findall(body)))
        elif c == ";" and depth == 0:
            header_from = i + 1
        i += 1
    return out


def checks_by_ddi(ddis, sources):
    files = {path: functions(path) for path in sources}
    where = {}  # function name -> list of files defining it
    for path, funcs in files.items():
        for name in funcs:
            where.setdefault(name, []).append(path)
    result = {}
    for d in ddis:
        rules = set()
        seen = set()
        todo = [(path, root) for root in (d.name, "vf_" + d.name) for path in where.get(root, [])]
        while todo:
            path, name = todo.pop()
            if (path, name) in seen:
                continue
            seen.add((path, name))
            _, found, calls = files[path][name]
            rules |= found
            for callee in calls:
                info = files[path].get(callee)
                if info is not None:  # a helper of the same file
                    todo.append((path, callee))
        result[d.name] = sorted(rules)
    return result


def components(table):
    """The `(sim/...)` of the heading above each row."""
    comp, current = {}, ""
    with open(table, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("#"):
                m = re.search(r"\((sim/[^)]*)\)\s*$", line)
                if m:
                    current = m.group(1)
            elif line:
                comp[line.split("|")[0].strip()] = current
    return comp


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def signature(d):
    params = []
    for p in d.params:
        t = wdk_type(p.type)
        params.append(f"_Out_ {OUT_TYPES.get(t, 'P' + t)} {p.name}" if p.out else f"{t} {p.name}")
    ret = "VOID" if d.ret == "void" else wdk_type(d.ret)
    return f"{ret} {d.name}({', '.join(params) if params else 'VOID'})"


def lua_form(d):
    ins = [p.name for p in d.params if not p.out]
    outs = ([] if d.ret == "void" else ["status" if d.ret == "status" else "result"]) + [p.name for p in d.params if p.out]
    call = f"{d.name}({', '.join(ins)})"
    return f"local {', '.join(outs)} = {call}" if outs else call


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gen_ddi_info.py sim/ddi.tbl OUT.c SOURCE.c...")
    table, out_path, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    ddis = gen_ddi.parse(table)
    checks = checks_by_ddi(ddis, sources)
    comp = components(table)
    lines = [f"/* Generated by tools/gen_ddi_info.py from sim/ddi.tbl: do not edit. */", "",
             '#include "ddi_info.h"', ""]
    for d in ddis:
        rules = checks[d.name]
        lines.append(f"static const char *const checks_{d.name}[] = {{"
                     + "".join(f"{c_string(r)}, " for r in rules) + "NULL};")
        lines.append(f"static const ddi_param params_{d.name}[] = {{"
                     + "".join(f"{{{c_string(p.name)}, {c_string(p.type)}, "
                               f"{c_string(wdk_type(p.type))}, {'true' if p.out else 'false'}}}, "
                               for p in d.params) + "{NULL, NULL, NULL, false}};")
    lines += ["", "const ddi_info ddi_infos[DDI_COUNT] = {"]
    for d in ddis:
        ret = "void" if d.ret == "void" else d.ret
        lines.append(f"    [DDI_{d.name}] = {{{c_string(d.name)}, {c_string(ret)}, "
                     f"{c_string(signature(d))}, {c_string(lua_form(d))}, "
                     f"{c_string(' '.join(sorted(d.flags)))}, {c_string(comp.get(d.name, ''))}, "
                     f"params_{d.name}, {len(d.params)}, checks_{d.name}}},")
    lines += ["};", ""]
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
