/*
 * binding.h - the Lua binding: the only code that includes lua.h.
 *
 * It marshals: Lua values in, typed C calls to the kernel's DDIs (through
 * the calling image's import table), Lua values out. It also hosts the code
 * that runs on simulated threads: each thread's code is a Lua coroutine, and
 * when a DDI blocks, the coroutine yields back to the kernel's dispatch loop.
 *
 * Errors, by kind (STYLE.md):
 *  - misuse of the API (a bad argument, a harness call from a driver routine)
 *    is a scenario error: the run ends with outcome "error" and exit code 3,
 *    naming the file and line;
 *  - a Lua error raised by driver code is a driver crash: the bug check
 *    Windows would raise (0x7E, 0xD1);
 *  - an error in harness code (run() or the scenario's top level) is a
 *    scenario error;
 *  - once the machine stops (bug check, limit, scenario error), every DDI
 *    call refuses: the coroutine is suspended for good, or, where Lua cannot
 *    yield, a "stopped" error unwinds it, and each later call raises again.
 */
#ifndef DRVSIM_LUA_BINDING_H
#define DRVSIM_LUA_BINDING_H

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "io/io.h"
#include "ke/ke.h"
#include "ke/types.h"
#include "ps/ps.h"

/* One key or value of scenario{ registry = ... } (registry.c): name NULL
 * for a key alone. */
typedef struct lb_registry_item {
    char *path, *name;
    uint32_t type;
    uint8_t *data;
    uint32_t size;
} lb_registry_item;

/* One file or directory of scenario{ files = ... } (files.c). */
typedef struct lb_file_item {
    char *path;
    bool directory;
    uint8_t *data;
    uint32_t size;
} lb_file_item;

/* What the scenario declared with scenario{ ... }. */
typedef struct lb_scenario {
    bool declared;
    char name[128];
    char *verifier; /* verifier.exe syntax (a table is converted to it) */
    char *gflags;
    uint32_t cpus;
    ke_arch arch;
    ke_build build;
    uint64_t memory_bytes;
    bool seed_given;
    uint64_t seed;
    uint64_t limit_100ns; /* 0 = default */
    ke_sched sched;       /* scheduling strategy: random unless `sched` says */
    bool kd;              /* `kd = true`: a kernel debugger is attached */
    drvsim_expect expect;
    int faults_ref;  /* scenario{ faults = fn }: the predicate, LUA_NOREF for none */
    lb_registry_item *registry; /* scenario{ registry = ... }, keys and values in name order */
    size_t registry_count;
    lb_file_item *files; /* scenario{ files = ... }, in path order */
    size_t file_count;
    struct pnp_device_decl *devices; /* scenario{ devices = ... }, in declaration order */
    size_t device_count;
    char where[320]; /* "file:line" of the scenario{} call, for later messages */
} lb_scenario;

typedef struct lb_driver_decl {
    char name[64];
    bool graphics;
    int table_ref; /* registry reference to the routines table */
    uint16_t chunk;
    bool imports_checked; /* its calls resolved at a LoadDriver (imports.c) */
} lb_driver_decl;

#define LB_MAX_CHUNKS   64
#define LB_MAX_DRIVERS  64
#define LB_MAX_PAGEABLE 256 /* PAGE() routines in a scenario */

/* The lines of a routine PAGE() marked, in a loaded chunk: code there, and
 * in the functions nested in it, is in the PAGE section. */
typedef struct lb_pageable_range {
    uint16_t chunk;
    int first_line, last_line;
} lb_pageable_range;

/* Returned coroutines kept for reuse (lb_state.idle_coroutines). */
#define LB_IDLE_COROUTINES 8

