/*
 * callsite.c - the scenario line of a call into C, from a cache
 * (ke_host.call_site).
 *
 * Deadlock detection keeps the line of every acquisition a verified driver
 * makes: a lock held now is the witness of whatever new edge a later
 * acquisition makes from it, and by then its line is gone from the stack. So
 * it asks for the line at every acquisition, and lua_getinfo's "Sl" level by
 * level (site_of, binding.c) costs about 600 host instructions a call, more
 * in a long function (the line is found by walking the function's line
 * information from its last absolute entry, up to 128 steps).
 *
 * The line of a call is a function of the calling Lua function's prototype
 * and of the instruction it saved when it made the call (its CallInfo's
 * savedpc, which lua_getinfo's "l" reads too), and the instruction's address
 * names both while the prototype lives. So the site found the first time a
 * given instruction calls into C is kept, keyed by that address, and read
 * back at every later call from there: a few loads and a hash probe. The
 * calling closure is kept alive (a registry table holds it) from the first
 * time, so that its prototype, and the address, cannot be reused for other
 * code while the entry exists; LB_CALLSITES_MAX entries at most, the rest
 * take site_of's path.
 *
 * Lua's API does not give the saved instruction, nor whether a frame is C,
 * without the line's cost: both are read from lua_Debug.i_ci, Lua 5.4's
 * struct CallInfo (lstate.h, the same layout in 5.4.0 to 5.4.7). Once per
 * process a probe checks that layout against lua_getinfo on a throwaway
 * state (not the scenario's: its memory stays what it was); should it not
 * hold (another Lua), every call takes site_of's path, as sandbox.c's count
 * probe falls back to a step of 1. The answer is always site_of's: the cache
 * is only used where the execution's top frame is C (a DDI's, or one that
 * yielded), the frame below it Lua, which is where site_of stops too.
 *
 * lua_getstack's level 0 is the lua_State's own `ci` (the running frame),
 * and calling it cost about a third of a cached answer; the probe also
 * finds where a lua_State keeps that pointer (the one word among its first
 * that holds level 0's frame at every probe call, on the main state and on
 * a coroutine), and a cached answer reads it there. Where the probe found
 * no single such word, lua_getstack finds the frame, as before.
 */
#include <stddef.h>
#include <stdlib.h>

#include <lualib.h>

#include "binding.h"

/* At most this many call sites are kept (and their closures alive). */
#define LB_CALLSITES_MAX 4096u

typedef struct lb_callsite {
    uintptr_t pc; /* the saved instruction's address; 0: an empty slot */
    ke_site site;
} lb_callsite;

struct lb_callsites {
    lb_callsite *slots; /* open addressing, linear probing */
    uint32_t count, mask;
};

/* The registry's table of the closures whose call sites are kept. */
static const char anchors_key = 0;

/* ------------------------------------------------------------------------ */
/* Lua 5.4's CallInfo                                                       */
/* ------------------------------------------------------------------------ */

#if LUA_VERSION_NUM == 504
/* The fields of struct CallInfo (Lua 5.4's lstate.h) up to callstatus, with
 * types of the same sizes: only savedpc and callstatus are read. */
typedef struct lua54_callinfo {
    void *func, *top;
    void *previous, *next;
    union {
        struct {
            const uint32_t *savedpc;
            volatile sig_atomic_t trap;
            int nextraargs;
        } l;
        struct {
            lua_KFunction k;
            ptrdiff_t old_errfunc;
            lua_KContext ctx;
        } c;
    } u;
    union {
        int funcidx, nyield, nres;
        struct {
            unsigned short ftransfer, ntransfer;
        } transferinfo;
    } u2;
    short nresults;
    unsigned short callstatus;
} lua54_callinfo;

#define LUA54_CIST_C (1u << 1) /* the frame runs a C function */

static bool frame_is_c(const void *ci)
{
    unsigned short status;
    memcpy(&status, (const char *)ci + offsetof(lua54_callinfo, callstatus), sizeof status);
    return (status & LUA54_CIST_C) != 0;
}

