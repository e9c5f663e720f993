/*
 * imports.c - a driver's imports: the global names its code calls, resolved
 * when it loads, as Windows' loader resolves an image's import table.
 *
 * On Windows a driver that imports a routine the kernel does not export
 * never runs: the load fails. In a scenario the same mistake (a DDI drvsim
 * does not simulate, a misspelt name) would otherwise surface as a call of
 * nil deep in a routine, which looks like a driver crash (0x7E). So:
 *
 *  - LoadDriver scans the driver's code for calls of free names
 *    (lb_check_imports) and refuses the load with a scenario error naming
 *    each unresolved one and the line that calls it;
 *  - a call of an undefined global that the scan could not see (a name
 *    built at run time) is a scenario error too, at the calling line
 *    (lb_unresolved_call), never a bug check.
 *
 * The scan is lexical and deterministic: the source text of the driver's
 * functions (the routines of its table, the functions they hold as
 * upvalues, and the global functions they call, transitively) is split into
 * Lua tokens, and a name followed by `(`, a string or `{` is a call unless
 * it follows `.`, `:`, `function`, `local` or `goto`. A called name resolves
 * if it is a global when the driver loads (a DDI, a harness function, a
 * constant, anything the scenario defined), if the function's code declares
 * it local or holds it as an upvalue, or if any file of the scenario assigns
 * it as a global (`Helper = ...`, `function Helper()`, `_G.Helper = ...`,
 * or names it in a string, as rawset(_G, "Helper", f) would), since code may
 * do so at run time (DriverEntry assigning a global another routine calls). Every
 * doubt resolves the name: the scan never refuses a driver that would run;
 * what it misses, the call-time check still names.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"

/* ------------------------------------------------------------------------ */
/* Lua tokens                                                               */
/* ------------------------------------------------------------------------ */

typedef enum tk_kind {
    TK_NAME,
    TK_KEYWORD,
    TK_STRING,
    TK_NUMBER,
    TK_SYMBOL, /* punctuation: `text` holds it (1 to 3 characters) */
} tk_kind;

typedef struct token {
    tk_kind kind;
    uint32_t start, len; /* in the source */
    int line;
} token;

typedef struct token_list {
    token *tokens;
    size_t count, capacity;
} token_list;

static const char *const keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while", NULL,
};

static bool is_keyword(const char *s, size_t len)
{
    for (int i = 0; keywords[i] != NULL; i++) {
        if (strlen(keywords[i]) == len && memcmp(keywords[i], s, len) == 0)
            return true;
    }
    return false;
}

/* The level of a long bracket opening at s[i] ("[[", "[==["), or -1. */
static int long_bracket(const char *s, size_t len, size_t i)
{
    if (i >= len || s[i] != '[')
        return -1;
    size_t j = i + 1;
    while (j < len && s[j] == '=')
        j++;
    return j < len && s[j] == '[' ? (int)(j - i - 1) : -1;
}

/* Skips a long string or comment of `level` opening at *i; counts lines. */
static void skip_long(const char *s, size_t len, size_t *i, int level, int *line)
{
    size_t j = *i + (size_t)level + 2;
    for (; j < len; j++) {
        if (s[j] == '\n') {
            (*line)++;
        } else if (s[j] == ']') {
            size_t k = j + 1;
            while (k < len && s[k] == '=')
                k++;
            if (k < len && s[k] == ']' && (int)(k - j - 1) == level) {
                *i = k + 1;
                return;
            }
        }
    }
    *i = len; /* unterminated: the load would have failed; nothing to scan */
}

static bool push_token(token_list *list, tk_kind kind, size_t start, size_t len, int line)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 256;
        token *grown = realloc(list->tokens, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        list->tokens = grown;
        list->capacity = capacity;
    }
    list->tokens[list->count++] = (token){kind, (uint32_t)start, (uint32_t)len, line};
    return true;
}