typedef struct lb_state {
    lua_State *L;
    ke_machine *m;        /* NULL while the scenario's top level runs */
    ke_exec *current;     /* the execution (a thread's code) running now */
    lua_State *top_level; /* the coroutine running the scenario's top level, or NULL */

    const char *scenario_path;
    char *chunks[LB_MAX_CHUNKS];  /* loaded files: [0] the scenario */
    char *sources[LB_MAX_CHUNKS]; /* their text, as loaded (owned) */
    size_t source_lengths[LB_MAX_CHUNKS];
    struct token_list *chunk_tokens[LB_MAX_CHUNKS]; /* imports.c's cache, NULL until used */
    uint16_t chunk_count;

    lb_scenario sc;
    lb_driver_decl drivers[LB_MAX_DRIVERS];
    uint32_t driver_count;
    int run_ref;        /* the run() body, LUA_NOREF until given */
    int routines_ref;   /* table: io_routine number -> function */
    int literals_ref;   /* table: image (driver index + 1, 0 harness) -> {text -> address} */
    int coroutines_ref; /* table: the coroutines of executions, kept alive */
    /* pointer.c's metatables, pushed by reference and recognised by their
     * address (compared for identity only), not looked up by name at every
     * pointer made or passed. */
    int pointer_mt_ref, driver_object_mt_ref;
    const void *pointer_mt, *driver_object_mt;
    /* Coroutines whose code returned, still in that table, for the next
     * executions to start on (a periodic DPC would otherwise create one per
     * run): a returned coroutine with an empty stack starts a new function
     * as a fresh one does. Most recently returned last. */
    lua_State *idle_coroutines[LB_IDLE_COROUTINES];
    uint32_t idle_coroutine_count;
    lb_pageable_range pageable[LB_MAX_PAGEABLE]; /* what PAGE() marked */
    uint32_t pageable_count; /* nonzero: DDI calls from drivers check their caller */
    uint32_t routine_count;

    uint64_t seed;          /* the run's seed: --seed, else scenario{ seed }, else 1 */
    bool seed_from_options; /* --seed given: scenario{ seed } does not change it */
    des_rng *rng;           /* math.random's stream (the machine's "lua" stream) */
    des_rng rng_early;      /* used before the machine exists */

    uint64_t instructions; /* executed and charged so far */
    uint64_t instruction_limit;
    uint32_t hook_step_max; /* the count hook's largest step (sandbox.c) */
    int probe_ref;          /* the probe that measures a count's tail */
    bool probing;           /* the probe runs: the hook ends it */
    uint64_t probe_fetched; /* what the probe had run when the hook fired */
    bool host_timed_out;    /* --host-timeout stopped the run: no digest */
    size_t memory_bytes;    /* host memory the Lua state holds */
    size_t memory_limit_bytes;
    unsigned char *global_bits; /* globals.c: the names resolved; NULL: none lazy */
    bool lazy_libraries; /* lb_sandbox_new leaves table, math, utf8 to globals.c */

    /* Where the last driver routine error was raised, captured by the error
     * handler while the stack was intact; reports use it while valid. */
    ke_site error_site;
    bool error_site_valid;
    bool error_site_pinned; /* a __try saw the error first: keep its site */

    int routine_status; /* how the last driver routine ended (LUA_OK, LUA_ERRMEM...) */

    struct lb_callsites *callsites; /* callsite.c's cache, NULL until used */

    /* Two of a DDI call's refusals (lb_call_begin), read together as
     * `refusing`: nonzero when either holds. */
    union {
        struct {
            bool in_fault_predicate; /* scenario{ faults } runs: no DDI may be called */
            bool stopped_early;      /* a limit or error stopped the top level */
        };
        uint16_t refusing;
    };
    char early_message[1024]; /* what stopped it */
    drvsim_outcome early_outcome;
} lb_state;

/* The binding state of any coroutine of the run: kept in the extra space before every lua_State,
 * which lua_newthread copies from the main thread (lb_set, right after
 * lua_newstate), so that every DDI call finds it in one load. */
static inline lb_state *lb_get(lua_State *L)
{
    lb_state *lb;
    memcpy(&lb, lua_getextraspace(L), sizeof lb);
    return lb;
}

static inline void lb_set(lua_State *L, lb_state *lb)
{
    _Static_assert(LUA_EXTRASPACE >= sizeof(lb_state *), "a pointer fits the extra space");
    memcpy(lua_getextraspace(L), &lb, sizeof lb);
}

/* Creates the sandboxed Lua state (sandbox.c). NULL on host OOM. */
lua_State *lb_sandbox_new(lb_state *lb);
/* Seals the string metatable and protects the binding's metatables, once
 * they are registered (sandbox.c). */
void lb_sandbox_seal(lua_State *L);

/* Charges work done in C on Lua's behalf to the instruction budget (one
 * instruction per byte produced or examined, per table element, per pattern
 * matcher step); past the budget, or once the host's time is up, stops the
 * run and raises the stop error (sandbox.c). */
void lb_charge(lua_State *L, uint64_t instructions);
/* A new execution's coroutine: counted from its first instruction. */
void lb_hook_thread(lua_State *co);
/* An execution's coroutine returned: charges its instructions since the
 * count hook last fired. */
void lb_charge_tail(lua_State *co);
/* Whether the tail is read where Lua keeps the count (found and checked
 * once per process), not measured by the probe; `by_probe` true makes every
 * later tail the probe's (the unit tests check both ways). */
bool lb_tail_read_directly(void);
void lb_tail_by_probe(bool by_probe);
/* Where the tail is read directly: charges the instructions co ran since
 * the hook last fired (a coroutine given up before it returned, or one the
 * run's end found suspended), and counts from there. */
void lb_charge_pending(lua_State *co);
/* At the run's end: the pending instructions of every coroutine still
 * held (binding.c), unless the budget already stopped the run. */
