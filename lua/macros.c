/*
 * macros.c - WDK macros that expand to a DDI with arguments the C compiler
 * supplies: the remove-lock macros of wdm.h, which call the Ex exports with
 * sizeof(IO_REMOVE_LOCK) (and, for IoAcquireRemoveLock, __FILE__ and
 * __LINE__: here the scenario file's name and the calling line). The call
 * is the Ex DDI's, and the trace shows it so.
 */
#include <string.h>

#include "binding.h"
#include "ke/types.h"

enum remove_lock_macro { INITIALIZE, ACQUIRE, RELEASE, RELEASE_AND_WAIT };

static int macro_returned(lua_State *L, int status, lua_KContext base)
{
    (void)status;
    return lua_gettop(L) - (int)base;
}

static int l_remove_lock_macro(lua_State *L)
{
    enum remove_lock_macro kind = (enum remove_lock_macro)lua_tointeger(L, lua_upvalueindex(2));
    int fixed = kind == INITIALIZE ? 4 : 2;
    lua_settop(L, fixed);
    int base = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    for (int i = 1; i <= fixed; i++)
        lua_pushvalue(L, i);
    int nargs = fixed;
    if (kind == ACQUIRE) {
        lua_Debug ar;
        const char *file = "";
        int line = 0;
        if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
            file = ar.source[0] == '@' ? ar.source + 1 : "";
            const char *slash = strrchr(file, '/');
            file = slash != NULL ? slash + 1 : file;
            line = ar.currentline > 0 ? ar.currentline : 0;
        }
        lua_pushstring(L, file); /* __FILE__ */
        lua_pushinteger(L, line); /* __LINE__ */
        nargs += 2;
    }
    lua_pushinteger(L, ke_types[KE_TYPE_IO_REMOVE_LOCK].size[lb_get(L)->sc.arch]);
    nargs++;
    lua_callk(L, nargs, LUA_MULTRET, base, macro_returned);
    return macro_returned(L, LUA_OK, base);
}

void lb_register_macros(lua_State *L)
{
    static const struct {
        const char *name, *ddi;
    } macros[] = {
        [INITIALIZE] = {"IoInitializeRemoveLock", "IoInitializeRemoveLockEx"},
        [ACQUIRE] = {"IoAcquireRemoveLock", "IoAcquireRemoveLockEx"},
        [RELEASE] = {"IoReleaseRemoveLock", "IoReleaseRemoveLockEx"},
        [RELEASE_AND_WAIT] = {"IoReleaseRemoveLockAndWait", "IoReleaseRemoveLockAndWaitEx"},
    };
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++) {
        lua_getfield(L, -1, macros[i].ddi);
        lua_pushinteger(L, (lua_Integer)i);
        lua_pushcclosure(L, l_remove_lock_macro, 2);
        lua_setfield(L, -2, macros[i].name);
    }
}