/* Splits Lua source into tokens (comments dropped). False on host OOM. */
static bool tokenize(const char *s, size_t len, token_list *out)
{
    static const char *const symbols3[] = {"...", NULL};
    static const char *const symbols2[] = {"==", "~=", "<=", ">=", "..",
                                           "::", "//", "<<", ">>", NULL};
    int line = 1;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            line++;
            i++;
        } else if (isspace(c)) {
            i++;
        } else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
            int level = long_bracket(s, len, i + 2);
            if (level >= 0) {
                i += 2;
                skip_long(s, len, &i, level, &line);
            } else {
                while (i < len && s[i] != '\n')
                    i++;
            }
        } else if (isalpha(c) || c == '_') {
            size_t start = i;
            while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
                i++;
            tk_kind kind = is_keyword(s + start, i - start) ? TK_KEYWORD : TK_NAME;
            if (!push_token(out, kind, start, i - start, line))
                return false;
        } else if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
            size_t start = i;
            while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_')) {
                char e = (char)tolower((unsigned char)s[i]);
                i++;
                if ((e == 'e' || e == 'p') && i < len && (s[i] == '+' || s[i] == '-'))
                    i++;
            }
            if (!push_token(out, TK_NUMBER, start, i - start, line))
                return false;
        } else if (c == '"' || c == '\'') {
            size_t start = i++;
            int first_line = line;
            while (i < len && s[i] != (char)c && s[i] != '\n') {
                if (s[i] == '\\' && i + 1 < len) {
                    if (s[i + 1] == '\n')
                        line++;
                    i++;
                }
                i++;
            }
            i++;
            if (!push_token(out, TK_STRING, start, (i > len ? len : i) - start, first_line))
                return false;
        } else if (c == '[' && long_bracket(s, len, i) >= 0) {
            size_t start = i;
            int first_line = line;
            skip_long(s, len, &i, long_bracket(s, len, i), &line);
            if (!push_token(out, TK_STRING, start, i - start, first_line))
                return false;
        } else {
            size_t n = 1;
            for (int k = 0; symbols3[k] != NULL && n == 1; k++)
                if (i + 3 <= len && memcmp(s + i, symbols3[k], 3) == 0)
                    n = 3;
            for (int k = 0; symbols2[k] != NULL && n == 1; k++)
                if (i + 2 <= len && memcmp(s + i, symbols2[k], 2) == 0)
                    n = 2;
            if (!push_token(out, TK_SYMBOL, i, n, line))
                return false;
            i += n;
        }
    }
    return true;
}

static bool tok_is(const char *src, const token *t, tk_kind kind, const char *text)
{
    return t->kind == kind && t->len == strlen(text) && memcmp(src + t->start, text, t->len) == 0;
}

/* ------------------------------------------------------------------------ */
/* The scan                                                                 */
/* ------------------------------------------------------------------------ */

/* Sets of names: Lua tables name -> true (or line), on the stack. */
static void set_add(lua_State *L, int set, const char *src, const token *t)
{
    lua_pushlstring(L, src + t->start, t->len);
    lua_pushboolean(L, 1);
    lua_rawset(L, set);
}

static bool set_has(lua_State *L, int set, const char *src, const token *t)
{
    lua_pushlstring(L, src + t->start, t->len);
    bool has = lua_rawget(L, set) != LUA_TNIL;
    lua_pop(L, 1);
    return has;
}

/* The names the files of the scenario assign as globals, anywhere: a name
 * followed by `=` (not in a table constructor, where it is a field), and
 * `function Name`. Declared locals count too, which only makes the scan
 * more lenient. */
