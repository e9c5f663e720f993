/*
 * irql.c - per-processor IRQL: KeGetCurrentIrql, KeRaiseIrql, KeLowerIrql,
 * KeRaiseIrqlToDpcLevel, KeGetCurrentProcessorNumber, and what entering
 * DISPATCH_LEVEL does (ke_cpu_dispatch_entered).
 *
 * These are the kernel's own routines. On x64 KeRaiseIrql and KeLowerIrql
 * are inline writes of CR8 and check nothing: raising to a lower IRQL simply
 * lowers it. The checks belong to the verifier's thunks (vf/thunks.c).
 */
#include <stdio.h>

#include "ddi_table.h"
#include "ke/ke.h"
#include "mm/mm.h"

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

/* A processor went from below DISPATCH_LEVEL to DISPATCH_LEVEL or above:
 * the paging model draws, and the DPC watchdog (sched.c) is armed. Inline in
 * KeRaiseIrql, whose raise to DISPATCH_LEVEL from Lua is the cheapest DDI
 * call's work (issue 18 item 5). */
static inline __attribute__((always_inline)) void dispatch_entered(ke_machine *m,
                                                                   ke_processor *cpu)
{
    mm_paging_raise(m);
    cpu->dispatch_since_100ns = m->des.now_100ns;
    if (!des_schedule(&m->des, &cpu->watchdog, m->des.now_100ns + KE_DPC_WATCHDOG_PERIOD_100NS))
        ke_panic(m, __FILE__, __LINE__, "out of host memory arming the DPC watchdog");
}

void ke_cpu_dispatch_entered(ke_machine *m, ke_processor *cpu)
{
    dispatch_entered(m, cpu);
}

void KeRaiseIrql(ke_call *call, KIRQL NewIrql, KIRQL *OldIrql)
{
    /* The processor found once: a store through OldIrql (a byte) could
     * alias the call, and would make the compiler find it again. */
    ke_processor *cpu = ke_call_cpu(call);
    KIRQL old = cpu->irql;
    if (old < DISPATCH_LEVEL && NewIrql >= DISPATCH_LEVEL) {
        /* ke_cpu_set_irql's entry into DISPATCH_LEVEL, without its call. */
        cpu->irql = NewIrql;
        dispatch_entered(call->m, cpu);
    } else {
        ke_cpu_set_irql(call->m, cpu, NewIrql);
    }
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
