#!/usr/bin/env python3
"""Generates the DDI compliance rules from sim/vf/ddi_rules.spec.

    gen_ddi_rules.py sim/vf/ddi_rules.spec sim/ddi.tbl OUTDIR

writes OUTDIR/ddi_rules.h (the rows the rules add to the rule catalogue,
sim/vf/rules.h, as X-macros) and OUTDIR/ddi_rules.c (the rules' handlers as
C functions, the tables the engine in sim/vf/ddirules.c runs them from, the
texts of their conditions, and one thunk per watched DDI that a verified
driver's import table points at). The format of the spec is described at
its top. An error names the spec's file and line.
"""

import os
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_ddi  # noqa: E402  (the DDI table's parser and types)

OPTIONS = {
    "ddi": "VF_FLAG_DDI_COMPLIANCE",
    "additional": "VF_FLAG_DDI_COMPLIANCE_ADDITIONAL",
    "irql35": "VF_OPTION_DDI_IRQL_ADDITIONAL",
    "sdv": "VF_OPTION_SDV_RULES",
}
# The private block of drvsim's own DDI rules (include/drvsim/drvsim.h).
SDV_BASE, SDV_END = 0xD0020000, 0xD0030000

BOUNDS = {
    ("eq", "PASSIVE"): ("DDC_EQ_PASSIVE", "= PASSIVE_LEVEL"),
    ("le", "APC"): ("DDC_LE_APC", "<= APC_LEVEL"),
    ("le", "DISPATCH"): ("DDC_LE_DISPATCH", "<= DISPATCH_LEVEL"),
    ("eq", "DISPATCH"): ("DDC_EQ_DISPATCH", "= DISPATCH_LEVEL"),
}

# ke_role (sim/ke/hooks.h): the spec's names and the enum's values.
ROLES = {
    "DriverEntry": ("KE_ROLE_DRIVER_ENTRY", 1),
    "unload": ("KE_ROLE_UNLOAD", 2),
    "thread": ("KE_ROLE_THREAD", 3),
    "dpc": ("KE_ROLE_DPC", 4),
    "isr": ("KE_ROLE_ISR", 5),
    "workitem": ("KE_ROLE_WORK_ITEM", 6),
    "dispatch": ("KE_ROLE_DISPATCH", 7),
    "completion": ("KE_ROLE_COMPLETION", 8),
    "cancel": ("KE_ROLE_CANCEL", 9),
    "synchronize": ("KE_ROLE_SYNCHRONIZE", 10),
}
ROLE_COUNT = 12  # KE_ROLE_OTHER + 1
ROUTINE_ARGS = 4  # a routine's arguments a handler may name
# The verifier's image of texts: TEXT_SLOTS slots of TEXT_SLOT bytes (1 MiB,
# IO_IMAGE_STRIDE), one per rule.
TEXT_SLOTS, TEXT_SLOT = 1024, 1024

C_WORDS = {"if", "else", "return", "while", "for", "state", "break", "continue", "do",
           "switch", "case", "default"}


class SpecError(Exception):
    pass


class Row:
    """A table row: DDIs x IRQL bound [when predicate]."""

    def __init__(self, ddis, bound, when, phrase, line):
        self.ddis, self.bound, self.when, self.phrase, self.line = ddis, bound, when, phrase, line


class Handler:
    """A stateful handler: events, an optional key, a C body."""

    def __init__(self, events, per, body, line, body_line):
        self.events, self.per, self.body, self.line, self.body_line = (
            events, per, body, line, body_line)


class Rule:
    def __init__(self, name, code, option, line):
        self.name, self.code, self.option, self.line = name, code, option, line
        self.doc = None
        self.rows = []
        self.handlers = []
        self.per = None
        self.per_line = 0
        self.states = None

    @property
    def stateful(self):
        return bool(self.handlers)


def unquote(text, where):
    m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', text.strip())
    if not m:
        raise SpecError(f"{where}: expected a \"quoted text\", got {text.strip()!r}")
    return m.group(1).replace('\\"', '"').replace("\\\\", "\\")