static void assigned_names(lua_State *L, int set, const char *src, const token_list *tl)
{
    /* Open constructs: '{' for a table constructor, 'b' for anything else
     * (blocks, parentheses, brackets), so that `{ Name = f }` is a field. */
    char stack[256];
    size_t depth = 0;
    for (size_t i = 0; i < tl->count; i++) {
        const token *t = &tl->tokens[i];
        if (t->kind == TK_SYMBOL && t->len == 1 && strchr("{([", src[t->start]) != NULL) {
            if (depth < sizeof stack)
                stack[depth] = src[t->start] == '{' ? '{' : 'b';
            depth++;
        } else if ((t->kind == TK_SYMBOL && t->len == 1 && strchr("})]", src[t->start]) != NULL) ||
                   tok_is(src, t, TK_KEYWORD, "end") || tok_is(src, t, TK_KEYWORD, "until")) {
            if (depth > 0)
                depth--;
        } else if (tok_is(src, t, TK_KEYWORD, "function") || tok_is(src, t, TK_KEYWORD, "if") ||
                   tok_is(src, t, TK_KEYWORD, "do") || tok_is(src, t, TK_KEYWORD, "repeat")) {
            if (depth < sizeof stack)
                stack[depth] = 'b';
            depth++;
            if (tok_is(src, t, TK_KEYWORD, "function") && i + 1 < tl->count &&
                tl->tokens[i + 1].kind == TK_NAME)
                set_add(L, set, src, &tl->tokens[i + 1]);
        } else if (t->kind == TK_NAME && i + 1 < tl->count &&
                   tok_is(src, &tl->tokens[i + 1], TK_SYMBOL, "=")) {
            bool field = depth > 0 && depth <= sizeof stack && stack[depth - 1] == '{';
            bool member = i > 0 && (tok_is(src, &tl->tokens[i - 1], TK_SYMBOL, ".") ||
                                    tok_is(src, &tl->tokens[i - 1], TK_SYMBOL, ":"));
            /* _G.Name = and _ENV.Name = assign the global */
            bool global = member && i > 1 &&
                          (tok_is(src, &tl->tokens[i - 2], TK_NAME, "_G") ||
                           tok_is(src, &tl->tokens[i - 2], TK_NAME, "_ENV"));
            if ((!field && !member) || global)
                set_add(L, set, src, t);
        } else if (t->kind == TK_STRING && t->len >= 3 &&
                   (src[t->start] == '"' || src[t->start] == '\'')) {
            /* A name in a string may become a global at run time
             * (rawset(_G, "Name", f), _G[name] = f): lenient, it counts. */
            bool identifier = isalpha((unsigned char)src[t->start + 1]) || src[t->start + 1] == '_';
            for (uint32_t k = t->start + 1; identifier && k < t->start + t->len - 1; k++)
                identifier = isalnum((unsigned char)src[k]) || src[k] == '_';
            if (identifier) {
                lua_pushlstring(L, src + t->start + 1, t->len - 2);
                lua_pushboolean(L, 1);
                lua_rawset(L, set);
            }
        }
    }
}

/* The names declared local in tokens [first, last): `local a, b`, `local
 * function f`, parameters, and loop variables. */
static void local_names(lua_State *L, int set, const char *src, const token *tk, size_t first,
                        size_t last)
{
    for (size_t i = first; i < last; i++) {
        const token *t = &tk[i];
        if (tok_is(src, t, TK_KEYWORD, "local") || tok_is(src, t, TK_KEYWORD, "for")) {
            size_t j = i + 1;
            if (j < last && tok_is(src, &tk[j], TK_KEYWORD, "function"))
                j++;
            for (; j < last && tk[j].kind == TK_NAME; j += 2) {
                set_add(L, set, src, &tk[j]);
                /* `local x <const>`: the attribute sits between name and comma */
                if (j + 3 < last && tok_is(src, &tk[j + 1], TK_SYMBOL, "<"))
                    j += 3;
                if (j + 1 >= last || !tok_is(src, &tk[j + 1], TK_SYMBOL, ","))
                    break;
            }
        } else if (tok_is(src, t, TK_KEYWORD, "function")) {
            size_t j = i + 1;
            while (j < last && !tok_is(src, &tk[j], TK_SYMBOL, "("))
                j++;
            for (j++; j < last && !tok_is(src, &tk[j], TK_SYMBOL, ")"); j++) {
                if (tk[j].kind == TK_NAME)
                    set_add(L, set, src, &tk[j]);
            }
        }
    }
}

