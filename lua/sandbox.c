/*
 * sandbox.c - the Lua state scenarios run in (CONTRACT 3).
 *
 * Allow-listed globals only; no io, os, require, debug, coroutine (threads
 * are the simulator's), no bytecode. Everything that could make a run depend
 * on the host is replaced:
 *  - math.random draws from the run's "lua" PRNG stream;
 *  - pairs() and next() visit keys in a fixed order (numbers, then strings,
 *    then booleans), since Lua's own order depends on a per-process hash
 *    seed; table.sort is a stable merge sort, since Lua's own picks pivots
 *    from the host's clock;
 *  - tostring() and string.format("%s") of tables, functions and threads
 *    give the type name, not a host address; "%p" is refused; a NaN is
 *    "nan" whatever its sign (tostring, print, string.format);
 *  - __gc, __mode and __close are refused in metatables (see "Metatables"
 *    below); the host's metatables are protected; collectgarbage is absent;
 *  - load() takes a string only, and Lua source only;
 *  - print() writes to standard error (the run's report owns stdout).
 * A count hook bounds the instructions a run may execute; library functions
 * that do work in C on Lua's behalf charge it to the same budget (charged.c,
 * pattern.c); the allocator bounds the host memory the state may hold.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "binding.h"
#include "io/io.h"

/* Larger than any short (interned) string object: Lua 5.4 interns strings of
 * at most 40 bytes, 65 bytes with the header on a 64-bit host. */
#define LB_LONG_STRING_BYTES 100

volatile sig_atomic_t lb_host_time_up;

/*
 * Small blocks (issue 18: glibc's malloc, realloc and free were a sixth of a
 * fault sweep's seed, most of it the state's own set-up and lua_close). A
 * block of at most LB_SMALL_MAX bytes is malloc'd at the size of its class
 * (16-byte steps), and when Lua frees it, it waits on its class's list for
 * the next block of that class, in this state or the next one of the
 * process (a sweep's worker). Lua initialises every byte of an object it
 * reads, as it must with malloc, so nothing of an earlier state is seen.
 * The lists hold LB_SMALL_CACHE_BYTES at most (the rest goes back to free),
 * so what they keep from a large state is bounded. A block is at least as
 * large as the class of the list it waits on and as Lua's size for it
 * (osize), which is all the lists rely on: any block may go back to
 * free(). Sanitized builds use malloc for every block, so that the
 * sanitizer sees each object.
 */
#if defined(__SANITIZE_ADDRESS__)
#define LB_SMALL_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define LB_SMALL_MAX 0
#endif
#endif
#ifndef LB_SMALL_MAX
#define LB_SMALL_MAX 512
#endif
#define LB_SMALL_CLASSES (LB_SMALL_MAX / 16 + 1)
#define LB_SMALL_CACHE_BYTES (1u << 20)

static void *small_free[LB_SMALL_CLASSES];
static size_t small_cached_bytes;

static inline bool small(size_t n)
{
    return n <= LB_SMALL_MAX;
}