/* The frame below (the caller's): what lua_getstack's next level gives, the
 * base frame (a C one) at the bottom, whose own previous is NULL. */
static const void *frame_previous(const void *ci)
{
    const void *prev;
    memcpy(&prev, (const char *)ci + offsetof(lua54_callinfo, previous), sizeof prev);
    return prev;
}

/* A Lua frame's saved instruction: the one after its call, while it calls. */
static uintptr_t frame_pc(const void *ci)
{
    const uint32_t *pc;
    memcpy(&pc, (const char *)ci + offsetof(lua54_callinfo, u.l.savedpc), sizeof pc);
    return (uintptr_t)pc;
}

/* Where a lua_State keeps its running frame (lstate.h's `CallInfo *ci`,
 * what lua_getstack's level 0 gives): found by the probe among the first
 * CI_SCAN_WORDS pointers of the state, -1 if not. A lua_State of 5.4 is
 * far larger (its base CallInfo alone is 64 bytes, after those), so the
 * scan stays inside the object. */
#define CI_SCAN_WORDS 8
static ptrdiff_t ci_at = -1;

/* The pointers among the first CI_SCAN_WORDS of L equal to ci, a bit each. */
static uint32_t words_holding(const lua_State *L, const void *ci)
{
    uint32_t bits = 0;
    for (unsigned w = 0; w < CI_SCAN_WORDS; w++) {
        const void *v;
        memcpy(&v, (const char *)L + w * sizeof v, sizeof v);
        if (v == ci)
            bits |= 1u << w;
    }
    return bits;
}

/* What the probe saw at each call of probe_call. */
#define PROBE_CALLS 5
typedef struct probe_log {
    int calls;
    bool c0[PROBE_CALLS], c1[PROBE_CALLS]; /* level 0 and 1 read as C frames */
    bool linked[PROBE_CALLS];              /* level 0's previous read as level 1 */
    uintptr_t pc[PROBE_CALLS];             /* level 1's saved instruction */
    int line[PROBE_CALLS];                 /* level 1's line, from lua_getinfo */
    uint32_t ci_words[PROBE_CALLS];        /* words_holding level 0's frame */
} probe_log;

static int probe_call(lua_State *L)
{
    probe_log *log = lua_touserdata(L, lua_upvalueindex(1));
    lua_Debug ar0, ar1;
    if (log->calls < PROBE_CALLS && lua_getstack(L, 0, &ar0) && lua_getstack(L, 1, &ar1)) {
        int i = log->calls++;
        log->c0[i] = frame_is_c(ar0.i_ci);
        log->c1[i] = frame_is_c(ar1.i_ci);
        log->linked[i] = frame_previous(ar0.i_ci) == (const void *)ar1.i_ci;
        log->pc[i] = log->c1[i] ? 0 : frame_pc(ar1.i_ci);
        log->ci_words[i] = words_holding(L, ar0.i_ci);
        lua_getinfo(L, "l", &ar1);
        log->line[i] = ar1.currentline;
    }
    return 0;
}

/* Calls f twice from line 3, once from line 5, through pcall (a C frame
 * below f's), and from line 7 on a coroutine (another lua_State). */
static const char probe_source[] = "local f = ...\n"
                                   "for _ = 1, 2 do\n"
                                   "  f()\n"
                                   "end\n"
                                   "f()\n"
                                   "pcall(f)\n"
                                   "coroutine.wrap(function()\n  f()\nend)()\n";

