/*
 * irql.c - per-processor IRQL: KeGetCurrentIrql, KeRaiseIrql, KeLowerIrql,
 * KeRaiseIrqlToDpcLevel, KeGetCurrentProcessorNumber.
 *
 * These are the kernel's own routines. On x64 KeRaiseIrql and KeLowerIrql
 * are inline writes of CR8 and check nothing: raising to a lower IRQL simply
 * lowers it. The checks belong to the verifier's thunks (vf/thunks.c).
 */
#include <stdio.h>

#include "ddi_table.h"
#include "ke/ke.h"

KIRQL ke_high_level(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 31 : 15;
}

const char *ke_irql_name(ke_arch arch, KIRQL irql, char *buf, size_t len)
{
    static const char *const low[] = {"PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"};
    if (irql <= DISPATCH_LEVEL)
        snprintf(buf, len, "%s", low[irql]);
    else if (irql == ke_high_level(arch))
        snprintf(buf, len, "HIGH_LEVEL");
    else if (arch == KE_ARCH_X64 && irql == 12)
        snprintf(buf, len, "SYNCH_LEVEL");
    else if (arch == KE_ARCH_X64 && irql == 13)
        snprintf(buf, len, "CLOCK_LEVEL");
    else if (arch == KE_ARCH_X86 && irql == 28)
        snprintf(buf, len, "CLOCK_LEVEL");
    else
        snprintf(buf, len, "0x%X", (unsigned)irql);
    return buf;
}

KIRQL KeGetCurrentIrql(ke_call *call)
{
    return ke_call_irql(call);
}

void KeRaiseIrql(ke_call *call, KIRQL NewIrql, KIRQL *OldIrql)
{
    /* The processor found once: a store through OldIrql (a byte) could
     * alias the call, and would make the compiler find it again. */
    ke_processor *cpu = ke_call_cpu(call);
    KIRQL old = cpu->irql;
    ke_cpu_set_irql(call->m, cpu, NewIrql);
    *OldIrql = old;
}

void KeLowerIrql(ke_call *call, KIRQL NewIrql)
{
    ke_set_irql(call, NewIrql);
}

KIRQL KeRaiseIrqlToDpcLevel(ke_call *call)
{
    KIRQL old = ke_call_irql(call);
    ke_set_irql(call, DISPATCH_LEVEL);
    return old;
}

ULONG KeGetCurrentProcessorNumber(ke_call *call)
{
    return call->exec->cpu;
}