/*
 * Token lists kept per process (issue 18: a sweep tokenised the same driver
 * file in every seed). The tokens depend on the text alone, so a chunk
 * whose text is byte for byte one tokenised before shares that list. Kept:
 * the first TOKENS_KEPT texts of at most TOKENS_KEPT_BYTES, never freed
 * while the process runs (a state may hold them); others are the state's.
 */
#define TOKENS_KEPT 16
#define TOKENS_KEPT_BYTES (1u << 20)

typedef struct kept_tokens {
    char *text;
    size_t len;
    token_list *tl;
} kept_tokens;

static kept_tokens kept[TOKENS_KEPT];
static size_t kept_count;

static bool tokens_kept(const token_list *tl)
{
    for (size_t i = 0; i < kept_count; i++) {
        if (kept[i].tl == tl)
            return true;
    }
    return false;
}

/* The tokens of a chunk, cached in the binding state. */
static const token_list *chunk_tokens(lb_state *lb, uint16_t chunk)
{
    if (lb->chunk_tokens[chunk] != NULL)
        return lb->chunk_tokens[chunk];
    const char *text = lb->sources[chunk];
    size_t len = lb->source_lengths[chunk];
    if (text == NULL)
        return NULL;
    for (size_t i = 0; i < kept_count; i++) {
        if (kept[i].len == len && memcmp(kept[i].text, text, len) == 0)
            return lb->chunk_tokens[chunk] = kept[i].tl;
    }
    token_list *tl = calloc(1, sizeof *tl);
    if (tl == NULL)
        return NULL;
    if (!tokenize(text, len, tl)) {
        free(tl->tokens);
        free(tl);
        return NULL;
    }
    lb->chunk_tokens[chunk] = tl;
    char *copy = kept_count < TOKENS_KEPT && len <= TOKENS_KEPT_BYTES ? malloc(len + 1) : NULL;
    if (copy != NULL) {
        memcpy(copy, text, len);
        kept[kept_count++] = (kept_tokens){copy, len, tl};
    }
    return tl;
}

void lb_imports_free(lb_state *lb)
{
    for (uint16_t i = 0; i < LB_MAX_CHUNKS; i++) {
        token_list *tl = lb->chunk_tokens[i];
        if (tl != NULL && !tokens_kept(tl)) {
            free(tl->tokens);
            free(tl);
        }
        lb->chunk_tokens[i] = NULL;
    }
}

static uint16_t chunk_of_source(const lb_state *lb, const char *source)
{
    if (source[0] != '@')
        return 0xFFFF;
    for (uint16_t i = 0; i < lb->chunk_count; i++) {
        if (strcmp(source + 1, lb->chunks[i]) == 0)
            return i;
    }
    return 0xFFFF;
}

/* Stack slots of the scan (absolute indexes). assigned, unresolved and
 * reported hold nil until a called name is not a global (most loads: never;
 * made then, see lazy_table). */
typedef struct scan {
    int seen;       /* function -> true: queued already */
    int queue;      /* array of functions to scan */
    int assigned;   /* names assigned as globals somewhere */
    int unresolved; /* array: name, "file:line" of its first call, ... in order found */
    int reported;   /* name -> true */
    int routines;   /* the driver's table */
    int globals;    /* the global table */
    lua_Integer queued, done, found;
} scan;

/* The table in stack slot idx, made there if it holds nil yet; whether it
 * was made now. */
static bool lazy_table(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TTABLE)
        return false;
    lua_newtable(L);
    lua_replace(L, idx);
    return true;
}

/* Whether scanning the function at idx can find anything: a Lua function,
 * or a C closure holding a function (PAGE()'s). A C function has no source:
 * a DDI, a harness function, a constructor (a closure over its type). */
static bool holds_code(lua_State *L, int idx)
{
    if (!lua_iscfunction(L, idx))
        return true;
    for (int i = 1;; i++) {
        if (lua_getupvalue(L, idx, i) == NULL)
            return false;
        bool function = lua_type(L, -1) == LUA_TFUNCTION;
        lua_pop(L, 1);
        if (function)
            return true;
    }
}