/* n in 1..LB_SMALL_MAX: the class's size. */
static inline size_t small_size(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static void *block_acquire(size_t n)
{
    if (!small(n))
        return malloc(n);
    size_t size = small_size(n);
    void **head = &small_free[size / 16];
    void *p = *head;
    if (p == NULL)
        return malloc(size);
    memcpy(head, p, sizeof *head);
    small_cached_bytes -= size;
    return p;
}

/* p holds at least n bytes (n > 0). */
static void block_release(void *p, size_t n)
{
    size_t size = small_size(n);
    if (n == 0 || !small(n) || small_cached_bytes + size > LB_SMALL_CACHE_BYTES) {
        free(p);
        return;
    }
    void **head = &small_free[size / 16];
    memcpy(p, head, sizeof *head);
    *head = p;
    small_cached_bytes += size;
}

static void *block_resize(void *p, size_t osize, size_t nsize)
{
    if (!small(osize) && !small(nsize))
        return realloc(p, nsize);
    if (small(osize) && small(nsize) && small_size(osize) == small_size(nsize))
        return p;
    void *q = block_acquire(nsize);
    if (q == NULL)
        return nsize <= osize ? p : NULL; /* a shrink: p is large enough */
    memcpy(q, p, osize < nsize ? osize : nsize);
    block_release(p, osize);
    return q;
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lb_state *lb = ud;
    bool new_string = ptr == NULL && osize == LUA_TSTRING; /* osize: the new object's type */
    if (ptr == NULL)
        osize = 0; /* osize then encodes the object type, not a size */
    if (nsize == 0) {
        if (ptr != NULL)
            block_release(ptr, osize);
        lb->memory_bytes -= osize;
        return NULL;
    }
    if (nsize > osize && lb->memory_bytes - osize + nsize > lb->memory_limit_bytes)
        return NULL; /* Lua raises "not enough memory" */
    void *grown = ptr == NULL ? block_acquire(nsize) : block_resize(ptr, osize, nsize);
    if (grown != NULL)
        lb->memory_bytes = lb->memory_bytes - osize + nsize;
    /* A new long string is charged one instruction a byte (charged.c): the
     * work of whatever made it (string.rep, `..`, table.concat ...). Short
     * strings are interned, and whether one is new depends on the garbage
     * collector; long ones are always new. Over the budget, the hook stops
     * the run at the next instruction. */
    if (grown != NULL && new_string && nsize > LB_LONG_STRING_BYTES)
        lb->instructions += nsize;
    return grown;
}

/*
 * Ends the run: the instruction budget is spent (outcome "timeout") or the
 * host's time is up (--host-timeout: outcome "error", and the digest is not
 * reported, since where the run stood depends on the host's speed). Names
 * the line and the driver routine the code was in. Returns; the caller
 * unwinds.
 */
static void budget_stop(lua_State *L, lb_state *lb)
{
    bool host = lb_host_time_up != 0;
    char where[400] = "", message[600], limit[96];
    lb_host_site_name(lb, lb_host_site(lb, NULL), where, sizeof where);
    const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
    if (host)
        snprintf(limit, sizeof limit, "host time limit reached (--host-timeout)");
    else
        snprintf(limit, sizeof limit, "instruction limit reached (%llu Lua instructions)",
                 (unsigned long long)lb->instruction_limit);
    snprintf(message, sizeof message, "%s%s%s%s%s%s%s", limit, frame && frame->driver ? " in " : "",
             frame && frame->driver ? frame->driver->name : "", frame && frame->driver ? " " : "",
             frame && frame->driver ? frame->routine : "", where[0] ? " at " : "", where);
    (void)L;
    if (host)
        lb->host_timed_out = true;
    if (lb->m != NULL) {
        ke_stop_machine(lb->m, host ? KE_STOP_SCENARIO_ERROR : KE_STOP_LIMIT, "%s", message);
    } else if (!lb->stopped_early) {
        lb->stopped_early = true;
        lb->early_outcome = host ? DRVSIM_OUTCOME_ERROR : DRVSIM_OUTCOME_TIMEOUT;
        snprintf(lb->early_message, sizeof lb->early_message, "%s", message);
    }
}

/*
 * Counting instructions exactly, cheaply.
 *
 * The count hook fires every `step` instructions of a coroutine, and Lua's
 * API cannot say how far the count had got when a coroutine ends: with a
 * fixed step of 1,000, a DPC of 20 instructions was never charged, and a
 * step of 1 costs about 120 host instructions a Lua instruction (+36% on a
 * loop of DDI calls). So each execution's coroutine starts at step 1, the
 * step doubles at each firing up to HOOK_STEP_MAX (and never passes what is
 * left of the budget, so the limit stops a run at its exact instruction),
 * and when the coroutine returns, the instructions since the last firing
 * are measured: a probe function runs on it until the hook fires, and the
 * probe's own progress (a counter and the line it is at) says how many of
 * the step were still to go. The ramp keeps the probe short: at most as
 * long as the execution. The probe's arithmetic is checked against Lua when
 * the state is created; should it not hold (another Lua), the step stays 1.
 */
#define HOOK_STEP_MAX 1024

/* Lines 2, 4 and 5: LOADI, ADDI, JMP; a loop of two instructions. */
static const char probe_source[] = "return function()\n"
                                   "  local n = 0\n"
                                   "  ::top::\n"
                                   "  n = n + 1\n"
                                   "  goto top\n"
                                   "end\n";

static const char probe_key = 0; /* ends the probe */

static void instruction_hook(lua_State *L, lua_Debug *ar);

/* In the hook, inside the probe: which instruction of it is being fetched,
 * counting from 1. Ends the probe. */
static int probe_fired(lua_State *L, lua_Debug *ar, lb_state *lb)
{
    lua_Integer n = 0;
    lua_getinfo(L, "l", ar);
    const char *name = lua_getlocal(L, ar, 1);
    if (name != NULL) {
        n = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        lua_pop(L, 1);
    }
    switch (ar->currentline) {
    case 2:
        lb->probe_fetched = 1;
        break; /* LOADI */
    case 4:
        lb->probe_fetched = 2 + 2 * (uint64_t)n;
        break; /* ADDI, n increments done */
    case 5:
        lb->probe_fetched = 1 + 2 * (uint64_t)n;
        break; /* JMP after the nth */
    default:
        lb->probe_fetched = 0;
        break;
    }
    lua_pushlightuserdata(L, (void *)&probe_key);
    return lua_error(L);
}

/* How many instructions co's count had still to go: runs the probe on co (a
 * coroutine that has returned) until the hook fires. 0 if it cannot say. */
static uint64_t probe_remaining(lb_state *lb, lua_State *co)
{
    int top = lua_gettop(co);
    lua_rawgeti(co, LUA_REGISTRYINDEX, lb->probe_ref);
    lb->probing = true;
    lb->probe_fetched = 0;
    int status = lua_pcall(co, 0, 0, 0);
    lb->probing = false;
    bool ours = status != LUA_OK && lua_touserdata(co, -1) == &probe_key;
    lua_settop(co, top);
    return ours ? lb->probe_fetched : 0;
}

/* The count hook: charges the step that just ran out. */
static void instruction_hook(lua_State *L, lua_Debug *ar)
{
    lb_state *lb = lb_get(L);
    if (lb->probing) {
        probe_fired(L, ar, lb);
        return;
    }
    uint64_t step = (uint64_t)lua_gethookcount(L);
    lb->instructions += step;
    if (lb->instructions <= lb->instruction_limit && !lb_host_time_up) {
        uint64_t left = lb->instruction_limit - lb->instructions;
        uint64_t next = step * 2 < lb->hook_step_max ? step * 2 : lb->hook_step_max;
        if (next - 1 > left)
            next = left + 1; /* fire at the first instruction past the budget */
        if (next != step)
            lua_sethook(L, instruction_hook, LUA_MASKCOUNT, (int)next);
        return;
    }
    budget_stop(L, lb);
    /* A hook may yield only from a count or line event, with no values. */
    if (lua_isyieldable(L)) {
        lua_yield(L, 0);
        return;
    }
    lua_pushlightuserdata(L, (void *)&lb_stop_key);
    lua_error(L);
}

void lb_hook_thread(lua_State *co)
{
    lb_state *lb = lb_get(co);
    int step = 1;
    /* Where the tail is read directly (lb_charge_pending), the step needs
     * no ramp: the largest from the first instruction, never past what is
     * left of the budget (the ramp keeps the probe short; see above). */
    if (lb_tail_read_directly() && lb->instructions < lb->instruction_limit && !lb_host_time_up) {
        uint64_t left = lb->instruction_limit - lb->instructions;
        step = left + 1 < lb->hook_step_max ? (int)(left + 1) : (int)lb->hook_step_max;
    }
    lua_sethook(co, instruction_hook, LUA_MASKCOUNT, step);
}

/*
 * The count still to go, read where Lua keeps it.
 *
 * Running the probe costs about 1,300 host instructions each time an
 * execution returns (a periodic DPC's run is about 16,000). Lua keeps the
 * count still to go in its lua_State (hookcount, beside basehookcount: both
 * set to the step by lua_sethook, hookcount decremented at each instruction
 * and reset when the hook fires), but not where the API reads it, and
 * struct lua_State's layout differs between 5.4 releases. So its place is
 * found once per process, on a thread of the first state: the ints of the
 * thread's object (its size from the allocator, Lua passing the object's
 * type when it makes one) that are two equal neighbours holding the step
 * after lua_sethook, for two different steps; then, for a few steps and a
 * few functions run on the thread, the value read there must be what the
 * probe measures. A single place passing every check is read from then on;
 * otherwise the probe measures every tail, as before.
 */
static ptrdiff_t hookcount_at = -1; /* from a lua_State; -1 not found */

static lua_Alloc recorded_alloc;
static void *thread_block;
static size_t thread_bytes;

/* The allocator while the check makes its thread: notes the thread's. */
static void *recording_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void *p = recorded_alloc(ud, ptr, osize, nsize);
    if (ptr == NULL && osize == LUA_TTHREAD && p != NULL) {
        thread_block = p;
        thread_bytes = nsize;
    }
    return p;
}

