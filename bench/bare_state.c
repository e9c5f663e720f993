/*
 * bare_state.c - the floor of a seed's fixed cost (issue 18 item 4): N times
 * a bare Lua state, as a program embedding Lua makes one: luaL_newstate,
 * luaL_openlibs, a chunk that makes 200 calls of a C function, lua_close.
 * bench/run.sh times N of them against N empty seeds of a sweep.
 *
 *   bare_state N
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

static int count_arguments(lua_State *L)
{
    lua_pushinteger(L, lua_gettop(L));
    return 1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    for (long i = 0; i < n; i++) {
        lua_State *L = luaL_newstate();
        if (L == NULL) {
            fprintf(stderr, "bare_state: out of memory\n");
            return 1;
        }
        luaL_openlibs(L);
        lua_register(L, "f", count_arguments);
        if (luaL_dostring(L, "for i = 1, 200 do f(i) end") != LUA_OK) {
            fprintf(stderr, "bare_state: %s\n", lua_tostring(L, -1));
            return 1;
        }
        lua_close(L);
    }
    return 0;
}
