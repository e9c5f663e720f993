/*
 * pattern.c - string.find, match, gmatch and gsub with a matcher whose work
 * is charged to the run's instruction budget.
 *
 * Lua's own matcher backtracks without bound and without a hook: the count
 * hook never fires inside it, so string.find(("a"):rep(40), ("a-"):rep(30) ..
 * "b") runs for ever on one counted instruction. This matcher implements the
 * same language (Lua 5.4 manual, section 6.4.1: classes, sets, the four
 * repetitions, captures and position captures, %b, %f, back references,
 * anchors) with the same results and messages, and counts its steps: one
 * per call of the matcher, one per character a repetition, %b or back
 * reference examines. Each step is one instruction of the budget
 * (--max-instructions); past it, the run stops with outcome "timeout" at the
 * scenario line of the call, as a Lua loop would. Steps are charged in
 * batches, so a host-timeout request is also seen within a long match.
 */
#include <ctype.h>
#include <string.h>

#include "binding.h"

#define PAT_ESC          '%'
#define PAT_SPECIALS     "^$*+?.([%-"
#define PAT_MAX_CAPTURES 32   /* Lua's LUA_MAXCAPTURES */
#define PAT_MAX_DEPTH    200  /* nested matcher calls, Lua's MAXCCALLS */
#define PAT_BATCH        4096 /* steps charged at once */

#define CAP_UNFINISHED (-1)
#define CAP_POSITION   (-2)

typedef struct pat_state {
    const char *src_init; /* the subject */
    const char *src_end;  /* its end; *src_end is '\0' (a Lua string) */
    const char *p_end;    /* the pattern's end; also '\0' */
    lua_State *L;
    int depth_left; /* nested matcher calls still allowed */
    int level;      /* captures, finished or not */
    struct {
        const char *init;
        ptrdiff_t len; /* or CAP_UNFINISHED, CAP_POSITION */
    } capture[PAT_MAX_CAPTURES];
    uint64_t steps; /* not yet charged */
} pat_state;

/* One step of work; every PAT_BATCH steps go to the budget (which may stop
 * the run: lb_charge raises, and nothing here holds a resource). */
static inline void pat_step(pat_state *ms, uint64_t n)
{
    ms->steps += n;
    if (ms->steps >= PAT_BATCH) {
        uint64_t steps = ms->steps;
        ms->steps = 0;
        lb_charge(ms->L, steps);
    }
}

static void pat_flush(pat_state *ms)
{
    uint64_t steps = ms->steps;
    ms->steps = 0;
    if (steps > 0)
        lb_charge(ms->L, steps);
}

static const char *pat_match(pat_state *ms, const char *s, const char *p);

static int pat_check_capture(pat_state *ms, int l)
{
    l -= '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
        return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
    return l;
}

static int pat_capture_to_close(pat_state *ms)
{
    int level = ms->level;
    for (level--; level >= 0; level--) {
        if (ms->capture[level].len == CAP_UNFINISHED)
            return level;
    }
    return luaL_error(ms->L, "invalid pattern capture");
}