/* Whether the CallInfo fields read above are what lua_getinfo says. */
static bool layout_check(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL)
        return false;
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    lua_pop(L, 2);
    probe_log log = {0};
    bool ran = luaL_loadbufferx(L, probe_source, sizeof probe_source - 1, "=probe", "t") == LUA_OK;
    if (ran) {
        lua_pushlightuserdata(L, &log);
        lua_pushcclosure(L, probe_call, 1);
        ran = lua_pcall(L, 1, 0, 0) == LUA_OK;
    }
    lua_close(L);
    if (!ran || log.calls != PROBE_CALLS)
        return false;
    uint32_t ci_words = (1u << CI_SCAN_WORDS) - 1;
    for (int i = 0; i < PROBE_CALLS; i++) {
        if (!log.c0[i] || log.c1[i] != (i == 3) || !log.linked[i])
            return false;
        ci_words &= log.ci_words[i];
    }
    /* One instruction, the same address twice; the next call a few
     * instructions on; pcall a C frame with no line; the coroutine's call
     * at its line. */
    bool holds = log.line[0] == 3 && log.line[1] == 3 && log.line[2] == 5 && log.line[3] == -1 &&
                 log.line[4] == 8 && log.pc[0] != 0 && log.pc[0] % sizeof(uint32_t) == 0 &&
                 log.pc[1] == log.pc[0] && log.pc[2] > log.pc[0] &&
                 log.pc[2] - log.pc[0] <= 16 * sizeof(uint32_t) && log.pc[4] != 0;
    /* The running frame's place: one word holding it at every call, on
     * both states. */
    if (holds && ci_words != 0 && (ci_words & (ci_words - 1)) == 0)
        ci_at = (ptrdiff_t)((unsigned)__builtin_ctz(ci_words) * sizeof(void *));
    return holds;
}
#endif

static bool layout_holds(void)
{
#if LUA_VERSION_NUM == 504
    static int holds = 0; /* 0 not checked yet, 1 holds, -1 does not */
    if (holds == 0)
        holds = lua_version(NULL) == LUA_VERSION_NUM && layout_check() ? 1 : -1;
    return holds > 0;
#else
    return false;
#endif
}

/* ------------------------------------------------------------------------ */
/* The cache                                                                */
/* ------------------------------------------------------------------------ */

static uint32_t slot_of(const struct lb_callsites *cs, uintptr_t pc)
{
    return (uint32_t)(((uint64_t)pc >> 2) * 0x9E3779B97F4A7C15ull >> 32) & cs->mask;
}

static const lb_callsite *lookup(const struct lb_callsites *cs, uintptr_t pc)
{
    for (uint32_t i = slot_of(cs, pc);; i = (i + 1) & cs->mask) {
        const lb_callsite *s = &cs->slots[i];
        if (s->pc == pc)
            return s;
        if (s->pc == 0)
            return NULL;
    }
}

/* Room for one more entry (the table at most half full); false on host OOM
 * or at LB_CALLSITES_MAX. */
static bool reserve(lb_state *lb)
{
    struct lb_callsites *cs = lb->callsites;
    if (cs == NULL) {
        cs = calloc(1, sizeof *cs);
        if (cs == NULL)
            return false;
        lb->callsites = cs;
    }
    if (cs->count >= LB_CALLSITES_MAX)
        return false;
    if (cs->slots != NULL && 2 * (cs->count + 1) <= cs->mask + 1)
        return true;
    uint32_t n = cs->slots != NULL ? 2 * (cs->mask + 1) : 64;
    lb_callsite *slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return false;
    struct lb_callsites grown = {.slots = slots, .count = cs->count, .mask = n - 1};
    for (uint32_t i = 0; cs->slots != NULL && i <= cs->mask; i++) {
        if (cs->slots[i].pc == 0)
            continue;
        uint32_t j = slot_of(&grown, cs->slots[i].pc);
        while (slots[j].pc != 0)
            j = (j + 1) & grown.mask;
        slots[j] = cs->slots[i];
    }
    free(cs->slots);
    *cs = grown;
    return true;
}

/* Appends the closure on top of the stack to the anchors' table (under
 * protection: the table may grow). */
static int anchor(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &anchors_key);
    }
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

/* Keeps the closure of co's frame ar alive; co is running (inside a C
 * function). False if it could not. */