static int read_int(const lua_State *t, ptrdiff_t at)
{
    int v;
    memcpy(&v, (const char *)t + at, sizeof v);
    return v;
}

/* Whether the int at `at` of t reads as the probe measures, for a few steps
 * and functions (checked on t, a thread of L's state; L's top holds them). */
static bool hookcount_reads_true(lb_state *lb, lua_State *L, lua_State *t, ptrdiff_t at)
{
    static const char *const bodies[] = {
        "return 1",
        "local a, b = 1, 2 return a + b",
        "local s = 0 for i = 1, 5 do s = s + i end return s",
    };
    static const int steps[] = {40, 97, 1000};
    for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
        for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
            if (luaL_loadstring(L, bodies[b]) != LUA_OK) {
                lua_pop(L, 1);
                return false;
            }
            lua_xmove(L, t, 1);
            lua_sethook(t, instruction_hook, LUA_MASKCOUNT, steps[k]);
            bool ran = lua_pcall(t, 0, 0, 0) == LUA_OK; /* never reaches the step */
            int read = read_int(t, at);
            uint64_t probed = probe_remaining(lb, t);
            lua_settop(t, 0);
            if (!ran || read < 1 || read >= steps[k] || (uint64_t)read != probed)
                return false;
        }
    }
    return true;
}

static void hookcount_find(lb_state *lb, lua_State *L)
{
    void *ud;
    recorded_alloc = lua_getallocf(L, &ud);
    thread_block = NULL;
    lua_setallocf(L, recording_alloc, ud);
    lua_State *t = lua_newthread(L);
    lua_setallocf(L, recorded_alloc, ud);
    if (t == NULL || thread_block == NULL || (char *)t < (char *)thread_block ||
        (char *)t >= (char *)thread_block + thread_bytes) {
        lua_pop(L, 1);
        return;
    }
    size_t span = (size_t)((char *)thread_block + thread_bytes - (char *)t);
    ptrdiff_t found = -1;
    int candidates = 0;
    for (size_t at = 0; at + 2 * sizeof(int) <= span; at += sizeof(int)) {
        static const int firsts[] = {238017, 127715};
        bool both = true;
        for (size_t k = 0; k < 2 && both; k++) {
            lua_sethook(t, instruction_hook, LUA_MASKCOUNT, firsts[k]);
            both = read_int(t, (ptrdiff_t)at) == firsts[k] &&
                   read_int(t, (ptrdiff_t)(at + sizeof(int))) == firsts[k];
        }
        if (both) {
            found = (ptrdiff_t)(at + sizeof(int)); /* basehookcount, then hookcount */
            candidates++;
        }
    }
    if (candidates == 1 && hookcount_reads_true(lb, L, t, found))
        hookcount_at = found;
    lua_sethook(t, NULL, 0, 0);
    lua_pop(L, 1);
}

static bool tail_by_probe;

bool lb_tail_read_directly(void)
{
    return hookcount_at >= 0 && !tail_by_probe;
}

void lb_tail_by_probe(bool by_probe)
{
    tail_by_probe = by_probe;
}

void lb_charge_pending(lua_State *co)
{
    if (!lb_tail_read_directly() || lua_gethook(co) != instruction_hook)
        return;
    lb_state *lb = lb_get(co);
    int step = lua_gethookcount(co);
    int left = read_int(co, hookcount_at);
    if (left >= 1 && left <= step && lb->instructions <= lb->instruction_limit)
        lb->instructions += (uint64_t)(step - left); /* a run the budget stopped stays at it */
    lua_sethook(co, instruction_hook, LUA_MASKCOUNT, step); /* counted to here */
}

void lb_charge_tail(lua_State *co)
{
    if (lb_tail_read_directly()) {
        lb_charge_pending(co);
        return;
    }
    lb_state *lb = lb_get(co);
    uint64_t step = (uint64_t)lua_gethookcount(co);
    if (step <= 1)
        return; /* counted to its last instruction */
    uint64_t remaining = probe_remaining(lb, co);
    /* 1..step; should the probe fail, the whole step (never less). */
    lb->instructions += remaining >= 1 && remaining <= step ? step - remaining : step;
}

static char *probe_code_buf; /* the probe compiled (lua_dump), once per process */
static size_t probe_code_len;

/* lua_dump's writer for the probe: appends to probe_code_buf (*ud its
 * length); a failure leaves nothing kept. */
static int probe_writer(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    size_t *len = ud;
    char *grown = realloc(probe_code_buf, *len + n);
    if (grown == NULL) {
        free(probe_code_buf);
        probe_code_buf = NULL;
        *len = 0;
        return 1;
    }
    memcpy(grown + *len, p, n);
    probe_code_buf = grown;
    *len += n;
    return 0;
}

/* Sets up the probe; checks its arithmetic once per process (it is the Lua
 * library's): the step stays 1 if it does not hold. */