static void enqueue(lua_State *L, scan *s, int idx)
{
    idx = lua_absindex(L, idx);
    if (!holds_code(L, idx))
        return; /* scanning it would find nothing */
    lua_pushvalue(L, idx);
    if (lua_rawget(L, s->seen) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, s->seen);
    lua_pushvalue(L, idx);
    lua_rawseti(L, s->queue, ++s->queued);
}

/* The names a function's code declares local or holds as upvalues, into
 * the table at slot `locals` (made there on first need: most called names
 * are globals whose value decides alone, below). */
static void function_locals(lua_State *L, int fn, int locals, const char *src,
                            const token_list *tl, size_t first, size_t last)
{
    if (!lazy_table(L, locals))
        return;
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(L, fn, i);
        if (name == NULL)
            break;
        lua_pop(L, 1);
        if (name[0] != '\0') {
            lua_pushstring(L, name);
            lua_pushboolean(L, 1);
            lua_rawset(L, locals);
        }
    }
    local_names(L, locals, src, tl->tokens, first, last);
}

/* Scans the function on top of the stack (popped). */
static void scan_function(lua_State *L, lb_state *lb, scan *s)
{
    int fn = lua_gettop(L);
    /* Functions it holds: helpers written as locals around it, PAGE()'s. */
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(L, fn, i);
        if (name == NULL)
            break;
        if (lua_type(L, -1) == LUA_TFUNCTION)
            enqueue(L, s, -1);
        lua_pop(L, 1);
    }
    if (lua_iscfunction(L, fn)) {
        lua_settop(L, fn - 1);
        return;
    }
    lua_Debug ar;
    lua_pushvalue(L, fn);
    lua_getinfo(L, ">S", &ar);
    uint16_t chunk = chunk_of_source(lb, ar.source);
    const token_list *tl = strcmp(ar.what, "Lua") == 0 && chunk != 0xFFFF && ar.linedefined > 0
                               ? chunk_tokens(lb, chunk)
                               : NULL;
    if (tl == NULL) {
        lua_settop(L, fn - 1);
        return;
    }
    const char *src = lb->sources[chunk];
    size_t first = 0, last = 0;
    while (first < tl->count && tl->tokens[first].line < ar.linedefined)
        first++;
    last = first;
    while (last < tl->count && tl->tokens[last].line <= ar.lastlinedefined)
        last++;
    lua_pushnil(L); /* the names local to it, made on first need */
    int locals = lua_gettop(L);
    for (size_t i = first; i < last; i++) {
        const token *t = &tl->tokens[i];
        if (t->kind != TK_NAME || i + 1 >= tl->count)
            continue;
        const token *next = &tl->tokens[i + 1];
        bool call = next->kind == TK_STRING || tok_is(src, next, TK_SYMBOL, "(") ||
                    tok_is(src, next, TK_SYMBOL, "{");
        if (!call)
            continue;
        if (i > 0) {
            const token *prev = &tl->tokens[i - 1];
            if (tok_is(src, prev, TK_SYMBOL, ".") || tok_is(src, prev, TK_SYMBOL, ":") ||
                tok_is(src, prev, TK_SYMBOL, "::") || tok_is(src, prev, TK_KEYWORD, "function") ||
                tok_is(src, prev, TK_KEYWORD, "local") || tok_is(src, prev, TK_KEYWORD, "goto"))
                continue;
        }
        /* The global first: a value other than a function with code to
         * scan (a DDI, a constructor, a constant) needs nothing more,
         * whether or not the name is local (resolving a lazy global is not
         * seen). */
        lua_pushlstring(L, src + t->start, t->len);
        int name = lua_gettop(L);
        lb_globals_resolve(L, s->globals, lua_tostring(L, name));
        lua_pushvalue(L, name);
        int type = lua_rawget(L, s->globals);
        bool scannable = type == LUA_TFUNCTION && holds_code(L, -1);
        if (!scannable && type != LUA_TNIL) {
            lua_settop(L, name - 1);
            continue;
        }
        function_locals(L, fn, locals, src, tl, first, last);
        lua_pushvalue(L, name);
        bool local = lua_rawget(L, locals) != LUA_TNIL;
        lua_pop(L, 1);
        if (local) {
            lua_settop(L, name - 1);
            continue;
        }
        if (scannable) {
            enqueue(L, s, -1); /* a global helper: its code is the driver's too */
            lua_settop(L, name - 1);
            continue;
        }
        if (lazy_table(L, s->reported)) {
            lazy_table(L, s->unresolved);
            lazy_table(L, s->assigned);
            for (uint16_t c = 0; c < lb->chunk_count; c++) {
                const token_list *ctl = chunk_tokens(lb, c);
                if (ctl != NULL)
                    assigned_names(L, s->assigned, lb->sources[c], ctl);
            }
        }
        if (!set_has(L, s->reported, src, t) && !set_has(L, s->assigned, src, t)) {
            set_add(L, s->reported, src, t);
            s->found++;
            lua_pushvalue(L, name);
            lua_rawseti(L, s->unresolved, 2 * s->found - 1);
            lua_pushfstring(L, "%s:%d", lb->chunks[chunk], t->line);
            lua_rawseti(L, s->unresolved, 2 * s->found);
        }
        lua_settop(L, name - 1);
    }
    lua_settop(L, fn - 1);
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */
/* ------------------------------------------------------------------------ */