void lb_charge_live(lb_state *lb);
/* Set (from a signal handler) by drvsim_host_timeout; cleared per run. */
extern volatile sig_atomic_t lb_host_time_up;
/* Replaces the library functions that do unbounded work in C with charged
 * ones: string.rep, upper, lower, reverse, sub, byte, char, format, pack,
 * unpack, table.concat, insert, remove, move, unpack (charged.c), and the
 * pattern functions find, match, gmatch, gsub (pattern.c). */
void lb_register_charged(lua_State *L);
/* The same for utf8 and table, on the library's table at idx, as they open
 * (lb_sandbox_libraries). */
void lb_register_charged_utf8(lua_State *L, int utf8);
void lb_register_charged_table(lua_State *L, int tab);
/* table, math and utf8: name and a function returning the library's table
 * as the sandbox has it, for globals.c to open at the first use. */
const luaL_Reg *lb_sandbox_libraries(void);
void lb_register_patterns(lua_State *L, int string_table);

/* Registers scenario{}, driver, run, the DDIs, the harness functions, the
 * constants and the pointer types as globals. */
void lb_register_globals(lua_State *L);
void lb_register_ddis(lua_State *L);                    /* generated: ddi_lua.c */
/* The DDIs' Lua functions, indexed by DDI id (generated: ddi_lua.c). */
extern const luaL_Reg lb_ddi_functions[DDI_COUNT + 1];
/* A kernel export's address as Lua sees it: the routine, or nil. */
void lb_push_export(lua_State *L, PVOID_VA va);
void lb_register_macros(lua_State *L); /* macros.c: WDK macros over DDIs (the global table on top) */
void lb_register_pointer(lua_State *L);                 /* pointer.c */
void lb_register_scenario(lua_State *L);                /* scenario.c */
void lb_register_harness(lua_State *L);                 /* binding.c */
void lb_register_process(lua_State *L);                 /* process.c */
void lb_register_io(lua_State *L);                      /* io.c */
void lb_register_objects(lua_State *L);                 /* objects.c */
/* The kernel's exported variables (PsProcessType...) for an architecture. */
void lb_register_object_globals(lua_State *L, ke_arch arch);
void lb_register_registry(lua_State *L);                /* registry.c */
void lb_register_errorlog(lua_State *L);                /* errorlog.c */
/* scenario{ registry = t } (registry.c): parses t into sc; frees it; seeds a
 * booted machine (false with a message naming scenario{} on a refusal). */
void lb_registry_parse(lua_State *L, int idx, lb_scenario *sc);
void lb_registry_free(lb_scenario *sc);
/* scenario{ devices = t } (pnp.c): the devices on the root bus; declared to
 * a booted machine (false with a message naming the device on a refusal). */
void lb_devices_parse(lua_State *L, int idx, lb_scenario *sc);
void lb_devices_free(lb_scenario *sc);
bool lb_devices_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len);
void lb_register_pnp(lua_State *L); /* pnp.c */
void lb_register_irplog(lua_State *L); /* irplog.c */
bool lb_registry_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len);
/* scenario{ files = t } (files.c), as the registry's; and FileSet/FileGet. */
void lb_register_files(lua_State *L);
void lb_files_parse(lua_State *L, int idx, lb_scenario *sc);
void lb_files_free(lb_scenario *sc);
bool lb_files_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len);
void lb_register_constants(lua_State *L, ke_arch arch); /* constants.c */
/* The same without constants.c's table of WDK constants, which globals.c
 * resolves on first use (the macros and the architecture's IRQLs). */
void lb_register_constant_macros(lua_State *L, ke_arch arch);
/* The same for the first registration (x64's values), resolved on first use
 * (globals.c). */
void lb_defer_constant_macros(lua_State *L);
typedef struct lb_constant {
    const char *name;
    lua_Integer value;
} lb_constant;
const lb_constant *lb_constant_table(size_t *count);
/* pointer.c: the structure constructors (a closure of `make` over the type
 * number each), which globals.c resolves on first use too. */
typedef struct lb_constructor {
    const char *name;
    ke_type_id type;
} lb_constructor;
const lb_constructor *lb_constructor_table(size_t *count, lua_CFunction *make);
/* globals.c: the constants' table, the constructors and the DDIs resolved
 * on first use. With the global table on top, after every other
 * registration: */
void lb_globals_lazy(lua_State *L);
/* In place of luaL_setfuncs(L, fns, 0) on the global table (on top), before
 * lb_globals_lazy: fns (static, no upvalues) resolved on first use too. */
void lb_globals_defer(lua_State *L, const luaL_Reg *fns);
/* The same for values other than light C functions (integers, strings,
 * pointers, closures): makers[i].func(name) returns the value of name,
 * the one registration set (the same in every state: what it makes may not
 * depend on the run). */