static void probe_init(lb_state *lb, lua_State *L)
{
    static int holds = 0; /* 0 not checked yet, 1 holds, -1 does not */
    lb->probe_ref = LUA_NOREF;
    lb->hook_step_max = 1;
    if (holds < 0)
        return;
    /* Compiled once per process: each state loads the compiled chunk (its
     * lines kept: probe_fired reads them), not the text. */
    int loaded = probe_code_buf != NULL
                     ? luaL_loadbufferx(L, probe_code_buf, probe_code_len, probe_source, "b")
                     : luaL_loadstring(L, probe_source);
    if (loaded == LUA_OK && probe_code_buf == NULL)
        lua_dump(L, probe_writer, &probe_code_len, 0);
    if (loaded != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        return;
    }
    lb->probe_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (holds == 0) {
        lua_State *t = lua_newthread(L);
        holds = t != NULL ? 1 : -1;
        for (int count = 1; holds > 0 && count <= 12; count++) {
            lua_sethook(t, instruction_hook, LUA_MASKCOUNT, count);
            holds = probe_remaining(lb, t) == (uint64_t)count ? 1 : -1;
        }
        lua_pop(L, 1);
        if (holds > 0)
            hookcount_find(lb, L);
    }
    if (holds > 0)
        lb->hook_step_max = HOOK_STEP_MAX;
}

void lb_charge(lua_State *L, uint64_t instructions)
{
    lb_state *lb = lb_get(L);
    uint64_t left =
        lb->instructions >= lb->instruction_limit ? 0 : lb->instruction_limit - lb->instructions;
    if (instructions <= left && !lb_host_time_up) {
        lb->instructions += instructions;
        return;
    }
    /* Work past the budget is refused, not done: it counts up to the limit. */
    if (instructions > left && lb->instructions <= lb->instruction_limit)
        lb->instructions = lb->instruction_limit + 1;
    budget_stop(L, lb);
    lua_pushlightuserdata(L, (void *)&lb_stop_key);
    lua_error(L);
}

/* ------------------------------------------------------------------------ */
/* Deterministic pairs                                                      */
/* ------------------------------------------------------------------------ */

typedef struct key_entry {
    int type; /* LUA_TNUMBER, LUA_TSTRING, LUA_TBOOLEAN */
    bool is_integer;
    lua_Integer i;
    lua_Number n;
    const char *s;
    size_t len;
    int slot; /* index of the key in the keys table */
} key_entry;

static int type_rank(int type)
{
    return type == LUA_TNUMBER ? 0 : type == LUA_TSTRING ? 1 : 2;
}

static int compare_keys(const void *pa, const void *pb)
{
    const key_entry *a = pa, *b = pb;
    if (a->type != b->type)
        return type_rank(a->type) - type_rank(b->type);
    if (a->type == LUA_TNUMBER) {
        if (a->is_integer && b->is_integer)
            return (a->i > b->i) - (a->i < b->i);
        lua_Number x = a->is_integer ? (lua_Number)a->i : a->n;
        lua_Number y = b->is_integer ? (lua_Number)b->i : b->n;
        return (x > y) - (x < y);
    }
    if (a->type == LUA_TSTRING) {
        size_t len = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, len);
        return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
    }
    return (int)a->i - (int)b->i; /* booleans: false before true */
}

static int ordered_next(lua_State *L)
{
    /* upvalues: 1 the table, 2 the sorted keys, 3 the position */
    for (lua_Integer pos = lua_tointeger(L, lua_upvalueindex(3)) + 1;; pos++) {
        if (lua_rawgeti(L, lua_upvalueindex(2), pos) == LUA_TNIL)
            return 1;
        lua_pushinteger(L, pos);
        lua_replace(L, lua_upvalueindex(3));
        lua_pushvalue(L, -1);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
            return 2;
        lua_pop(L, 2); /* assigned nil during the traversal, as Lua allows */
    }
}

static int sandbox_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    lb_globals_settle(L, 1); /* the global table: every name, as registered */
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_newtable(L); /* the keys, kept alive while we sort pointers into them */
    int keys = lua_gettop(L);
    int count = 0;
    const char *unordered = NULL; /* the first type name, in byte order: the same every run */
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lua_pop(L, 1);
        int t = lua_type(L, -1);
        if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN) {
            if (unordered == NULL || strcmp(lua_typename(L, t), unordered) < 0)
                unordered = lua_typename(L, t);
            continue;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++count);
    }
    /* The keys visited and the comparisons of sorting them. */
    uint64_t log2_count = 0;
    while ((1ull << log2_count) < (uint64_t)count)
        log2_count++;
    lb_charge(L, (uint64_t)count * (1 + log2_count));
    if (unordered != NULL)
        return luaL_error(L,
                          "pairs: a table with %s keys has no deterministic order; keep such "
                          "values in an array",
                          unordered);
    key_entry *entries = lua_newuserdatauv(L, (size_t)count * sizeof *entries + 1, 0);
    for (int i = 0; i < count; i++) {
        key_entry *e = &entries[i];
        lua_rawgeti(L, keys, i + 1);
        e->type = lua_type(L, -1);
        e->slot = i + 1;
        e->is_integer = lua_isinteger(L, -1);
        e->i = e->type == LUA_TBOOLEAN ? lua_toboolean(L, -1) : lua_tointeger(L, -1);
        e->n = e->type == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
        e->s = e->type == LUA_TSTRING ? lua_tolstring(L, -1, &e->len) : NULL;
        lua_pop(L, 1);
    }
    qsort(entries, (size_t)count, sizeof *entries, compare_keys);
    lua_createtable(L, count, 0);
    for (int i = 0; i < count; i++) {
        lua_rawgeti(L, keys, entries[i].slot);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushvalue(L, 1);
    lua_insert(L, -2);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, ordered_next, 3);
    lua_pushnil(L);
    lua_pushnil(L);
    return 3;
}

/* The order of two keys (at a and b): as compare_keys, for values on the
 * stack. Keys without a deterministic order raise. */