/* Levenshtein distance, case-insensitive, of two short names; anything
 * beyond 64 characters is "far". */
static size_t distance(const char *a, size_t la, const char *b, size_t lb_)
{
    if (la > 64 || lb_ > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb_; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb_; j++) {
            size_t up = row[j];
            size_t cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb_];
}

/* The global name nearest to `name` (DDIs, harness functions, constants,
 * the scenario's globals), if near enough to be a misspelling; ties go to
 * the name first in byte order, so the hint does not depend on the order
 * Lua keeps the global table in. */
static bool nearest_global(lua_State *L, const char *name, char *out, size_t out_len)
{
    size_t len = strlen(name);
    size_t limit = 1 + len / 6; /* a typo or two in a long DDI name */
    if (limit > 3)
        limit = 3;
    size_t best = limit + 1;
    out[0] = '\0';
    lua_pushglobaltable(L);
    lb_globals_settle(L, -1); /* every name a scenario sees */
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            continue;
        size_t klen = 0;
        const char *key = lua_tolstring(L, -1, &klen);
        if (key[0] == '_' || strcmp(key, name) == 0)
            continue;
        size_t d = distance(name, len, key, klen);
        if (d < best || (d == best && strcmp(key, out) < 0)) {
            best = d;
            snprintf(out, out_len, "%s", key);
        }
    }
    lua_pop(L, 1);
    return best <= limit;
}

/* "X is not a DDI drvsim simulates[; did you mean Y?]" */
static void describe(lua_State *L, const char *name, char *out, size_t len)
{
    char near[96];
    if (nearest_global(L, name, near, sizeof near))
        snprintf(out, len, "%s is not a DDI drvsim simulates; did you mean %s?", name, near);
    else
        snprintf(out, len, "%s is not a DDI drvsim simulates", name);
}