def parse_spec(path):
    rules = []
    rule = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        number = i + 1
        where = f"{path}:{number}"
        raw = lines[i]
        i += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "rule":
            if rule is not None:
                raise SpecError(f"{where}: 'rule' inside rule {rule.name} (missing 'end')")
            if len(words) != 4:
                raise SpecError(f"{where}: expected 'rule NAME CODE OPTION'")
            name, code, option = words[1:]
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                raise SpecError(f"{where}: bad rule name {name!r}")
            try:
                code = int(code, 0)
            except ValueError:
                raise SpecError(f"{where}: bad code {code!r}")
            if option not in OPTIONS:
                raise SpecError(f"{where}: unknown option {option!r} "
                                f"(one of {', '.join(sorted(OPTIONS))})")
            if option == "sdv" and not SDV_BASE <= code < SDV_END:
                raise SpecError(f"{where}: an sdv rule's code is in 0x{SDV_BASE:X}.."
                                f"0x{SDV_END - 1:X} (drvsim's own block)")
            if option != "sdv" and not 0x20000 <= code < 0x100000:
                raise SpecError(f"{where}: a Windows rule's code is a 0xC4 P1 below 0x100000")
            rule = Rule(name, code, option, number)
            continue
        if rule is None:
            raise SpecError(f"{where}: {words[0]!r} outside a rule")
        if words[0] == "end":
            if rule.doc is None:
                raise SpecError(f"{path}:{rule.line}: rule {rule.name} has no doc")
            if not rule.rows and not rule.handlers:
                raise SpecError(f"{path}:{rule.line}: rule {rule.name} checks nothing")
            if rule.rows and rule.handlers:
                raise SpecError(f"{path}:{rule.line}: rule {rule.name}: table rows and "
                                "handlers do not mix (make two rules)")
            rules.append(rule)
            rule = None
        elif words[0] == "doc":
            rule.doc = unquote(line[3:], where)
        elif words[0] == "irql":
            m = re.fullmatch(r"irql\s+(.+?)\s+(eq|le)\s+(PASSIVE|APC|DISPATCH)"
                             r"(?:\s+when\s+(.+?)\s+(\"(?:[^\"\\]|\\.)*\"))?\s*", line)
            if not m:
                raise SpecError(f"{where}: expected 'irql DDI[, DDI...] eq|le LEVEL "
                                "[when EXPR \"PHRASE\"]'")
            ddis = [d.strip() for d in m.group(1).split(",")]
            if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", d) for d in ddis):
                raise SpecError(f"{where}: bad DDI list {m.group(1)!r}")
            bound = (m.group(2), m.group(3))
            if bound not in BOUNDS:
                raise SpecError(f"{where}: bound must be eq PASSIVE, le APC, le DISPATCH or "
                                "eq DISPATCH")
            phrase = unquote(m.group(5), where) if m.group(5) else None
            rule.rows.append(Row(ddis, bound, m.group(4), phrase, number))
        elif words[0] == "per":
            rule.per = line[3:].strip()
            rule.per_line = number
        elif words[0] == "states":
            rule.states = words[1:]
            if not rule.states or len(set(rule.states)) != len(rule.states):
                raise SpecError(f"{where}: 'states' needs distinct names")
            for s in rule.states:
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s) or s in C_WORDS:
                    raise SpecError(f"{where}: bad state name {s!r}")
        elif words[0] == "on":
            m = re.fullmatch(r"on\s+(.+?)(?:\s+per\s+(.+?))?\s*\{\s*", line)
            if not m:
                raise SpecError(f"{where}: expected 'on EVENT[, EVENT...] [per EXPR] {{'")
            events = []
            for e in m.group(1).split(","):
                e = e.strip()
                em = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\.(entry|exit)", e)
                if not em:
                    raise SpecError(f"{where}: bad event {e!r} (DDI.entry, DDI.exit, "
                                    "ROLE.entry or ROLE.exit)")
                events.append((em.group(1), em.group(2)))
            body = []
            body_line = i + 1
            depth = 0  # braces open in the body (strings aside)
            while True:
                if i >= len(lines):
                    raise SpecError(f"{where}: handler without its closing '}}'")
                text = lines[i]
                i += 1
                if text.strip() == "}" and depth == 0:
                    break
                code = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
                depth += code.count("{") - code.count("}")
                body.append(text)
            rule.handlers.append(Handler(events, m.group(2), body, number, body_line))
        else:
            raise SpecError(f"{where}: unknown word {words[0]!r}")
    if rule is not None:
        raise SpecError(f"{path}:{rule.line}: rule {rule.name} has no 'end'")
    names = [r.name for r in rules]
    for n in names:
        if names.count(n) > 1:
            raise SpecError(f"{path}: rule {n} is defined twice")
    codes = [r.code for r in rules]
    for r in rules:
        if codes.count(r.code) > 1:
            raise SpecError(f"{path}:{r.line}: code 0x{r.code:X} is used twice")
    return rules