static int compare_stack_keys(lua_State *L, int a, int b)
{
    key_entry e[2];
    int idx[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        int t = lua_type(L, idx[i]);
        if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN)
            return luaL_error(L,
                              "next: a table with %s keys has no deterministic order; keep "
                              "such values in an array",
                              lua_typename(L, t));
        e[i].type = t;
        e[i].is_integer = lua_isinteger(L, idx[i]);
        e[i].i = t == LUA_TBOOLEAN ? lua_toboolean(L, idx[i]) : lua_tointeger(L, idx[i]);
        e[i].n = t == LUA_TNUMBER ? lua_tonumber(L, idx[i]) : 0;
        e[i].s = t == LUA_TSTRING ? lua_tolstring(L, idx[i], &e[i].len) : NULL;
    }
    return compare_keys(&e[0], &e[1]);
}

/*
 * next(t [, k]) in pairs' order: the smallest key greater than k. One pass
 * over the table per call (no sorting, no state), so `next(t) == nil` stays
 * cheap; a whole traversal with next is quadratic, which is what pairs is
 * for.
 */
static int sandbox_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    lb_globals_settle(L, 1);
    bool have_best = false;
    const char *unordered = NULL; /* as in pairs: the same message every run */
    lua_pushnil(L);               /* 3: the best key so far */
    lua_pushnil(L);               /* 4: lua_next's cursor */
    uint64_t visited = 0;
    while (lua_next(L, 1) != 0) {
        lua_pop(L, 1);
        if (++visited == 4096) { /* a long scan: charged as it goes */
            lb_charge(L, visited);
            visited = 0;
        }
        int t = lua_type(L, 4);
        if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN) {
            if (unordered == NULL || strcmp(lua_typename(L, t), unordered) < 0)
                unordered = lua_typename(L, t);
            continue;
        }
        if (!lua_isnil(L, 2) && compare_stack_keys(L, 4, 2) <= 0)
            continue;
        if (!have_best || compare_stack_keys(L, 4, 3) < 0) {
            lua_pushvalue(L, 4);
            lua_replace(L, 3);
            have_best = true;
        }
    }
    lb_charge(L, visited);
    if (unordered != NULL)
        return luaL_error(L,
                          "next: a table with %s keys has no deterministic order; keep such "
                          "values in an array",
                          unordered);
    if (!have_best) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 3);
    lua_rawget(L, 1);
    return 2;
}

/* ------------------------------------------------------------------------ */
/* A deterministic table.sort                                               */
/* ------------------------------------------------------------------------ */

/* Whether the value at a sorts before the one at b. */
static bool sort_less(lua_State *L, int a, int b, bool has_comparator)
{
    if (!has_comparator)
        return lua_compare(L, a, b, LUA_OPLT);
    lb_check_running(L);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a);
    lua_pushvalue(L, b);
    lua_call(L, 2, 1);
    bool less = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return less;
}

/*
 * table.sort(t [, comp]) as a stable bottom-up merge sort. Lua's own sort
 * picks a pivot from clock() and time() once a partition is unbalanced, so
 * the comparisons it makes, and the order of equal elements, depend on the
 * host; this one depends on the values only.
 */
static int sandbox_sort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    bool has_comparator = !lua_isnoneornil(L, 2);
    if (has_comparator)
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n < INT32_MAX, 1, "array too big");
    lua_createtable(L, (int)n, 0); /* 3: source run */
    lua_createtable(L, (int)n, 0); /* 4: destination run */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        lua_seti(L, 3, i);
    }
    int from = 3, to = 4;
    for (lua_Integer width = 1; width < n; width *= 2) {
        for (lua_Integer lo = 0; lo < n; lo += 2 * width) {
            lua_Integer mid = lo + width < n ? lo + width : n;
            lua_Integer hi = lo + 2 * width < n ? lo + 2 * width : n;
            lua_Integer i = lo, j = mid;
            for (lua_Integer k = lo; k < hi; k++) {
                lb_charge(L, 1); /* one move, at most one comparison */
                bool right = i >= mid;
                if (!right && j < hi) {
                    lua_geti(L, from, j + 1);
                    lua_geti(L, from, i + 1);
                    right = sort_less(L, -2, -1, has_comparator); /* equal: left first */
                    lua_pop(L, 2);
                }
                lua_geti(L, from, (right ? j++ : i++) + 1);
                lua_seti(L, to, k + 1);
            }
        }
        int swap = from;
        from = to;
        to = swap;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, from, i);
        lua_seti(L, 1, i);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Host-independent text                                                    */
/* ------------------------------------------------------------------------ */

/* Whether the value at idx is a float NaN. */
static bool is_nan(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TNUMBER || lua_isinteger(L, idx))
        return false;
    lua_Number n = lua_tonumber(L, idx);
    return n != n;
}

/* Converts the value at idx as tostring() would, minus host addresses, and
 * with every NaN "nan": the sign of a NaN is the processor's (0/0 is
 * negative on x86-64, positive on arm64) and glibc prints it ("-nan"). */
static const char *safe_tostring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    if (is_nan(L, idx)) {
        lua_pushliteral(L, "nan");
        return lua_tolstring(L, -1, len);
    }
    if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        return luaL_tolstring(L, idx, len); /* ours and the scenario's own */
    }
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
    case LUA_TFUNCTION:
    case LUA_TTHREAD:
    case LUA_TUSERDATA:
    case LUA_TLIGHTUSERDATA:
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tolstring(L, -1, len);
    default:
        return luaL_tolstring(L, idx, len);
    }
}

static int sandbox_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    safe_tostring(L, 1, NULL);
    return 1;
}

static int sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        /* The buffer may hold a box on the stack: only luaL_addvalue may
         * take a value from above it. */
        if (i > 1)
            luaL_addchar(&b, '\t');
        safe_tostring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len = 0;
    const char *line = lua_tolstring(L, -1, &len);
    fwrite(line, 1, len, stderr);
    return 0;
}

