/*
 * ddi_info.h - the DDI catalogue as data, for `drvsim ddis`: every row of
 * sim/ddi.tbl with its WDK signature, its Lua form, the file that implements
 * it and the checks that watch it (tools/gen_ddi_info.py writes ddi_info.c).
 */
#ifndef DRVSIM_DDI_INFO_H
#define DRVSIM_DDI_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "ddi_table.h"

typedef struct ddi_param {
    const char *name;     /* the WDK's name: "NewIrql" */
    const char *type;     /* the table's type: "irql" */
    const char *wdk_type; /* as the WDK spells it: "KIRQL" */
    bool out;             /* returned after the result, not passed */
} ddi_param;

typedef struct ddi_info {
    const char *name;
    const char *returns;   /* the table's type, or "void" */
    const char *signature; /* "VOID KeRaiseIrql(KIRQL NewIrql, _Out_ PKIRQL OldIrql)" */
    const char *lua;       /* "local OldIrql = KeRaiseIrql(NewIrql)" */
    const char *flags;     /* "blocking", "spins callout", ... or "" */
    const char *component; /* "sim/ke/irql.c" */
    const ddi_param *params;
    size_t param_count;
    const char *const *checks; /* rule ids (drvsim rules), NULL-terminated */
} ddi_info;

extern const ddi_info ddi_infos[DDI_COUNT];

#endif /* DRVSIM_DDI_INFO_H */