void lb_check_imports(lua_State *L, uint32_t driver)
{
    lb_state *lb = lb_get(L);
    lb_driver_decl *decl = &lb->drivers[driver];
    if (decl->imports_checked)
        return;
    int base = lua_gettop(L);
    scan s = {0};
    lua_createtable(L, 0, 8);
    s.seen = lua_gettop(L);
    lua_createtable(L, 8, 0);
    s.queue = lua_gettop(L);
    lua_pushnil(L); /* assigned, unresolved, reported: made on first need */
    s.assigned = lua_gettop(L);
    lua_pushnil(L);
    s.unresolved = lua_gettop(L);
    lua_pushnil(L);
    s.reported = lua_gettop(L);
    lua_pushglobaltable(L);
    s.globals = lua_gettop(L);
    /* The routines of the driver's table, by name in byte order: the scan
     * and its message do not depend on the table's hash order (nor on the
     * scenario's own pairs). */
    lua_rawgeti(L, LUA_REGISTRYINDEX, decl->table_ref);
    int routines = lua_gettop(L);
    lua_newtable(L);
    int names = lua_gettop(L);
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, routines) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && count < 4096) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, names, ++count);
        }
    }
    for (lua_Integer i = 2; i <= count; i++) { /* insertion sort: tables are small */
        for (lua_Integer j = i; j > 1; j--) {
            lua_rawgeti(L, names, j - 1);
            lua_rawgeti(L, names, j);
            bool swap = strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) > 0;
            if (swap) {
                lua_rawseti(L, names, j - 1);
                lua_rawseti(L, names, j);
            } else {
                lua_pop(L, 2);
                break;
            }
        }
    }
    for (lua_Integer i = 1; i <= count; i++) {
        lua_rawgeti(L, names, i);
        if (lua_rawget(L, routines) == LUA_TFUNCTION)
            enqueue(L, &s, -1);
        lua_pop(L, 1);
    }
    lua_settop(L, routines);
    s.routines = routines;
    while (s.done < s.queued) {
        lua_rawgeti(L, s.queue, ++s.done);
        scan_function(L, lb, &s);
    }
    if (s.found == 0) {
        decl->imports_checked = true;
        lua_settop(L, base);
        return;
    }
    char text[640];
    size_t used = 0;
    text[0] = '\0';
    lua_Integer listed = 0;
    for (lua_Integer i = 1; i <= s.found; i++) {
        lua_rawgeti(L, s.unresolved, 2 * i - 1);
        lua_rawgeti(L, s.unresolved, 2 * i);
        char what[300], item[420];
        describe(L, lua_tostring(L, -2), what, sizeof what);
        lua_pushvalue(L, -2);
        if (lua_rawget(L, s.routines) != LUA_TNIL) {
            /* `Helper = function` inside driver "x" { } is a field of the
             * table, not a global the routines can call. */
            size_t w = strlen(what);
            snprintf(what + w, sizeof what - w,
                     " (it is a field of the driver's table, not a global: make it a local "
                     "function above the table)");
        }
        lua_pop(L, 1);
        int n = snprintf(item, sizeof item, "%s%s (called at %s)", i > 1 ? "; " : "", what,
                         lua_tostring(L, -1));
        lua_pop(L, 2);
        /* What fits; the rest counted, so the message stays whole. */
        if (n < 0 || used + (size_t)n + 24 >= sizeof text)
            break;
        memcpy(text + used, item, (size_t)n + 1);
        used += (size_t)n;
        listed++;
    }
    if (listed < s.found)
        snprintf(text + used, sizeof text - used, "; and %lld more", (long long)(s.found - listed));
    lb_scenario_error(L,
                      "LoadDriver(\"%s\"): the driver calls %s that nothing defines, so "
                      "Windows' loader would refuse it: %s",
                      decl->name, s.found > 1 ? "names" : "a name", text);
}

bool lb_unresolved_call(lua_State *L, int idx, bool keep_where, char *out, size_t len)
{
    /* Lua 5.4's message for a call of nil through a global name, after the
     * "file:line: " of the calling line. */
    static const char prefix[] = "attempt to call a nil value (global '";
    if (lua_type(L, idx) != LUA_TSTRING)
        return false;
    const char *text = lua_tostring(L, idx);
    const char *msg = strstr(text, prefix);
    if (msg == NULL)
        return false;
    const char *name_start = msg + sizeof prefix - 1;
    const char *end = strchr(name_start, '\'');
    if (end == NULL || end == name_start || (size_t)(end - name_start) >= 80)
        return false;
    char name[80];
    snprintf(name, sizeof name, "%.*s", (int)(end - name_start), name_start);
    char what[200];
    describe(L, name, what, sizeof what);
    snprintf(out, len, "%.*s%s", keep_where ? (int)(msg - text) : 0, text, what);
    return true;
}