/* string.format with %s made host-independent and %p refused. */
static int sandbox_format(lua_State *L)
{
    size_t len = 0;
    const char *fmt = luaL_checklstring(L, 1, &len);
    int arg = 1;
    for (size_t i = 0; i < len; i++) {
        if (fmt[i] != '%')
            continue;
        i++;
        if (i < len && fmt[i] == '%')
            continue;
        while (i < len && strchr("-+ #0123456789.", fmt[i]) != NULL)
            i++;
        arg++;
        if (i >= len)
            break;
        if (fmt[i] == 'p')
            return luaL_error(L, "string.format: %%p shows host addresses; drvsim does not "
                                 "allow it");
        if (fmt[i] == 's' && arg <= lua_gettop(L) && (!lua_isstring(L, arg) || is_nan(L, arg))) {
            safe_tostring(L, arg, NULL);
            lua_replace(L, arg);
        }
        /* A NaN prints with the processor's sign: always the positive one. */
        if (strchr("aAeEfFgG", fmt[i]) != NULL && arg <= lua_gettop(L) && is_nan(L, arg)) {
            lua_pushnumber(L, (lua_Number)NAN);
            lua_replace(L, arg);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/*
 * Metatables. Three metamethods would let scenario code run, or values
 * vanish, at moments the scenario does not decide:
 *  - __gc: a finalizer runs when the collector gets to it, which depends on
 *    the host's allocation sizes and the Lua version, and runs with the
 *    count hook off;
 *  - __mode: entries of a weak table vanish at the same moments;
 *  - __close: a to-be-closed variable's handler runs while an error
 *    unwinds, including the error that a stopped machine raises in code Lua
 *    cannot suspend (a table.sort comparator): scenario code would keep
 *    running after the machine stopped.
 * So no metatable may hold them. Lua reads __gc when setmetatable is called
 * and __mode and __close whenever it needs them, so a table that is a
 * metatable must also never gain them: every such table is sealed, its own
 * metatable being a guard (below) whose __newindex refuses them, rawset
 * refuses them anywhere, and setmetatable cannot take the guard away. The
 * host's metatables (pointers, driver objects, exceptions) are protected
 * with __metatable: getmetatable gives their name, and they cannot be
 * changed; the string metatable is sealed like the scenario's own.
 *
 * The guard of a sealed table is hidden from the scenario: getmetatable
 * gives the metatable the scenario gave the table (or nil). When it gave
 * one (a class table with a base: setmetatable(Derived, {__index = Base})),
 * the guard passes __index, __newindex, __call and __tostring on to it;
 * other events of a metatable's own metatable do not apply.
 */

static const char guard_key = 0;  /* guard[&guard_key]: the scenario's metatable, or false */
static const char guard0_key = 0; /* registry: the guard of tables without one */

static const char *const forbidden_fields[] = {"__gc", "__mode", "__close"};

/* Whether key (at idx) is a field no metatable may hold. */
static bool forbidden_field(lua_State *L, int idx)
{
    const char *k = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
    for (size_t i = 0; k != NULL && i < sizeof forbidden_fields / sizeof *forbidden_fields; i++) {
        if (strcmp(k, forbidden_fields[i]) == 0)
            return true;
    }
    return false;
}

static int refuse_field(lua_State *L, const char *field)
{
    if (strcmp(field, "__close") == 0)
        return luaL_error(L, "__close runs scenario code while an error unwinds, also after the "
                             "machine stopped; drvsim does not allow it");
    return luaL_error(L, "%s depends on when the garbage collector runs; drvsim does not allow it",
                      field);
}

/* The scenario's metatable behind the guard of the table at idx, pushed
 * (nil for none); false when the table is not sealed (nothing pushed). */
static bool sealed_with(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return false;
    int type = lua_rawgetp(L, -1, &guard_key);
    lua_remove(L, -2);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    if (type == LUA_TBOOLEAN) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    return true;
}

/* The guard's __newindex: refuses the forbidden fields, then assigns as the
 * scenario's metatable (upvalue 1, nil for none) would have. */
static int guard_newindex(lua_State *L)
{
    if (forbidden_field(L, 2))
        return refuse_field(L, lua_tostring(L, 2));
    lua_settop(L, 3);
    if (lua_istable(L, lua_upvalueindex(1))) {
        lua_pushliteral(L, "__newindex");
        lua_rawget(L, lua_upvalueindex(1));
    } else {
        lua_pushnil(L);
    }
    if (lua_isnil(L, 4)) {
        lua_pop(L, 1);
        lua_rawset(L, 1);
        return 0;
    }
    lb_check_running(L);
    if (lua_isfunction(L, 4)) {
        lua_insert(L, 1);
        lua_call(L, 3, 0);
    } else {
        lua_replace(L, 1);
        lua_settable(L, 1);
    }
    return 0;
}

/* The guard's __index: as the scenario's metatable (upvalue 1) would. */
static int guard_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushliteral(L, "__index");
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL)
        return 1;
    lb_check_running(L);
    if (lua_isfunction(L, 3)) {
        lua_insert(L, 1);
        lua_call(L, 2, 1);
    } else {
        lua_insert(L, 1);
        lua_gettable(L, 1);
    }
    return 1;
}

/* The guard's __call: as the scenario's metatable (upvalue 1) would. */
static int guard_call(lua_State *L)
{
    lua_pushliteral(L, "__call");
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL)
        return luaL_error(L, "attempt to call a table value");
    lb_check_running(L);
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* The guard's __tostring: the scenario's, or the sandbox's "table". */
static int guard_tostring(lua_State *L)
{
    lua_settop(L, 1);
    lua_pushliteral(L, "__tostring");
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL) {
        lua_pushliteral(L, "table");
        return 1;
    }
    lb_check_running(L);
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    return 1;
}

/* Makes the table at idx sealed, passing events on to the scenario's
 * metatable at mt (0: none). */
static void set_guard(lua_State *L, int idx, int mt)
{
    idx = lua_absindex(L, idx);
    if (mt == 0) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &guard0_key);
        lua_setmetatable(L, idx);
        return;
    }
    mt = lua_absindex(L, mt);
    static const struct {
        const char *event;
        lua_CFunction fn;
    } events[] = {{"__newindex", guard_newindex},
                  {"__index", guard_index},
                  {"__call", guard_call},
                  {"__tostring", guard_tostring}};
    lua_createtable(L, 0, 5);
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        lua_pushvalue(L, mt);
        lua_pushcclosure(L, events[i].fn, 1);
        lua_setfield(L, -2, events[i].event);
    }
    lua_pushvalue(L, mt);
    lua_rawsetp(L, -2, &guard_key);
    lua_setmetatable(L, idx);
}