static bool keep_closure(lua_State *co, lua_Debug *ar)
{
    if (!lua_checkstack(co, 2))
        return false;
    lua_pushcfunction(co, anchor);
    lua_getinfo(co, "f", ar);
    if (lua_pcall(co, 1, 0, 0) != LUA_OK) {
        lua_pop(co, 1);
        return false;
    }
    return true;
}

void lb_callsites_free(lb_state *lb)
{
    if (lb->callsites != NULL)
        free(lb->callsites->slots);
    free(lb->callsites);
    lb->callsites = NULL;
}

/* lb_host_call_site's path when the cache was not read: finds the site
 * (and keeps it) as site_of would. */
static __attribute__((noinline)) ke_site call_site_slow(lb_state *lb, const ke_exec *exec)
{
    if (exec == NULL && lb->current == NULL)
        return lb_host_site(lb, NULL); /* the top level's, or no line */
    if (exec == NULL)
        exec = lb->current; /* lb_host_site(NULL) names the same */
    if (lb->error_site_valid || exec->host == NULL || !layout_holds())
        return lb_host_site(lb, exec);
#if LUA_VERSION_NUM == 504
    lua_State *co = exec->host;
    lua_Debug ar;
    /* site_of takes the first frame with a line: below a C frame, a Lua
     * frame's (a C frame has none). The frame below level 0 is level 1's
     * (lua_getstack would walk the same link), or the base frame, a C one. */
    if (!lua_getstack(co, 0, &ar) || !frame_is_c(ar.i_ci))
        return lb_host_site(lb, exec);
    const void *below = frame_previous(ar.i_ci);
    if (frame_is_c(below))
        return lb_host_site(lb, exec);
    uintptr_t pc = frame_pc(below);
    if (lb->callsites != NULL && lb->callsites->slots != NULL) {
        const lb_callsite *s = lookup(lb->callsites, pc);
        if (s != NULL)
            return s->site;
    }
    if (!lua_getstack(co, 1, &ar))
        return lb_host_site(lb, exec);
    lua_getinfo(co, "Sl", &ar);
    if (ar.currentline <= 0 || pc == 0)
        return lb_host_site(lb, exec); /* no line information: further up */
    ke_site site = lb_site_of_frame(lb, &ar);
    /* Kept only from the running execution, whose coroutine can run the
     * anchoring (a suspended one cannot). */
    if (exec == lb->current && lua_status(co) == LUA_OK && reserve(lb) && keep_closure(co, &ar)) {
        struct lb_callsites *cs = lb->callsites;
        uint32_t i = slot_of(cs, pc);
        while (cs->slots[i].pc != 0)
            i = (i + 1) & cs->mask;
        cs->slots[i] = (lb_callsite){.pc = pc, .site = site};
        cs->count++;
    }
    return site;
#else
    return lb_host_site(lb, exec);
#endif
}

ke_site lb_host_call_site(void *ctx, const ke_exec *exec)
{
    lb_state *lb = ctx;
#if LUA_VERSION_NUM == 504
    /* The cache read without lua_getstack: the running frame where the
     * coroutine's lua_State keeps it (a cache with entries means the probe
     * held), the frames read as call_site_slow reads them. */
    const struct lb_callsites *cs = lb->callsites;
    const ke_exec *e = exec != NULL ? exec : lb->current;
    if (cs != NULL && cs->count > 0 && ci_at >= 0 && e != NULL && e->host != NULL &&
        !lb->error_site_valid) {
        const void *ci;
        memcpy(&ci, (const char *)e->host + ci_at, sizeof ci);
        if (frame_is_c(ci)) {
            const void *below = frame_previous(ci);
            if (below != NULL && !frame_is_c(below)) {
                uintptr_t pc = frame_pc(below);
                const lb_callsite *s = pc != 0 ? lookup(cs, pc) : NULL;
                if (s != NULL)
                    return s->site;
            }
        }
    }
#endif
    return call_site_slow(lb, exec);
}

bool lb_call_site_read_directly(void)
{
#if LUA_VERSION_NUM == 504
    return layout_holds() && ci_at >= 0;
#else
    return false;
#endif
}