void lb_globals_defer_made(lua_State *L, const luaL_Reg *makers);
/* Resolves `name` in the table at idx if it is a lazily registered global
 * not resolved yet (before a raw lookup). */
void lb_globals_resolve(lua_State *L, int idx, const char *name);
/* Resolves every lazily registered global of the table at idx, and removes
 * the metatable that did it (before a walk, or a metatable change). */
void lb_globals_settle(lua_State *L, int idx);

/* Loads a Lua file of the scenario as chunk number *chunk (text only),
 * keeping its text for the import scan. */
int lb_load_file(lua_State *L, const char *path, uint16_t *chunk);

/* The driver's imports (imports.c): at LoadDriver, a scenario error naming
 * every global its code calls that nothing defines ("X is not a DDI drvsim
 * simulates", with "did you mean Y?" for a near miss). */
void lb_check_imports(lua_State *L, uint32_t driver);
/* Whether the error value at idx is Lua's call of an undefined global; if
 * so, the scenario error's text (naming it, with a near miss) in out, after
 * the message's own "file:line: " if keep_where. */
bool lb_unresolved_call(lua_State *L, int idx, bool keep_where, char *out, size_t len);
/* Frees imports.c's caches. */
void lb_imports_free(lb_state *lb);

/* The scenario's fault predicate (faults.c), a vf_fault_predicate: calls
 * scenario{ faults = fn } with the call's context on the running code. */
struct vf_fault_query;
bool lb_fault_predicate(void *ctx, const struct vf_fault_query *q);

/* ke_host callbacks. */
void lb_host_resume(void *ctx, ke_exec *exec);
/* ke_host.same_routine: whether two routine references hold one function. */
bool lb_host_same_routine(void *ctx, uint32_t a, uint32_t b);
/* A batch of driver routines the kernel calls back in the calling thread
 * (ps/ps.h: notify routines, Ob callbacks): lb_push_batch pushes one (set
 * it up with ps_batch_*), lb_run_batch runs it from the top of the stack;
 * after its last routine, finish gets the stack with the batch on top: it
 * pops it and returns what the harness function returns. */
typedef struct lb_batch lb_batch;
typedef int (*lb_batch_finish)(lua_State *L, lb_batch *b);
struct lb_batch {
    ps_batch b;
    lb_batch_finish finish;
    int64_t aux; /* the finish function's own */
    const char *text; /* the finish function's own */
};
lb_batch *lb_push_batch(lua_State *L, lb_batch_finish finish);
int lb_run_batch(lua_State *L);
ke_site lb_host_site(void *ctx, const ke_exec *exec);
const char *lb_host_site_name(void *ctx, ke_site site, char *buf, size_t len);
uint64_t lb_host_stack_id(void *ctx, const ke_exec *exec);
/* The site of a frame lua_getinfo filled with "Sl" (its line positive).
 * Inline: site_of's, on the race detector's path for every access. */
static inline ke_site lb_site_of_frame(const lb_state *lb, const lua_Debug *ar)
{
    ke_site site = {.chunk = 0xFFFF, .line = (uint32_t)ar->currentline};
    if (ar->source[0] == '@') {
        for (uint16_t i = 0; i < lb->chunk_count; i++) {
            if (strcmp(ar->source + 1, lb->chunks[i]) == 0) {
                site.chunk = i;
                break;
            }
        }
    }
    return site;
}
/* ke_host.call_site: lb_host_site's answer, from a cache of the call sites
 * seen (callsite.c). lb_callsites_free frees the cache at the run's end. */
ke_site lb_host_call_site(void *ctx, const ke_exec *exec);
void lb_callsites_free(lb_state *lb);
/* Whether a cached call site is found from the running frame read where
 * lua_State keeps it (found and checked once per process), not through
 * lua_getstack (the unit tests check it holds for this Lua). */
bool lb_call_site_read_directly(void);

/* ------------------------------------------------------------------------ */
/* Errors and stops                                                         */
/* ------------------------------------------------------------------------ */