/* Seals the table at idx, about to become a metatable (see above). */
static void seal(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!lua_getmetatable(L, idx)) {
        set_guard(L, idx, 0);
        return;
    }
    int mt = lua_gettop(L);
    bool guarded = lua_rawgetp(L, mt, &guard_key) != LUA_TNIL;
    lua_pushliteral(L, "__metatable");
    bool protected = lua_rawget(L, mt) != LUA_TNIL;
    if (!guarded && protected)
        luaL_error(L, "setmetatable: a table with a protected metatable cannot be a metatable");
    if (!guarded)
        set_guard(L, idx, mt);
    lua_settop(L, mt - 1);
}

/* rawget(t, k): a global resolved on first use (globals.c) is there. */
static int sandbox_rawget(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE && lua_type(L, 2) == LUA_TSTRING)
        lb_globals_resolve(L, 1, lua_tostring(L, 2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sandbox_rawset(lua_State *L)
{
    if (forbidden_field(L, 2))
        return refuse_field(L, lua_tostring(L, 2));
    if (lua_type(L, 1) == LUA_TTABLE && lua_type(L, 2) == LUA_TSTRING)
        lb_globals_resolve(L, 1, lua_tostring(L, 2)); /* then replaced */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sandbox_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int type = lua_type(L, 2);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    lua_settop(L, 2);
    /* The global table loses the metatable that resolves its names. */
    lb_globals_settle(L, 1);
    if (type == LUA_TTABLE)
        lb_globals_settle(L, 2);
    if (type == LUA_TTABLE) {
        /* In a fixed order, so that the message is the same every run. */
        for (size_t i = 0; i < sizeof forbidden_fields / sizeof *forbidden_fields; i++) {
            lua_pushstring(L, forbidden_fields[i]);
            if (lua_rawget(L, 2) != LUA_TNIL)
                return refuse_field(L, forbidden_fields[i]);
            lua_pop(L, 1);
        }
        seal(L, 2);
    }
    if (sealed_with(L, 1)) {
        /* A metatable gets a metatable of its own: behind its guard. */
        if (lua_istable(L, 3)) {
            lua_pushliteral(L, "__metatable");
            if (lua_rawget(L, 3) != LUA_TNIL)
                return luaL_error(L, "cannot change a protected metatable");
        }
        lua_settop(L, 2);
        set_guard(L, 1, type == LUA_TTABLE ? 2 : 0);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* getmetatable(v): as Lua's, the guards of sealed tables unseen. */
static int sandbox_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    if (lua_type(L, 1) == LUA_TTABLE)
        lb_globals_settle(L, 1);
    if (!sealed_with(L, 1) && !lua_getmetatable(L, 1))
        lua_pushnil(L);
    if (lua_isnil(L, 2))
        return 1;
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, 2) == LUA_TNIL)
        lua_pop(L, 1);
    return 1;
}

/* Seals the string metatable and protects every metatable the binding
 * registered (luaL_newmetatable): their __metatable is their name. */
void lb_sandbox_seal(lua_State *L)
{
    int top = lua_gettop(L);
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1))
        set_guard(L, -1, 0);
    lua_settop(L, top);
    lua_pushnil(L);
    while (lua_next(L, LUA_REGISTRYINDEX) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1)) {
            lua_pushliteral(L, "__name");
            if (lua_rawget(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, -3))
                lua_setfield(L, -2, "__metatable");
            else
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* ------------------------------------------------------------------------ */
/* pcall and xpcall that cannot revive a stopped machine                    */
/* ------------------------------------------------------------------------ */

static bool is_stop(lua_State *L, int idx)
{
    void *key = lua_touserdata(L, idx);
    return key == &lb_stop_key || key == &lb_scenario_key;
}

/* After the original pcall or xpcall returned: a stop or a scenario error it
 * caught goes on unwinding, so that no Lua code keeps running (and looping)
 * after the machine stopped. */
static int protected_finish(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    int results = lua_gettop(L);
    if (results >= 2 && !lua_toboolean(L, 1) && is_stop(L, 2)) {
        lua_pushvalue(L, 2);
        return lua_error(L);
    }
    return results;
}

static int sandbox_pcall(lua_State *L)
{
    lb_check_running(L);
    int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, nargs, LUA_MULTRET, 0, protected_finish);
    return protected_finish(L, LUA_OK, 0);
}

/* xpcall's message handler, wrapped: our stop values pass through it
 * untouched, so protected_finish can recognise them. */
static int stop_aware_handler(lua_State *L)
{
    if (is_stop(L, 1))
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sandbox_xpcall(lua_State *L)
{
    lb_check_running(L);
    int nargs = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, stop_aware_handler, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, nargs, LUA_MULTRET, 0, protected_finish);
    return protected_finish(L, LUA_OK, 0);
}

/* A string.gsub replacement function, wrapped (upvalue 1): it does not run
 * once the machine has stopped. */
