/*
 * files.c - the scenario's files: scenario{ files = { ... } } (the files and
 * directories the run starts with) and the harness functions FileSet and
 * FileGet. Marshalling only: the file namespace is the kernel's
 * (sim/io/file.c).
 *
 * A string is a file's content (its bytes as they are); `true` makes an
 * empty directory. Paths are the namespace's: \??\C:\..., \DosDevices\C:\...
 * or \SystemRoot\...; the directories on the way are made.
 */
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "io/io.h"

static const char *status_text(NTSTATUS status)
{
    if ((uint32_t)status == 0xC0000035u)
        return "a file is where a directory would be, or a directory where the file would be";
    return "it is not a path of the file namespace (\\??\\C:\\..., \\SystemRoot\\...) or is "
           "too long";
}

/* FileSet(path, content): creates or replaces a file (content a string),
 * or makes a directory (content true), as an installer would. */
static int l_FileSet(lua_State *L)
{
    lb_check_harness(L, "FileSet");
    const char *path = luaL_checkstring(L, 1);
    size_t len = 0;
    const char *data = NULL;
    if (lua_type(L, 2) == LUA_TSTRING)
        data = lua_tolstring(L, 2, &len);
    else if (!(lua_type(L, 2) == LUA_TBOOLEAN && lua_toboolean(L, 2)))
        lb_scenario_error(L, "FileSet: content (argument 2) is a string, or true for a directory");
    if (len > IO_FS_MAX_FILE)
        lb_scenario_error(L, "FileSet: \"%s\": a file is at most %u bytes", path, IO_FS_MAX_FILE);
    NTSTATUS status = io_fs_harness_set(lb_get(L)->m, path, data, (uint32_t)len);
    if (!NT_SUCCESS(status))
        lb_scenario_error(L, "FileSet: \"%s\": %s (0x%08X)", path, status_text(status),
                          (unsigned)status);
    return 0;
}

/* FileGet(path) -> content (a string), true for a directory, or nil. */
static int l_FileGet(lua_State *L)
{
    lb_check_harness(L, "FileGet");
    const char *path = luaL_checkstring(L, 1);
    uint32_t size = 0;
    bool directory = false;
    const uint8_t *data = io_fs_harness_get(lb_get(L)->m, path, &size, &directory);
    if (directory)
        lua_pushboolean(L, 1);
    else if (data == NULL)
        lua_pushnil(L);
    else
        lua_pushlstring(L, (const char *)data, size);
    return 1;
}

void lb_register_files(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"FileSet", l_FileSet},
        {"FileGet", l_FileGet},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------------ */
/* scenario{ files = { [path] = content | true, ... } }                      */
/* ------------------------------------------------------------------------ */

static int compare_items(const void *a, const void *b)
{
    return strcmp(((const lb_file_item *)a)->path, ((const lb_file_item *)b)->path);
}

void lb_files_free(lb_scenario *sc)
{
    for (size_t i = 0; i < sc->file_count; i++) {
        free(sc->files[i].path);
        free(sc->files[i].data);
    }
    free(sc->files);
    sc->files = NULL;
    sc->file_count = 0;
}

void lb_files_parse(lua_State *L, int idx, lb_scenario *sc)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        lb_scenario_error(L, "scenario{}: files must be a table { [\"\\\\??\\\\C:\\\\...\"] = "
                             "\"content\" or true, ... }");
    lb_files_free(sc);
    size_t cap = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            lb_scenario_error(L, "scenario{}: files: its keys are paths (strings)");
        const char *path = lua_tostring(L, -2);
        bool directory = lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1);
        if (!directory && lua_type(L, -1) != LUA_TSTRING)
            lb_scenario_error(L, "scenario{}: files[\"%s\"] is a string (the content) or true "
                                 "(a directory)", path);
        size_t len = 0;
        const char *data = directory ? NULL : lua_tolstring(L, -1, &len);
        if (len > IO_FS_MAX_FILE)
            lb_scenario_error(L, "scenario{}: files[\"%s\"]: a file is at most %u bytes", path,
                              IO_FS_MAX_FILE);
        if (sc->file_count == cap) {
            cap = cap ? cap * 2 : 8;
            lb_file_item *grown = realloc(sc->files, cap * sizeof *grown);
            if (grown == NULL)
                lb_scenario_error(L, "out of host memory");
            sc->files = grown;
        }
        lb_file_item *it = &sc->files[sc->file_count];
        memset(it, 0, sizeof *it);
        it->path = strdup(path);
        if (it->path == NULL)
            lb_scenario_error(L, "out of host memory");
        sc->file_count++;
        it->directory = directory;
        if (!directory) {
            it->data = malloc(len > 0 ? len : 1);
            if (it->data == NULL)
                lb_scenario_error(L, "out of host memory");
            memcpy(it->data, data, len);
            it->size = (uint32_t)len;
        }
        lua_pop(L, 1);
    }
    /* Path order, whatever order the table iterates in. */
    if (sc->file_count > 1)
        qsort(sc->files, sc->file_count, sizeof *sc->files, compare_items);
}

bool lb_files_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len)
{
    for (size_t i = 0; i < sc->file_count; i++) {
        const lb_file_item *it = &sc->files[i];
        NTSTATUS status = io_fs_harness_set(m, it->path, it->directory ? NULL : it->data,
                                            it->size);
        if (!NT_SUCCESS(status)) {
            snprintf(err, err_len, "%s: scenario{}: files[\"%s\"]: %s (0x%08X)", sc->where,
                     it->path, status_text(status), (unsigned)status);
            return false;
        }
    }
    return true;
}