def c_string(text):
    return ('"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            + '"')


class Gen:
    def __init__(self, spec_path, rules, ddis):
        self.spec = spec_path
        self.rules = rules
        self.ddis = ddis
        self.ddi_index = {d.name: n for n, d in enumerate(ddis)}
        self.by_name = {d.name: d for d in ddis}
        self.texts = []
        self.text_ids = {}   # (rule, text) -> index
        self.text_rule = {}  # index -> rule name
        self.functions = []  # C source of handler, key and predicate functions
        # (phase, what) -> list of handler initialisers; phase: ddi_entry, ddi_exit,
        # role_entry, role_exit
        self.handlers = {"ddi_entry": {}, "ddi_exit": {}, "role_entry": {}, "role_exit": {}}
        self.live = []      # rules with at least one handler on something drvsim has
        self.watches = {}   # rule name -> (present DDIs, missing DDIs)
        self.fn_count = 0

    def text(self, t, rule):
        key = (rule.name, t)
        if key not in self.text_ids:
            self.text_ids[key] = len(self.texts)
            self.texts.append(t)
            self.text_rule[len(self.texts) - 1] = rule.name
        return self.text_ids[key]

    def translate(self, expr, where, nargs, rule, in_body):
        """The spec's words in C: $N, $return, $irql, $entry_irql, $thread,
        state and its names, abort "TEXT"; and halt;."""
        out = []
        pos = 0
        for m in re.finditer(r'\babort\s*("(?:[^"\\]|\\.)*")\s*;|"(?:[^"\\]|\\.)*"', expr):
            out.append(self.translate_words(expr[pos:m.start()], where, nargs, rule, in_body))
            if m.group(1) is not None:
                if not in_body:
                    raise SpecError(f"{where}: abort only in a handler body")
                text = unquote(m.group(1), where)
                out.append(f"return DDC_ABORT({self.text(text, rule)});")
            else:
                raise SpecError(f"{where}: a string outside abort \"...\"")
            pos = m.end()
        out.append(self.translate_words(expr[pos:], where, nargs, rule, in_body))
        return "".join(out)

    def translate_words(self, text, where, nargs, rule, in_body):
        if re.search(r"\babort\b", text):
            raise SpecError(f"{where}: abort needs its condition's text: abort \"TEXT\";")

        def dollar(m):
            word = m.group(1)
            if word.isdigit():
                n = int(word)
                if n < 1 or n > nargs:
                    raise SpecError(f"{where}: ${n}: the event has {nargs} parameter(s)")
                return f"x->args[{n - 1}]"
            fixed = {"return": "x->result", "irql": "x->irql", "entry_irql": "x->entry_irql",
                     "thread": "x->thread", "mine": "x->mine"}
            if word not in fixed:
                raise SpecError(f"{where}: unknown ${word}")
            return fixed[word]

        text = re.sub(r"\$([A-Za-z_]+|\d+)", dollar, text)
        text = re.sub(r"\bhalt\s*;", "return DDC_HALT;", text)
        if in_body:
            text = re.sub(r"\bstate\b", "x->state", text)
            for n, s in enumerate(rule.states or []):
                text = re.sub(rf"\b{s}\b", f"{n} /* {s} */", text)
        elif re.search(r"\bstate\b", text):
            raise SpecError(f"{where}: 'state' only in a handler body")
        return text

    def line(self, number):
        return f'#line {number} "{self.spec}"'

    def add(self, phase, what, init):
        self.handlers[phase].setdefault(what, []).append(init)

    def run(self):
        for rule in self.rules:
            present, missing = [], []
            live = False
            for row in rule.rows:
                op, text_bound = BOUNDS[row.bound]
                pred = "NULL"
                for ddi in row.ddis:
                    if ddi not in self.by_name:
                        if ddi not in missing:
                            missing.append(ddi)
                        continue
                    if ddi not in present:
                        present.append(ddi)
                    live = True
                    nargs = len(self.by_name[ddi].params)
                    if row.when and pred == "NULL":
                        self.fn_count += 1
                        pred = f"ddc_when{self.fn_count}"
                        expr = self.translate(row.when, f"{self.spec}:{row.line}", nargs, rule,
                                              False)
                        self.functions.append(
                            f"static bool {pred}(const ddc_ctx *x)\n{{\n"
                            f"{self.line(row.line)}\n    return ({expr});\n}}\n")
                    text = f"{ddi} should only be called at IRQL {text_bound}"
                    if row.phrase:
                        text += " " + row.phrase
                    text += "."
                    self.add("ddi_entry", self.ddi_index[ddi],
                             f"{{.rule = RULE_{rule.name}, .index = DDC_RULE_INDEX_{rule.name}, "
                             f".event = \"{ddi}.entry\", .bound = {op}, "
                             f".text = {self.text(text, rule)}, .when = {pred}}}")
            for h in rule.handlers:
                fn = None
                key = None
                for name, phase in h.events:
                    where = f"{self.spec}:{h.line}"
                    if name in ROLES:
                        nargs = ROUTINE_ARGS
                        slot = ("role_" + phase, ROLES[name][1])
                    elif name in self.by_name:
                        nargs = len(self.by_name[name].params)
                        slot = ("ddi_" + phase, self.ddi_index[name])
                        if name not in present:
                            present.append(name)
                    else:
                        if re.fullmatch(r"[a-z].*", name):
                            raise SpecError(f"{where}: unknown routine role {name!r} (one of "
                                            f"{', '.join(ROLES)})")
                        if name not in missing:
                            missing.append(name)
                        continue
                    live = True
                    # One C function per (handler, event arity): a body naming $3
                    # is checked against each of its events.
                    self.fn_count += 1
                    fn = f"ddc_on{self.fn_count}"
                    body = "\n".join(self.translate(b, f"{self.spec}:{h.body_line + k}", nargs,
                                                    rule, True)
                                     for k, b in enumerate(h.body))
                    self.functions.append(
                        f"/* {rule.name}: {name}.{phase} */\n"
                        f"static int {fn}(ddc_ctx *x)\n{{\n{self.line(h.body_line)}\n{body}\n"
                        f"    return DDC_DONE;\n}}\n")
                    # A routine event keys by its own `per` only (the rule's
                    # names a DDI's parameters); without one it runs on the
                    # instances the routine changed.
                    per = h.per if name in ROLES else (h.per or rule.per)
                    key = "NULL"
                    if per:
                        self.fn_count += 1
                        key = f"ddc_key{self.fn_count}"
                        kline = h.line if h.per else rule.per_line
                        expr = self.translate(per, f"{self.spec}:{kline}", nargs, rule, False)
                        self.functions.append(
                            f"static uint64_t {key}(const ddc_ctx *x)\n{{\n{self.line(kline)}\n"
                            f"    return (uint64_t)({expr});\n}}\n")
                    self.add(slot[0], slot[1],
                             f"{{.rule = RULE_{rule.name}, .index = DDC_RULE_INDEX_{rule.name}, "
                             f".event = \"{name}.{phase}\", .key = {key}, .body = {fn}}}")
            self.watches[rule.name] = (present, missing)
            if live:
                self.live.append(rule)

    # -- output ------------------------------------------------------------

    def param_meanings(self, rule):
        p1 = f"{rule.name}: {rule.doc}"
        p2 = "Address of the text of the violated condition (DV_VIOLATED_CONDITION)"
        if rule.stateful and (rule.states or rule.per or any(h.per for h in rule.handlers)):
            p3 = ("Rule state: the instance's state, numbered as the rule lists them "
                  "(Windows: the address of the rule's state, for !ruleinfo)")
            p4 = ("Supplemental state: the instance's key, such as the spin lock "
                  "(Windows: reserved, or the address of supplemental state)")
        else:
            p3 = "Reserved (unused): an IRQL rule has no state (0)"
            p4 = "Reserved (unused) (0)"
        return p1, p2, p3, p4

    def watch_text(self, rule):
        present, missing = self.watches[rule.name]
        events = []
        for h in rule.handlers:
            for name, phase in h.events:
                if name in ROLES:
                    e = f"{name} routine {phase}"
                    if e not in events:
                        events.append(e)
        parts = present + events
        text = ", ".join(parts)
        if missing:
            text += ("; " if text else "") + "not in drvsim yet: " + ", ".join(missing)
        return text

    def conditions(self, rule):
        out = []
        for row in rule.rows:
            _, text_bound = BOUNDS[row.bound]
            names = [d for d in row.ddis if d in self.by_name]
            if not names:
                continue
            t = f"{', '.join(names)}: IRQL {text_bound}"
            if row.phrase:
                t += " " + row.phrase
            out.append(t)
        for h in rule.handlers:
            for b in h.body:
                for m in re.finditer(r'\babort\s*("(?:[^"\\]|\\.)*")', b):
                    t = unquote(m.group(1), self.spec)
                    if t not in out:
                        out.append(t)
        return "\n".join(out)

    def write_h(self, out):
        lines = ["/* Generated by tools/gen_ddi_rules.py from sim/vf/ddi_rules.spec: do not "
                 "edit. */",
                 "#ifndef DRVSIM_DDI_RULES_GEN_H", "#define DRVSIM_DDI_RULES_GEN_H", "",
                 "/* The rows of the DDI compliance rules in the rule catalogue, as",
                 " * DRVSIM_RULES' X(id, code, sub_param, sub_value, option, description,",
                 " * (p1, p2, p3, p4)); only rules with something drvsim can watch. */",
                 "#define DRVSIM_DDI_RULES(X) \\"]
        for r in self.live:
            p = ", ".join(c_string(s) for s in self.param_meanings(r))
            lines.append(f"    X({r.name}, 0xC4, 1, 0x{r.code:X}, {OPTIONS[r.option]}, "
                         f"{c_string(r.doc)}, ({p})) \\")
        lines.append("")
        lines += ["/* Y(id, watched DDIs and routines, the conditions' texts one a line). */",
                  "#define DRVSIM_DDI_RULES_WATCH(Y) \\"]
        for r in self.live:
            lines.append(f"    Y({r.name}, {c_string(self.watch_text(r))}, "
                         f"{c_string(self.conditions(r))}) \\")
        lines.append("")
        waiting = [r for r in self.rules if r not in self.live]
        lines.append("/* Rules waiting for their DDIs (none in sim/ddi.tbl yet):")
        for r in waiting:
            lines.append(f" *   {r.name} 0x{r.code:X}: {', '.join(self.watches[r.name][1])}")
        lines += [" */", "#define DDC_WAITING_RULE_COUNT " + str(len(waiting)), ""]
        lines.append("/* Each live rule's index in ddc_rules[]. */")
        lines.append("enum {")
        for n, r in enumerate(self.live):
            lines.append(f"    DDC_RULE_INDEX_{r.name} = {n},")
        lines += ["    DDC_RULE_COUNT", "};", "", "#endif"]
        out.write("\n".join(lines) + "\n")

    def write_c(self, out):
        L = ["/* Generated by tools/gen_ddi_rules.py from sim/vf/ddi_rules.spec: do not "
             "edit. */",
             '#include "vf/ddirules.h"', "",
             "_Static_assert(KE_ROLE_DISPATCH == 7 && KE_ROLE_OTHER == 11, "
             "\"gen_ddi_rules.py numbers the roles as ke/hooks.h\");", ""]
        # The conditions' texts, and where each lies in the verifier's image
        # in simulated memory: each rule has a slot of TEXT_SLOT bytes there,
        # chosen from its name, so that adding or changing a rule moves no
        # other rule's text (a bug check's P2 is in the trace).
        slot_of = {}
        used = set()
        for r in self.rules:
            slot = zlib.crc32(r.name.encode()) % TEXT_SLOTS
            while slot in used:
                slot = (slot + 1) % TEXT_SLOTS
            used.add(slot)
            slot_of[r.name] = slot
        offsets = []
        inner = {}
        for n, t in enumerate(self.texts):
            rule = self.text_rule[n]
            at = inner.get(rule, 0)
            offsets.append(slot_of[rule] * TEXT_SLOT + at)
            inner[rule] = at + len(t.encode("utf-8")) + 1
            if inner[rule] > TEXT_SLOT:
                raise SpecError(f"{self.spec}: rule {rule}'s texts exceed {TEXT_SLOT} bytes")
        L.append(f"const char *const ddc_texts[{max(len(self.texts), 1)}] = {{")
        L += [f"    {c_string(t)}," for t in self.texts] or ['    "",']
        L.append("};")
        L.append(f"const uint32_t ddc_text_offset[{max(len(offsets), 1)}] = {{")
        for k in range(0, max(len(offsets), 1), 10):
            L.append("    " + ", ".join(str(o) for o in (offsets or [0])[k:k + 10]) + ",")
        L.append("};")
        L.append("")
        for r in self.live:
            if r.states:
                L.append(f"static const char *const ddc_states_{r.name}[] = {{"
                         + ", ".join(c_string(s) for s in r.states) + "};")
        L.append("const ddc_rule_info ddc_rules[DDC_RULE_COUNT + 1] = {")
        for r in self.live:
            states = f"ddc_states_{r.name}" if r.states else "NULL"
            keyed = "true" if r.per or any(h.per for h in r.handlers) else "false"
            L.append(f"    [DDC_RULE_INDEX_{r.name}] = {{.rule = RULE_{r.name}, "
                     f".stateful = {'true' if r.stateful else 'false'}, .keyed = {keyed}, "
                     f".state_count = {len(r.states or [])}, .state_names = {states}}},")
        L.append("};")
        L.append("")
        L += self.functions
        # The handlers, grouped by (phase, what), and the index arrays.
        order = []
        index = {}
        for phase, size in (("ddi_entry", len(self.ddis)), ("ddi_exit", len(self.ddis)),
                            ("role_entry", ROLE_COUNT), ("role_exit", ROLE_COUNT)):
            at = []
            for what in range(size):
                at.append(len(order))
                order += self.handlers[phase].get(what, [])
            at.append(len(order))
            index[phase] = at
        L.append(f"const ddc_handler ddc_handlers[{max(len(order), 1)}] = {{")
        L += [f"    {h}," for h in order] or ["    {0},"]
        L.append("};")
        for phase, size in (("ddi_entry", "DDI_COUNT + 1"), ("ddi_exit", "DDI_COUNT + 1"),
                            ("role_entry", "DDC_ROLE_COUNT + 1"),
                            ("role_exit", "DDC_ROLE_COUNT + 1")):
            L.append(f"const uint16_t ddc_{phase}_at[{size}] = {{")
            vals = index[phase]
            for k in range(0, len(vals), 16):
                L.append("    " + ", ".join(str(v) for v in vals[k:k + 16]) + ",")
            L.append("};")
        L.append(f"const bool ddc_wants_routines = "
                 f"{'true' if any(self.handlers['role_entry'].values()) or any(self.handlers['role_exit'].values()) else 'false'};")
        L.append("")
        # The thunks.
        watched = sorted(set(self.handlers["ddi_entry"]) | set(self.handlers["ddi_exit"]))
        for n in watched:
            d = self.ddis[n]
            L += self.thunk(d)
        L.append("void ddc_patch_imports(ddi_imports *imports)")
        L.append("{")
        for n in watched:
            d = self.ddis[n]
            L.append(f"    imports->{d.name} = ddc_{d.name};")
        if not watched:
            L.append("    (void)imports;")
        L.append("}")
        out.write("\n".join(L) + "\n")

    def thunk(self, d):
        T = gen_ddi.TYPES
        ret = d.c_ret()
        argc = len(d.params)
        L = [f"static {ret} ddc_{d.name}({d.c_params()})", "{"]
        vals = []
        for p in d.params:
            if p.out:
                vals.append("0")
            else:
                vals.append(T[p.type][3].replace("{}", p.name))
        L.append(f"    uint64_t a[{max(argc, 1)}] = {{{', '.join(vals) or '0'}}};")
        call_args = ", ".join(["call"] + [p.name for p in d.params])
        zero = "" if ret == "void" else f" ({ret}){{0}}"
        L.append(f"    if (!ddc_ddi_entry(call, DDI_{d.name}, a, {argc}))")
        L.append(f"        return{zero};")
        if ret == "void":
            L.append(f"    ddc_next(call)->{d.name}({call_args});")
            res = "0"
        else:
            L.append(f"    {ret} r = ddc_next(call)->{d.name}({call_args});")
            res = T[d.ret][3].replace("{}", "r")
        for k, p in enumerate(d.params):
            if p.out:
                L.append(f"    a[{k}] = {T[p.type][3].replace('{}', '(*' + p.name + ')')};")
        L.append(f"    ddc_ddi_exit(call, DDI_{d.name}, a, {argc}, {res});")
        if ret != "void":
            L.append("    return r;")
        L.append("}")
        L.append("")
        return L


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen_ddi_rules.py sim/vf/ddi_rules.spec sim/ddi.tbl OUTDIR")
    spec, table, outdir = sys.argv[1:]
    try:
        rules = parse_spec(spec)
        gen = Gen(spec, rules, gen_ddi.parse(table))
        gen.run()
    except SpecError as e:
        sys.exit(f"gen_ddi_rules.py: {e}")
    for name, writer in (("ddi_rules.h", gen.write_h), ("ddi_rules.c", gen.write_c)):
        path = os.path.join(outdir, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            writer(out)
        os.replace(tmp, path)


if __name__ == "__main__":
    main()
