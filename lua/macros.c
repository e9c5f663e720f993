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

/* The macro of `kind`: its Ex DDI, the function the DDI's global is
 * registered as. */
static int remove_lock_macro(lua_State *L, enum remove_lock_macro kind)
{
    static const uint16_t ddis[] = {
        [INITIALIZE] = DDI_IoInitializeRemoveLockEx,
        [ACQUIRE] = DDI_IoAcquireRemoveLockEx,
        [RELEASE] = DDI_IoReleaseRemoveLockEx,
        [RELEASE_AND_WAIT] = DDI_IoReleaseRemoveLockAndWaitEx,
    };
    int fixed = kind == INITIALIZE ? 4 : 2;
    lua_settop(L, fixed);
    int base = lua_gettop(L);
    lua_pushcfunction(L, lb_ddi_functions[ddis[kind]].func);
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

static int l_IoInitializeRemoveLock(lua_State *L)
{
    return remove_lock_macro(L, INITIALIZE);
}

static int l_IoAcquireRemoveLock(lua_State *L)
{
    return remove_lock_macro(L, ACQUIRE);
}

static int l_IoReleaseRemoveLock(lua_State *L)
{
    return remove_lock_macro(L, RELEASE);
}

static int l_IoReleaseRemoveLockAndWait(lua_State *L)
{
    return remove_lock_macro(L, RELEASE_AND_WAIT);
}

void lb_register_macros(lua_State *L)
{
    /* Resolved on first use (globals.c), like the DDIs they call. */
    static const luaL_Reg macros[] = {
        {"IoInitializeRemoveLock", l_IoInitializeRemoveLock},
        {"IoAcquireRemoveLock", l_IoAcquireRemoveLock},
        {"IoReleaseRemoveLock", l_IoReleaseRemoveLock},
        {"IoReleaseRemoveLockAndWait", l_IoReleaseRemoveLockAndWait},
        {NULL, NULL},
    };
    lb_globals_defer(L, macros);
    /* wdm.h's macro names for DDIs: `#define KeWaitForMutexObject
     * KeWaitForSingleObject`. The value is the DDI's function, so the call
     * is the DDI's (and so is its trace). */
    static luaL_Reg aliases[] = {
        {"KeWaitForMutexObject", NULL},
        {NULL, NULL},
    };
    aliases[0].func = lb_ddi_functions[DDI_KeWaitForSingleObject].func;
    lb_globals_defer(L, aliases);
}