/* The end of the single-character class at p. */
static const char *pat_class_end(pat_state *ms, const char *p)
{
    switch (*p++) {
    case PAT_ESC:
        if (p == ms->p_end)
            luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^')
            p++;
        do { /* look for a ']' */
            if (p == ms->p_end)
                luaL_error(ms->L, "malformed pattern (missing ']')");
            if (*(p++) == PAT_ESC && p < ms->p_end)
                p++; /* skip escapes (e.g. '%]') */
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

static bool pat_match_class(int c, int cl)
{
    bool res;
    switch (tolower(cl)) {
    case 'a':
        res = isalpha(c);
        break;
    case 'c':
        res = iscntrl(c);
        break;
    case 'd':
        res = isdigit(c);
        break;
    case 'g':
        res = isgraph(c);
        break;
    case 'l':
        res = islower(c);
        break;
    case 'p':
        res = ispunct(c);
        break;
    case 's':
        res = isspace(c);
        break;
    case 'u':
        res = isupper(c);
        break;
    case 'w':
        res = isalnum(c);
        break;
    case 'x':
        res = isxdigit(c);
        break;
    default:
        return cl == c;
    }
    return isupper(cl) ? !res : res;
}

/* Whether c is in the set [ ... ] from p to ec (the ']'). */
static bool pat_match_set(int c, const char *p, const char *ec)
{
    bool sig = true;
    if (*(p + 1) == '^') {
        sig = false;
        p++; /* skip the '^' */
    }
    while (++p < ec) {
        if (*p == PAT_ESC) {
            p++;
            if (pat_match_class(c, (unsigned char)*p))
                return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
                return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

/* Whether the character at s matches the class from p to ep. */
static bool pat_single(pat_state *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end)
        return false;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.':
        return true;
    case PAT_ESC:
        return pat_match_class(c, (unsigned char)*(p + 1));
    case '[':
        return pat_match_set(c, p, ep - 1);
    default:
        return (unsigned char)*p == c;
    }
}

static const char *pat_balance(pat_state *ms, const char *s, const char *p)
{
    if (p >= ms->p_end - 1)
        luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    if (*s != *p)
        return NULL;
    int b = *p, e = *(p + 1), open = 1;
    while (++s < ms->src_end) {
        pat_step(ms, 1);
        if (*s == e) {
            if (--open == 0)
                return s + 1;
        } else if (*s == b) {
            open++;
        }
    }
    return NULL; /* the subject ends unbalanced */
}

static const char *pat_max_expand(pat_state *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (pat_single(ms, s + i, p, ep)) {
        pat_step(ms, 1);
        i++;
    }
    /* The longest run first, then one shorter each time. */
    for (; i >= 0; i--) {
        const char *res = pat_match(ms, s + i, ep + 1);
        if (res != NULL)
            return res;
    }
    return NULL;
}

static const char *pat_min_expand(pat_state *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = pat_match(ms, s, ep + 1);
        if (res != NULL)
            return res;
        if (!pat_single(ms, s, p, ep))
            return NULL;
        s++; /* one more repetition */
    }
}

static const char *pat_start_capture(pat_state *ms, const char *s, const char *p, int what)
{
    if (ms->level >= PAT_MAX_CAPTURES)
        luaL_error(ms->L, "too many captures");
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = what;
    ms->level++;
    const char *res = pat_match(ms, s, p);
    if (res == NULL)
        ms->level--; /* undo the capture */
    return res;
}

static const char *pat_end_capture(pat_state *ms, const char *s, const char *p)
{
    int l = pat_capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init;
    const char *res = pat_match(ms, s, p);
    if (res == NULL)
        ms->capture[l].len = CAP_UNFINISHED; /* undo the capture */
    return res;
}

static const char *pat_back_reference(pat_state *ms, const char *s, int l)
{
    l = pat_check_capture(ms, l);
    size_t len = (size_t)ms->capture[l].len;
    pat_step(ms, len);
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0)
        return s + len;
    return NULL;
}

/* The end of the match of pattern p at s, or NULL. Tail positions loop
 * instead of recursing, so the depth is the pattern's nesting. */
static const char *pat_match(pat_state *ms, const char *s, const char *p)
{
    if (ms->depth_left-- == 0)
        luaL_error(ms->L, "pattern too complex");
    pat_step(ms, 1);
again:
    if (p == ms->p_end) {
        ms->depth_left++;
        return s; /* the whole pattern matched */
    }
    switch (*p) {
    case '(':
        if (*(p + 1) == ')')
            s = pat_start_capture(ms, s, p + 2, CAP_POSITION);
        else
            s = pat_start_capture(ms, s, p + 1, CAP_UNFINISHED);
        break;
    case ')':
        s = pat_end_capture(ms, s, p + 1);
        break;
    case '$':
        if (p + 1 != ms->p_end)
            goto item; /* a '$' inside the pattern is itself */
        s = s == ms->src_end ? s : NULL;
        break;
    case PAT_ESC:
        switch (*(p + 1)) {
        case 'b':
            s = pat_balance(ms, s, p + 2);
            if (s != NULL) {
                p += 4;
                goto again;
            }
            break;
        case 'f': {
            p += 2;
            if (*p != '[')
                luaL_error(ms->L, "missing '[' after '%%f' in pattern");
            const char *ep = pat_class_end(ms, p);
            int previous = s == ms->src_init ? '\0' : (unsigned char)*(s - 1);
            if (!pat_match_set(previous, p, ep - 1) &&
                pat_match_set((unsigned char)*s, p, ep - 1)) {
                p = ep;
                goto again;
            }
            s = NULL;
            break;
        }
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
            s = pat_back_reference(ms, s, (unsigned char)*(p + 1));
            if (s != NULL) {
                p += 2;
                goto again;
            }
            break;
        default:
            goto item;
        }
        break;
    default:
    item : {
        const char *ep = pat_class_end(ms, p);
        if (!pat_single(ms, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') { /* zero repetitions do */
                p = ep + 1;
                goto again;
            }
            s = NULL;
            break;
        }
        switch (*ep) {
        case '?': {
            const char *res = pat_match(ms, s + 1, ep + 1);
            if (res != NULL) {
                s = res;
            } else {
                p = ep + 1;
                goto again;
            }
            break;
        }
        case '+':
            s = pat_max_expand(ms, s + 1, p, ep);
            break;
        case '*':
            s = pat_max_expand(ms, s, p, ep);
            break;
        case '-':
            s = pat_min_expand(ms, s, p, ep);
            break;
        default:
            s++;
            p = ep;
            goto again;
        }
        break;
    }
    }
    ms->depth_left++;
    return s;
}

/* ------------------------------------------------------------------------ */
/* Captures                                                                 */
/* ------------------------------------------------------------------------ */

/* Pushes capture i; the whole match (s..e) when the pattern has none. */
static void pat_push_capture(pat_state *ms, int i, const char *s, const char *e)
{
    if (i >= ms->level) {
        if (i != 0)
            luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(ms->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t l = ms->capture[i].len;
    if (l == CAP_UNFINISHED)
        luaL_error(ms->L, "unfinished capture");
    if (l == CAP_POSITION)
        lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
    else
        lua_pushlstring(ms->L, ms->capture[i].init, (size_t)l);
}

/* Pushes the captures (the whole match if none, when s is given). */
static int pat_push_captures(pat_state *ms, const char *s, const char *e)
{
    int n = ms->level == 0 && s != NULL ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        pat_push_capture(ms, i, s, e);
    return n;
}

static void pat_prepare(pat_state *ms, lua_State *L, const char *s, size_t ls, const char *p,
                        size_t lp)
{
    ms->L = L;
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->steps = 0;
}

static void pat_restart(pat_state *ms)
{
    ms->level = 0;
    ms->depth_left = PAT_MAX_DEPTH;
}

/* ------------------------------------------------------------------------ */
/* The library functions                                                    */
/* ------------------------------------------------------------------------ */

/* A 1-based start position as Lua's string functions read it. */
static size_t pat_start(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0 || pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

/* Whether p (with embedded zeros) has no magic character. */
static bool pat_is_plain(const char *p, size_t l)
{
    size_t upto = 0;
    do {
        if (strpbrk(p + upto, PAT_SPECIALS) != NULL)
            return false;
        upto += strlen(p + upto) + 1; /* past the next '\0' */
    } while (upto <= l);
    return true;
}

/* Plain search, charged one step per position examined. */
static const char *pat_find_plain(lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
    const char *found = NULL;
    if (lp == 0) {
        found = s;
    } else if (lp <= ls) {
        const char *at = s, *last = s + (ls - lp);
        while (at <= last) {
            const char *c = memchr(at, *p, (size_t)(last - at) + 1);
            if (c == NULL)
                break;
            if (memcmp(c + 1, p + 1, lp - 1) == 0) {
                found = c;
                break;
            }
            lb_charge(L, (uint64_t)(c - at) + lp); /* positions skipped, one comparison */
            at = c + 1;
        }
        if (found != NULL)
            lb_charge(L, (uint64_t)(found - at) + lp);
        else
            lb_charge(L, ls - (size_t)(at - s));
    }
    return found;
}

static int pat_find_aux(lua_State *L, bool find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = pat_start(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || pat_is_plain(p, lp))) {
        const char *found = pat_find_plain(L, s + init, ls - init, p, lp);
        if (found != NULL) {
            lua_pushinteger(L, (found - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(found - s) + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    pat_state ms;
    const char *s1 = s + init;
    bool anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    pat_prepare(&ms, L, s, ls, p, lp);
    do {
        pat_restart(&ms);
        const char *e = pat_match(&ms, s1, p);
        if (e != NULL) {
            pat_flush(&ms);
            if (!find)
                return pat_push_captures(&ms, s1, e);
            lua_pushinteger(L, (s1 - s) + 1);
            lua_pushinteger(L, e - s);
            return pat_push_captures(&ms, NULL, NULL) + 2;
        }
    } while (s1++ < ms.src_end && !anchor);
    pat_flush(&ms);
    luaL_pushfail(L);
    return 1;
}

static int pat_find(lua_State *L)
{
    return pat_find_aux(L, true);
}

static int pat_match_fn(lua_State *L)
{
    return pat_find_aux(L, false);
}

typedef struct pat_gmatch {
    const char *src;       /* where the next search starts */
    const char *p;         /* the pattern */
    const char *lastmatch; /* the end of the last match: not matched again empty */
    pat_state ms;
} pat_gmatch;

static int pat_gmatch_next(lua_State *L)
{
    pat_gmatch *gm = lua_touserdata(L, lua_upvalueindex(3));
    gm->ms.L = L;
    for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
        pat_restart(&gm->ms);
        const char *e = pat_match(&gm->ms, src, gm->p);
        if (e != NULL && e != gm->lastmatch) {
            pat_flush(&gm->ms);
            gm->src = gm->lastmatch = e;
            return pat_push_captures(&gm->ms, src, e);
        }
    }
    pat_flush(&gm->ms);
    return 0;
}

static int pat_gmatch_fn(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = pat_start(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2); /* the closure keeps both strings alive */
    pat_gmatch *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    if (init > ls)
        init = ls + 1; /* start after the end: no match */
    pat_prepare(&gm->ms, L, s, ls, p, lp);
    gm->src = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, pat_gmatch_next, 3);
    return 1;
}

/* Appends the replacement string (argument 3) with its %0-%9 and %%. */
static void pat_add_string(pat_state *ms, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = ms->L;
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = memchr(news, PAT_ESC, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++; /* skip the escape */
        if (*p == PAT_ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
            lb_charge(L, (uint64_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            pat_push_capture(ms, *p - '1', s, e);
            size_t len = 0;
            luaL_tolstring(L, -1, &len); /* a position capture is an integer */
            lua_remove(L, -2);
            lb_charge(L, len);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", PAT_ESC);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
    }
    luaL_addlstring(b, news, l);
}

/* Appends the replacement of the match s..e; false if it kept the match. */
static bool pat_add_value(pat_state *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = ms->L;
    switch (tr) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = pat_push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        pat_push_capture(ms, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        pat_add_string(ms, b, s, e);
        return true;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return false;
    }
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    lb_charge(L, lua_rawlen(L, -1));
    luaL_addvalue(b);
    return true;
}

static int pat_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int tr = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    bool anchor = *p == '^';
    lua_Integer n = 0;
    bool changed = false;
    luaL_argexpected(
        L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
        "string/function/table");
    pat_state ms;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    pat_prepare(&ms, L, src, srcl, p, lp);
    while (n < max_s) {
        pat_restart(&ms);
        const char *e = pat_match(&ms, src, p);
        if (e != NULL && e != lastmatch) {
            n++;
            pat_flush(&ms); /* before Lua code runs: it may charge too */
            changed = pat_add_value(&ms, &b, src, e, tr) || changed;
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor)
            break;
    }
    pat_flush(&ms);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void lb_register_patterns(lua_State *L, int string_table)
{
    static const luaL_Reg fns[] = {
        {"find", pat_find}, {"match", pat_match_fn}, {"gmatch", pat_gmatch_fn}, {"gsub", pat_gsub},
        {NULL, NULL},
    };
    string_table = lua_absindex(L, string_table);
    for (const luaL_Reg *f = fns; f->name != NULL; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, string_table, f->name);
    }
}