static int gsub_callback(lua_State *L)
{
    lb_check_running(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sandbox_gsub(lua_State *L)
{
    if (lua_type(L, 3) == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        lua_pushcclosure(L, gsub_callback, 1);
        lua_replace(L, 3);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to text and the
 * chunk a string. */
static int sandbox_load(lua_State *L)
{
    int n = lua_gettop(L);
    /* A reader function runs inside load's protected parser, which catches
     * every error, the machine's stop too: scenario code would run on. */
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "load: the chunk must be a string (drvsim does not allow a reader "
                             "function)");
    if (n >= 3 && !lua_isnil(L, 3) && strchr(luaL_checkstring(L, 3), 't') == NULL)
        return luaL_error(L, "load: binary chunks are not allowed");
    bool env_given = n >= 4; /* load tells an absent env from a nil one */
    lua_settop(L, 4);
    int base = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (env_given)
        lua_pushvalue(L, 4);
    lua_call(L, env_given ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - base;
}

/* ------------------------------------------------------------------------ */
/* math.random from the run's stream                                        */
/* ------------------------------------------------------------------------ */

static int sandbox_random(lua_State *L)
{
    lb_state *lb = lb_get(L);
    des_rng *rng = lb->rng != NULL ? lb->rng : &lb->rng_early;
    lua_Integer low, up;
    switch (lua_gettop(L)) {
    case 0: /* a float in [0, 1): 53 random bits */
        lua_pushnumber(L, (lua_Number)(des_rng_next(rng) >> 11) * 0x1.0p-53);
        return 1;
    case 1:
        low = 1;
        up = luaL_checkinteger(L, 1);
        if (up == 0) { /* math.random(0): all 64 bits */
            lua_pushinteger(L, (lua_Integer)des_rng_next(rng));
            return 1;
        }
        break;
    case 2:
        low = luaL_checkinteger(L, 1);
        up = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, low <= up, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)up - (uint64_t)low;
    uint64_t r = span == UINT64_MAX ? des_rng_next(rng) : des_rng_below(rng, span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)low + r));
    return 1;
}

static int sandbox_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed: the run's seed decides math.random (use --seed or "
                         "scenario{ seed = N })");
}

/* ------------------------------------------------------------------------ */
/* The state                                                                */
/* ------------------------------------------------------------------------ */

/* The globals a run's state starts with, rounded up to the table's node
 * count (a power of two): 73 are set in a fresh state (globals.c
 * resolves the libraries table, math and utf8, the constants, constructors,
 * harness functions and DDIs at their first use), with room for the
 * scenario's own and the names it uses. lb_sandbox_new sizes the table for
 * them. A guess too small costs a rehash, never a fault; one too large
 * makes and frees its nodes in every seed (1,200 did: 2,048 nodes). */
#define LB_GLOBALS_SIZE 256

static void open_lib(lua_State *L, const char *name, lua_CFunction open)
{
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
}

static void remove_field(lua_State *L, int table, const char *name)
{
    lua_pushnil(L);
    lua_setfield(L, table, name);
}

/* Replaces t[name] with a C closure whose first upvalue is the original. */
static void wrap_field(lua_State *L, int table, const char *name, lua_CFunction wrapper)
{
    lua_getfield(L, table, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, table, name);
}

/* The libraries that open at their first use (globals.c: issue 18, most
 * seeds use none of them), each as lb_sandbox_new opened it before: the
 * library, then the sandbox's replacements. Each returns its table. */
static int open_table(lua_State *L)
{
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
    int tab = lua_gettop(L);
    lua_pushcfunction(L, sandbox_sort);
    lua_setfield(L, tab, "sort");
    lb_register_charged_table(L, tab);
    return 1;
}

static int open_math(lua_State *L)
{
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
    int math = lua_gettop(L);
    lua_pushcfunction(L, sandbox_random);
    lua_setfield(L, math, "random");
    lua_pushcfunction(L, sandbox_randomseed);
    lua_setfield(L, math, "randomseed");
    return 1;
}

static int open_utf8(lua_State *L)
{
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
    lb_register_charged_utf8(L, lua_gettop(L));
    return 1;
}

const luaL_Reg *lb_sandbox_libraries(void)
{
    static const luaL_Reg libraries[] = {
        {LUA_TABLIBNAME, open_table},
        {LUA_MATHLIBNAME, open_math},
        {LUA_UTF8LIBNAME, open_utf8},
        {NULL, NULL},
    };
    return libraries;
}

lua_State *lb_sandbox_new(lb_state *lb)
{
    lua_State *L = lua_newstate(sandbox_alloc, lb);
    if (L == NULL)
        return NULL;
    lb_set(L, lb); /* before any coroutine: each copies the main thread's */
    /* The globals table, made at its size (LB_GLOBALS_SIZE) before anything
     * is in it, so that registering them does not rehash it in every seed
     * (issue 18). Nothing refers to the fresh state's own yet. */
    lua_createtable(L, 0, LB_GLOBALS_SIZE);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    open_lib(L, LUA_GNAME, luaopen_base);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    /* table, math and utf8: at their first use in a run's state (globals.c),
     * now in a state without lb_register_globals. */
    const luaL_Reg *lib = lb_sandbox_libraries();
    for (; !lb->lazy_libraries && lib->name != NULL; lib++) {
        lib->func(L);
        lua_setglobal(L, lib->name);
    }

    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    remove_field(L, g, "dofile");
    remove_field(L, g, "loadfile");
    remove_field(L, g, "collectgarbage");
    remove_field(L, g, "require");
    lua_pushcfunction(L, sandbox_pairs);
    lua_setfield(L, g, "pairs");
    lua_pushcfunction(L, sandbox_tostring);
    lua_setfield(L, g, "tostring");
    lua_pushcfunction(L, sandbox_print);
    lua_setfield(L, g, "print");
    wrap_field(L, g, "setmetatable", sandbox_setmetatable);
    lua_pushcfunction(L, sandbox_getmetatable);
    lua_setfield(L, g, "getmetatable");
    wrap_field(L, g, "load", sandbox_load);
    wrap_field(L, g, "pcall", sandbox_pcall);
    wrap_field(L, g, "rawset", sandbox_rawset);
    wrap_field(L, g, "rawget", sandbox_rawget);
    lua_pushcfunction(L, sandbox_next);
    lua_setfield(L, g, "next");
    wrap_field(L, g, "xpcall", sandbox_xpcall);

    lua_getfield(L, g, "string");
    int str = lua_gettop(L);
    remove_field(L, str, "dump");
    wrap_field(L, str, "format", sandbox_format);
    wrap_field(L, str, "gsub", sandbox_gsub);
    lua_pop(L, 1);

    lua_pop(L, 1);

    /* The guard of sealed tables that have no metatable of their own. */
    lua_createtable(L, 0, 2);
    lua_pushnil(L);
    lua_pushcclosure(L, guard_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_rawsetp(L, -2, &guard_key);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &guard0_key);

    lb_register_charged(L);
    probe_init(lb, L);
    lua_sethook(L, instruction_hook, LUA_MASKCOUNT, 1);
    return L;
}