/* Ends the run as a scenario error naming the calling line. Never returns. */
_Noreturn void lb_scenario_error(lua_State *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Suspends the calling code for good after the machine stopped: yields when
 * it can, raises the stop error otherwise. Use as `return lb_stopped(L);`. */
int lb_stopped(lua_State *L);
/* The same, from code that cannot return a value to Lua: never returns. */
_Noreturn void lb_refuse(lua_State *L);
/* The text of a scenario error: the error value at idx of co, a coroutine
 * whose stack is still where the error was raised. A string keeps its text,
 * with the file:line it was raised at in front when it names no place;
 * another value is named by its type; a memory error says the limit. */
const char *lb_error_message(lua_State *co, int idx, int status, char *buf, size_t len);

/* Refuses (lb_refuse) when the machine has stopped: where C code is about to
 * call scenario code back (a comparator, a replacement function). */
void lb_check_running(lua_State *L);

/* Raises a structured exception (a table {code, text} with the
 * "drvsim.exception" metatable) into the calling code: __try may handle it;
 * unhandled in a driver routine it is the bug check Windows gives. `text`
 * (or NULL) is the report's detail. Never returns. */
int lb_raise_exception(lua_State *L, NTSTATUS code, const char *text);
/* The same, naming what raised it ("nt_assert", "breakpoint"), so that an
 * unhandled one is reported under its own rule. */
int lb_raise_exception_from(lua_State *L, NTSTATUS code, const char *text, const char *origin);

/* Registers DBG, ASSERT, ASSERTMSG, PAGED_CODE, DbgPrint, DbgPrintEx,
 * KdPrint, KdPrintEx (debug.c); lb_set_build makes DBG say the build. */
void lb_register_debug(lua_State *L);
void lb_register_wdk(lua_State *L);     /* wdk.c */
void lb_register_strsafe(lua_State *L); /* strsafe.c */
/* The call context of code running on a simulated processor, for routines
 * the binding implements itself (debug.c); and a printf-style format of the
 * arguments from `first` on (the format, then its arguments) into text, as
 * DbgPrint formats: false if a string pointer faulted (the machine stops). */
void lb_debug_call(lua_State *L, ke_call *call, const char *fn);
bool lb_format(lua_State *L, ke_call *call, const char *fn, int first, char *text, size_t len);
/* The structure type named by argument idx ("IRP" or the global IRP), and
 * a field path's offset in it, its type, and the field itself (pointer.c). */
ke_type_id lb_check_type(lua_State *L, int idx, const char *fn);
uint64_t lb_field_offset(lua_State *L, ke_type_id base, const char *path, const char *fn,
                         ke_type_id *type, const ke_field **field);
void lb_set_build(lua_State *L, ke_build build);

/* Registers PAGE (pageable.c). */
void lb_register_pageable(lua_State *L);
/* A DDI call from a driver (call->driver set): when the calling Lua
 * function is pageable code, its page must be resident. False when fetching
 * it faulted (the machine stopped). */
bool lb_pageable_fetch(lua_State *L, ke_call *call);

/* The unique error values the binding raises; compared by identity. */
extern const char lb_stop_key;     /* the machine stopped */
extern const char lb_scenario_key; /* a scenario error was recorded */

/* ------------------------------------------------------------------------ */
/* DDI calls (used by the generated wrappers)                               */
/* ------------------------------------------------------------------------ */

/*
 * The steps every wrapper takes (lb_call_begin, lb_trace_call, the DDI,
 * lb_trace_return, lb_call_end, lb_call_return) are inline below, their
 * rare paths out of line in binding.c: they run on every Lua DDI call, whose
 * cost is mostly the calls between small functions (issue 18 item 5).
 */

/* Forced inline when optimising: gcc would keep one out-of-line copy of
 * these for the 559 wrappers of ddi_lua.c, and the calls are what costs.
 * Not at -O0 (CI's sanitized build), where forcing them into every wrapper
 * makes ddi_lua.c take minutes to compile and buys nothing: the same code
 * runs either way. */
#ifdef __OPTIMIZE__
#define LB_HOT static inline __attribute__((always_inline))
#else
#define LB_HOT static inline
#endif

/* lb_call_begin's refusals, in their order: the machine stopped, no thread
 * runs, the fault predicate runs. Called when one of them holds. */
_Noreturn void lb_call_refused(lua_State *L, uint16_t ddi);

/* Fills call for the running thread and returns the import table the call
 * goes through: the calling image's, or the kernel's for harness code.
 * Refuses (raises) when the machine has stopped or no thread runs. */
LB_HOT const ddi_imports *lb_call_begin(lua_State *L, ke_call *call, uint16_t ddi)
{
    lb_state *lb = lb_get(L);
    ke_machine *m = lb->m;
    ke_exec *exec = lb->current;
    /* Any refusal at all: lb_call_refused sorts out which one. An execution
     * runs only inside ke_run (lb_host_resume), while lb->m is the machine:
     * with exec set, m is. */
    if (exec == NULL || lb->refusing != 0 || ke_stopped(m))
        lb_call_refused(L, ddi);
    const ke_frame *frame = ke_top_frame(exec);
    *call = (ke_call){.m = m,
                      .exec = exec,
                      .thread = exec->thread,
                      .driver = frame != NULL ? frame->driver : NULL,
                      .ddi = ddi};
    if (lb->pageable_count > 0 && call->driver != NULL && !lb_pageable_fetch(L, call))
        lb_refuse(L);
    return call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
}

/* After the kernel returned: true if the caller must not continue (the
 * machine stopped). A raised structured exception is raised into Lua here. */
static inline bool lb_call_end(lua_State *L, ke_call *call)
{
    if (ke_stopped(call->m))
        return true;
    if (call->raised != 0)
        lb_raise_exception(L, call->raised, NULL);
    return false;
}

/* The same in a generated wrapper, where `stopped` is what lb_trace_return
 * answered just before (nothing ran since that could stop the machine): the
 * machine's state is not read again. */
LB_HOT bool lb_call_ended(lua_State *L, const ke_call *call, bool stopped)
{
    if (stopped)
        return true;
    if (call->raised != 0)
        lb_raise_exception(L, call->raised, NULL);
    return false;
}

/* What a blocked DDI returns once the kernel readies its thread again:
 * nothing, the wait's status, or the result the wrapper pushed before
 * blocking. */
typedef enum lb_block_returns {
    LB_BLOCK_NOTHING = 0,
    LB_BLOCK_STATUS = 1,
    LB_BLOCK_RESULT = 2,
} lb_block_returns;

/* The wrapper of a DDI that blocked: yields the thread until it is ready. */
int lb_call_block(lua_State *L, ke_call *call, lb_block_returns returns);

/* Yields the running execution at a preemption point the scheduler took;
 * when it is resumed, `wrapper` (the C function that yields, or the DDI's
 * wrapper) runs again with the same arguments. Does not return. */
int lb_yield_again(lua_State *L, lua_CFunction wrapper);

/* The wrapper of a DDI whose processor must spin: yields it; when the lock
 * is free, the wrapper runs again with the same arguments. */
int lb_call_spin(lua_State *L, ke_call *call, lua_CFunction wrapper);

/* The wrapper of a kernel synchronization DDI that delay fuzzing held back
 * before it took effect (call->delayed, ke_delay_call): yields; once the
 * delay has passed, the wrapper runs again with the same arguments and the
 * call goes through. */
int lb_call_delayed(lua_State *L, ke_call *call, lua_CFunction wrapper);

/* The wrapper of a DDI that did its loads (call->again): a preemption point
 * between them and its stores, then the wrapper runs again with the same
 * arguments and the DDI finishes. */
int lb_call_again(lua_State *L, ke_call *call, lua_CFunction wrapper);

/* The wrapper of a DDI that pushed a callout (KeSynchronizeExecution,
 * IoCallDriver, IoCompleteRequest, IoCancelIrp): runs the driver routine on
 * the calling execution, then the DDI's next step (ke_callout_end), which
 * may call the next routine of a chain; `ret` says what the DDI returns. */
enum lb_ret { LB_RET_VOID, LB_RET_BOOL, LB_RET_STATUS, LB_RET_IRP };
int lb_call_callout(lua_State *L, ke_call *call, int ret);
/* The same for a DDI with out parameters (integers, at most 2): returned
 * after its result once the chain ends (ke_exec.callout_outs). */
int lb_call_callout_outs(lua_State *L, ke_call *call, int ret, int outs);

/* Yields at the preemption point the scheduler took; resumed, the wrapper
 * returns its `nresults` results, still on the stack. */
int lb_call_yield(lua_State *L, int nresults);

/* The end of every DDI wrapper, its `nresults` results pushed: the
 * preemption point, where the execution may yield to another processor's. */
LB_HOT int lb_call_return(lua_State *L, ke_call *call, int nresults)
{
    /* Only where Lua can suspend the caller; elsewhere (a sort comparator,
     * a metamethod) the call simply is not a preemption point. */
    if (!lua_isyieldable(L) || !ke_preempt_point(call))
        return nresults;
    return lb_call_yield(L, nresults);
}

/* lb_call_return where the machine is known to be running: after
 * lb_call_ended answered false, with only integers and booleans pushed
 * since (which allocate nothing, so no collection runs a finalizer's code,
 * which could stop the machine). The generated wrappers of most DDIs. */
LB_HOT int lb_call_return_running(lua_State *L, ke_call *call, int nresults)
{
    if (!lua_isyieldable(L) || !ke_preempt_point_running(call))
        return nresults;
    return lb_call_yield(L, nresults);
}

/*
 * The two records of every DDI call, KE_TR_CALL and KE_TR_RETURN, laid out
 * as ke.h gives them (as ke_trace_begin and the des_rec_* writers would
 * build them): encoded straight into the digest's pending block when no
 * sink listens (des_commit_direct), into a des_rec for des_commit otherwise
 * (lb_trace_call_rec, lb_trace_return_rec): the same bytes either way.
 */
#define LB_TRACE_CALL_BYTES(argc) ((uint16_t)(20u + 8u * (argc)))
#define LB_TRACE_RETURN_BYTES     24u

/* What the two records say of the call, read from it before their first
 * byte is stored: a byte store may alias anything, and would make the
 * compiler read the call again for every field. */
typedef struct lb_call_fields {
    uint64_t now;
    uint32_t thread;
    uint16_t ddi;
    uint8_t cpu;
    KIRQL irql;
    uint8_t driver; /* ke_trace_driver's number: the image's index, 0xFF for harness code */
} lb_call_fields;

LB_HOT lb_call_fields lb_call_fields_of(const ke_call *call)
{
    return (lb_call_fields){
        .now = call->m->des.now_100ns,
        .thread = call->thread->id,
        .ddi = call->ddi,
        .cpu = (uint8_t)call->exec->cpu,
        .irql = ke_call_irql(call),
        .driver = call->driver != NULL ? (uint8_t)call->driver->index : 0xFF,
    };
}

LB_HOT void lb_encode_call(uint8_t *p, const lb_call_fields *f, unsigned argc,
                           const uint64_t *args)
{
    p = des_put_le(p, KE_TR_CALL, 2);
    p = des_put_le(p, f->now, 8);
    p = des_put_le(p, f->ddi, 2);
    p = des_put_le(p, f->thread, 4);
    p = des_put_le(p, f->cpu, 1);
    p = des_put_le(p, f->irql, 1);
    p = des_put_le(p, f->driver, 1);
    p = des_put_le(p, (uint8_t)argc, 1);
    for (unsigned i = 0; i < argc; i++)
        p = des_put_le(p, args[i], 8);
}

LB_HOT void lb_encode_return(uint8_t *p, const lb_call_fields *f, uint64_t value)
{
    p = des_put_le(p, KE_TR_RETURN, 2);
    p = des_put_le(p, f->now, 8);
    p = des_put_le(p, f->ddi, 2);
    p = des_put_le(p, f->thread, 4);
    des_put_le(p, value, 8);
}

void lb_trace_call_rec(ke_call *call, unsigned argc, const uint64_t *args);
void lb_trace_return_rec(ke_call *call, uint64_t value);

LB_HOT void lb_trace_call(ke_call *call, unsigned argc, const uint64_t *args)
{
    DES_CHECK(argc <= (DES_REC_MAX_BYTES - 20u) / 8u);
    const lb_call_fields f = lb_call_fields_of(call);
    uint8_t *p = des_commit_direct(&call->m->des, LB_TRACE_CALL_BYTES(argc));
    if (p != NULL)
        lb_encode_call(p, &f, argc, args);
    else
        lb_trace_call_rec(call, argc, args);
}

/* Returns whether the machine stopped (then nothing is traced). */
LB_HOT bool lb_trace_return(ke_call *call, uint64_t value)
{
    if (ke_stopped(call->m))
        return true;
    const lb_call_fields f = lb_call_fields_of(call);
    uint8_t *p = des_commit_direct(&call->m->des, LB_TRACE_RETURN_BYTES);
    if (p != NULL)
        lb_encode_return(p, &f, value);
    else
        lb_trace_return_rec(call, value);
    return false;
}

/* Argument checks (marshal.c): a wrong type or range is a scenario error
 * naming the DDI and the parameter. */
/* lb_check_irql's errors, for a value that is no KIRQL. */
_Noreturn void lb_bad_irql(lua_State *L, int arg, const char *fn, const char *param);
/* Inline: KeRaiseIrql and KeLowerIrql take one, the cheapest DDI calls. */
static inline KIRQL lb_check_irql(lua_State *L, int arg, const char *fn, const char *param)
{
    int isnum; /* lua_tointegerx always sets it */
    lua_Integer v = lua_tointegerx(L, arg, &isnum);
    if (!isnum || v < 0 || v > 255)
        lb_bad_irql(L, arg, fn, param);
    return (KIRQL)v;
}
ULONG lb_check_ulong(lua_State *L, int arg, const char *fn, const char *param);
/* A POOL_TYPE: a ULONG, with NonPagedPool read as NonPagedPoolNx in the code
 * of an image that opted in (ExInitializeDriverRuntime: POOL_NX_OPTIN). */
ULONG lb_check_pool_type(lua_State *L, int arg, const char *fn, const char *param);
uint64_t lb_check_ulongptr(lua_State *L, int arg, const char *fn, const char *param);
uint64_t lb_check_size(lua_State *L, int arg, const char *fn, const char *param);
ULONG lb_check_tag(lua_State *L, int arg, const char *fn, const char *param);
PVOID_VA lb_check_ptr(lua_State *L, int arg, const char *fn, const char *param);
NTSTATUS lb_check_status(lua_State *L, int arg, const char *fn, const char *param);
uint8_t lb_check_uchar(lua_State *L, int arg, const char *fn, const char *param);
int32_t lb_check_long(lua_State *L, int arg, const char *fn, const char *param);
int64_t lb_check_int64(lua_State *L, int arg, const char *fn, const char *param);
uint64_t lb_check_u64(lua_State *L, int arg, const char *fn, const char *param);
uint64_t lb_check_handle(lua_State *L, int arg, const char *fn, const char *param);
uint32_t lb_check_routine(lua_State *L, int arg, const char *fn, const char *param);
ke_timeout lb_check_timeout(lua_State *L, int arg, const char *fn, const char *param);
/* PLARGE_INTEGER input: an integer, or a pointer to a LARGE_INTEGER (the
 * caller's own load). */
int64_t lb_check_plarge(lua_State *L, int arg, const char *fn, const char *param);
const ke_ptr_array *lb_check_objects(lua_State *L, int arg, const char *fn, const char *param,
                                     ke_ptr_array *storage);
void lb_push_long(lua_State *L, int64_t v);
void lb_push_client_id(lua_State *L, ke_client_id id);
bool lb_check_bool(lua_State *L, int arg, const char *fn, const char *param);
/* PCSZ / PCWSTR: a pointer, nil, or a Lua string stored once per image as a
 * literal (ANSI, or UTF-16 from UTF-8) in the calling code's storage. */
PVOID_VA lb_check_cstr(lua_State *L, int arg, const char *fn, const char *param);
PVOID_VA lb_check_wstr(lua_State *L, int arg, const char *fn, const char *param);
/* PUNICODE_STRING: a pointer, nil, or a Lua string made a UNICODE_STRING in
 * the caller's image. */
PVOID_VA lb_check_ustr(lua_State *L, int arg, const char *fn, const char *param);
/* A DEVICE_OBJECT pointer whose fields read by name. */
void lb_push_device(lua_State *L, PVOID_VA va);
void lb_push_irp(lua_State *L, PVOID_VA va);
void lb_push_dma_adapter(lua_State *L, PVOID_VA va);
void lb_push_stack_location(lua_State *L, PVOID_VA va);
/* A routine returned by a DDI (IoSetCancelRoutine's previous one), or nil. */
void lb_push_routine_or_nil(lua_State *L, uint32_t r);
/* Forgets an image's literals (it unloaded). */
void lb_forget_literals(lua_State *L, io_driver *d);

/* Zeroed storage for an object the running code declares: in its driver's
 * image (a C global), or kernel pool for harness code. */
PVOID_VA lb_object_storage(lua_State *L, uint32_t bytes, uint32_t align, const char *what);

static inline void lb_push_integer(lua_State *L, uint64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
}
void lb_push_status(lua_State *L, NTSTATUS s);
/* A pointer userdata, or nil for NULL. */
void lb_push_ptr(lua_State *L, PVOID_VA va);

/* Pointer and object userdata (pointer.c). */
PVOID_VA lb_to_ptr(lua_State *L, int idx, bool *ok);
/* A pointer whose fields read by name (us.Length), for a ke_types type. */
void lb_push_typed_ptr(lua_State *L, PVOID_VA va, int type);
void lb_push_driver_object(lua_State *L, io_driver *d);
/* Calls a driver routine (the function and its nargs arguments on the
 * stack) as the kernel calls one: its frame, the message handler; k
 * continues with ctx. In k,
 * lb_routine_returned removes the handler (true: the routine failed, and
 * lb_routine_failed reports it). */
int lb_call_routine(lua_State *L, io_driver *d, const char *routine, uint64_t code, uint8_t role,
                    int nargs, int nresults, lua_KContext ctx, lua_KFunction k);
bool lb_routine_returned(lua_State *L, int status, int nresults);
int lb_routine_failed(lua_State *L, io_driver *d);

/* Routines: driver functions the kernel refers to by number. */
io_routine lb_routine_ref(lua_State *L, int idx);
void lb_push_routine(lua_State *L, io_routine r);

/* Harness helpers. */
uint64_t lb_check_duration(lua_State *L, int arg, const char *fn);
/* Raises unless the calling code can be suspended (a wait must be able to
 * yield). */
void lb_check_yieldable(lua_State *L, const char *fn);
/* Raises unless the code runs on the harness thread outside driver code. */
void lb_check_harness(lua_State *L, const char *fn);

/* A kernel call context for harness code on the running thread (no driver,
 * no DDI id): for the harness functions' own calls into the kernel. */
void lb_harness_call(lua_State *L, ke_call *call);

#endif /* DRVSIM_LUA_BINDING_H */
