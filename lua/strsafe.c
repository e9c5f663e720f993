/*
 * strsafe.c - the Printf forms of ntstrsafe.h, whose variable arguments the
 * DDI table cannot describe: RtlStringCbPrintfA/W, RtlStringCchPrintfA/W,
 * RtlUnicodeStringPrintf. The binding marshals the arguments and formats
 * them as DbgPrint does (kd_format: the C subset drivers use, strings read
 * from simulated memory); the kernel side (sim/rtl/strsafe.c) writes the
 * text with ntstrsafe's bounds and truncation.
 *
 * Lua: RtlStringCbPrintfA(pszDest, cbDest, pszFormat, ...) -> status, and
 * RtlUnicodeStringPrintf(DestinationString, pszFormat, ...) -> status.
 */
#include "binding.h"
#include "kd/kd.h"
#include "rtl/strsafe.h"

/* The longest text a Printf formats: ntstrsafe's destinations can be larger,
 * but a driver's formatted strings are short; a longer one is cut here and
 * reported as a truncation to the driver. */
#define STRSAFE_PRINTF_MAX 8192

static int printf_common(lua_State *L, const char *fn, bool counted, size_t unit, bool bytes)
{
    ke_call call;
    lb_debug_call(L, &call, fn);
    PVOID_VA dest = lb_check_ptr(L, 1, fn, counted ? "DestinationString" : "pszDest");
    uint64_t cch = 0;
    if (!counted) {
        uint64_t size = lb_check_size(L, 2, fn, bytes ? "cbDest" : "cchDest");
        cch = bytes ? size / unit : size;
    }
    char text[STRSAFE_PRINTF_MAX + 1];
    if (!lb_format(L, &call, fn, counted ? 2 : 3, text, sizeof text))
        return lb_stopped(L);
    NTSTATUS status = rtl_strsafe_printf(&call, dest, cch, unit, counted, text);
    if (ke_stopped(call.m))
        return lb_stopped(L);
    lb_push_status(L, status);
    return lb_call_return(L, &call, 1);
}

static int l_RtlStringCbPrintfA(lua_State *L)
{
    return printf_common(L, "RtlStringCbPrintfA", false, 1, true);
}

static int l_RtlStringCbPrintfW(lua_State *L)
{
    return printf_common(L, "RtlStringCbPrintfW", false, 2, true);
}

static int l_RtlStringCchPrintfA(lua_State *L)
{
    return printf_common(L, "RtlStringCchPrintfA", false, 1, false);
}

static int l_RtlStringCchPrintfW(lua_State *L)
{
    return printf_common(L, "RtlStringCchPrintfW", false, 2, false);
}

static int l_RtlUnicodeStringPrintf(lua_State *L)
{
    return printf_common(L, "RtlUnicodeStringPrintf", true, 2, false);
}

void lb_register_strsafe(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"RtlStringCbPrintfA", l_RtlStringCbPrintfA},
        {"RtlStringCbPrintfW", l_RtlStringCbPrintfW},
        {"RtlStringCchPrintfA", l_RtlStringCchPrintfA},
        {"RtlStringCchPrintfW", l_RtlStringCchPrintfW},
        {"RtlUnicodeStringPrintf", l_RtlUnicodeStringPrintf},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, fns);
    lua_pop(L, 1);
}
