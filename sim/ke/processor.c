/*
 * processor.c - time and processors: KeQueryTickCount, KeQueryTimeIncrement,
 * KeQueryPerformanceCounter, KeQuerySystemTimePrecise,
 * KeQueryInterruptTimePrecise, KeQueryUnbiasedInterruptTime(Precise),
 * KeStallExecutionProcessor, ExSystemTimeToLocalTime,
 * ExLocalTimeToSystemTime; KeQueryActiveProcessorCount(Ex),
 * KeQueryActiveProcessors, KeGetCurrentProcessorNumberEx,
 * KeGetProcessorNumberFromIndex, KeGetProcessorIndexFromNumber,
 * KeQueryHighestNodeNumber, KeQueryNodeActiveAffinity,
 * KeQueryDpcWatchdogInformation; and threads:
 * KeGetCurrentThread, KeSetPriorityThread, KeQueryPriorityThread,
 * KeSetSystemAffinityThreadEx, KeRevertToUserAffinityThreadEx,
 * ExGetPreviousMode.
 *
 * Clocks. Interrupt time is simulated time since boot (100 ns units), system
 * time adds KE_BOOT_SYSTEM_TIME. The clock interrupt comes every 15.625 ms
 * (KeQueryTimeIncrement: 156,250, the default timer resolution), and the
 * tick count counts those intervals. The performance counter runs at
 * 10 MHz, the frequency Windows 10 and later report on current hardware
 * (QueryPerformanceFrequency; the invariant TSC scaled), so its count is
 * interrupt time itself. The machine never sleeps, so unbiased interrupt
 * time equals interrupt time. The simulated machine's time zone is UTC:
 * local time is system time (ExSystemTimeToLocalTime subtracts a bias of
 * zero).
 *
 * KeStallExecutionProcessor busy-waits: the calling processor runs nothing
 * else (no thread, no DPC) until the stall's time has passed, while the
 * other processors go on; the stall's time counts at the caller's IRQL (at
 * DISPATCH_LEVEL it counts towards the DPC watchdog). An interrupt may
 * still be delivered to the processor, as on Windows, and runs when the
 * stall ends. ke_delay_call (the verifier's kernel synchronization delay
 * fuzzing) holds a call back with the same stall at DISPATCH_LEVEL or
 * above, and as a wait of the thread below it.
 *
 * Affinity. A thread has no constraint until KeSetSystemAffinityThreadEx
 * gives it a set of processors (masked with the active ones); from then on
 * the scheduler runs it only there, and if the processor it runs on is not
 * in the set, it leaves it at once (it becomes ready and waits for one of
 * its processors). KeRevertToUserAffinityThreadEx restores what
 * KeSetSystemAffinityThreadEx returned (0: no constraint). An affinity that
 * names no active processor leaves the thread's unchanged (Windows asserts
 * on it in checked builds; drvsim does not make the thread unrunnable).
 *
 * Priorities are recorded, not used: on a multiprocessor any ready thread
 * may run before another, whatever the priorities, and drvsim explores
 * those interleavings; a thread starts at 8, the System process's base
 * priority.
 */
#include "ddi_table.h"
#include "ex/pool.h"
#include "ke/types.h"
#include "mm/mm.h"

/* KeQueryTimeIncrement: the clock interval, 15.625 ms in 100 ns units. */
#define KE_TIME_INCREMENT_100NS 156250u
/* The performance counter's frequency, in counts per second. */
#define KE_PERFORMANCE_FREQUENCY 10000000ll

#define KernelMode 0u
#define UserMode   1u

void KeQueryTickCount(ke_call *call, int64_t *CurrentCount)
{
    *CurrentCount = (int64_t)(call->m->des.now_100ns / KE_TIME_INCREMENT_100NS);
}

ULONG KeQueryTimeIncrement(ke_call *call)
{
    (void)call;
    return KE_TIME_INCREMENT_100NS;
}

int64_t KeQueryPerformanceCounter(ke_call *call, int64_t *PerformanceFrequency)
{
    *PerformanceFrequency = KE_PERFORMANCE_FREQUENCY;
    return (int64_t)call->m->des.now_100ns;
}

void KeQuerySystemTimePrecise(ke_call *call, int64_t *CurrentTime)
{
    *CurrentTime = KE_BOOT_SYSTEM_TIME + (int64_t)call->m->des.now_100ns;
}

uint64_t KeQueryInterruptTimePrecise(ke_call *call, uint64_t *QpcTimeStamp)
{
    *QpcTimeStamp = call->m->des.now_100ns;
    return call->m->des.now_100ns;
}

uint64_t KeQueryUnbiasedInterruptTime(ke_call *call)
{
    return call->m->des.now_100ns;
}

uint64_t KeQueryUnbiasedInterruptTimePrecise(ke_call *call, uint64_t *QpcTimeStamp)
{
    return KeQueryInterruptTimePrecise(call, QpcTimeStamp);
}

void ExSystemTimeToLocalTime(ke_call *call, int64_t SystemTime, int64_t *LocalTime)
{
    (void)call;
    *LocalTime = SystemTime; /* UTC: a bias of zero */
}

void ExLocalTimeToSystemTime(ke_call *call, int64_t LocalTime, int64_t *SystemTime)
{
    (void)call;
    *SystemTime = LocalTime;
}

/* ------------------------------------------------------------------------ */
/* KeStallExecutionProcessor                                                */
/* ------------------------------------------------------------------------ */

static void stall_ended(des_sim *sim, des_event *ev)
{
    (void)sim;
    ke_processor *cpu = DES_CONTAINER_OF(ev, ke_processor, stall_end);
    cpu->stalled = false;
}

void ke_cpu_init_stall(ke_processor *cpu)
{
    des_event_init(&cpu->stall_end, stall_ended);
}

void KeStallExecutionProcessor(ke_call *call, ULONG MicroSeconds)
{
    if (MicroSeconds == 0)
        return;
    ke_machine *m = call->m;
    ke_processor *cpu = ke_call_cpu(call);
    if (!des_schedule(&m->des, &cpu->stall_end, m->des.now_100ns + (uint64_t)MicroSeconds * 10u))
        ke_panic(m, __FILE__, __LINE__, "out of host memory stalling a processor");
    cpu->stalled = true;
    /* The caller gives up the host until the stall ends; its thread stays
     * running on the processor, which is no candidate meanwhile. */
    call->blocked = true;
}

bool ke_delay_call(ke_call *call, uint64_t delay_100ns)
{
    ke_machine *m = call->m;
    ke_exec *e = call->exec;
    ke_processor *cpu = ke_call_cpu(call);
    KE_CHECK(m, delay_100ns > 0 && !e->delay_done);
    /* Recorded before the hold, whose own record (a wait) follows. */
    bool stall = e->is_dpc || e->is_isr || cpu->irql >= DISPATCH_LEVEL;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_DELAY);
    des_rec_u16(&rec, call->ddi);
    des_rec_u32(&rec, call->thread->id);
    des_rec_u8(&rec, (uint8_t)cpu->number);
    des_rec_u8(&rec, ke_trace_driver(call->driver));
    des_rec_u64(&rec, delay_100ns);
    des_rec_u8(&rec, stall ? 1 : 0);
    ke_trace_commit(m, &rec);
    if (stall) {
        if (!des_schedule(&m->des, &cpu->stall_end, m->des.now_100ns + delay_100ns))
            ke_panic(m, __FILE__, __LINE__, "out of host memory delaying a call");
        cpu->stalled = true;
    } else {
        ke_wait_interval(call, delay_100ns);
        call->blocked = false; /* no wait's status: the call is made again */
    }
    e->delay_done = true;
    call->delayed = true;
    return stall;
}

/* ------------------------------------------------------------------------ */
/* Processors                                                               */
/* ------------------------------------------------------------------------ */

static uint64_t active_mask(const ke_machine *m)
{
    return m->cpu_count >= 64 ? UINT64_MAX : (1ull << m->cpu_count) - 1u;
}

ULONG KeQueryActiveProcessorCount(ke_call *call, uint64_t *ActiveProcessors)
{
    *ActiveProcessors = active_mask(call->m);
    return call->m->cpu_count;
}

/* One processor group, 0; ALL_PROCESSOR_GROUPS (0xFFFF) counts them all. */
ULONG KeQueryActiveProcessorCountEx(ke_call *call, ULONG GroupNumber)
{
    return GroupNumber == 0 || GroupNumber == 0xFFFFu ? call->m->cpu_count : 0;
}

uint64_t KeQueryActiveProcessors(ke_call *call)
{
    return active_mask(call->m);
}

/* PROCESSOR_NUMBER: USHORT Group, UCHAR Number, UCHAR Reserved. */
ULONG KeGetCurrentProcessorNumberEx(ke_call *call, PVOID_VA ProcNumber)
{
    ULONG number = call->exec->cpu;
    if (ProcNumber != 0) {
        uint64_t value = (uint64_t)number << 16; /* Group 0, Number, Reserved 0 */
        if (!mm_access(call, ProcNumber, &value, 4, true))
            return 0;
    }
    return number;
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

PVOID_VA KeGetCurrentThread(ke_call *call)
{
    return call->thread->object->va;
}

/* The thread a PKTHREAD points at. A pointer that is no thread is read as
 * the driver's access to its fields: a fault where nothing is mapped; a
 * scenario error otherwise, as what Windows would do with it is not
 * modelled. */
static ke_thread *thread_at(ke_call *call, PVOID_VA va, const char *routine)
{
    ke_thread *t = ke_thread_at(call->m, va);
    if (t != NULL)
        return t;
    uint64_t probe;
    if (!mm_access(call, va, &probe, 1, false))
        return NULL;
    ke_stop_machine(call->m, KE_STOP_SCENARIO_ERROR,
                    "%s: 0x%llX is not a thread (a PKTHREAD from KeGetCurrentThread, "
                    "PsGetCurrentThread or ObReferenceObjectByHandle)",
                    routine, (unsigned long long)va);
    return NULL;
}

int32_t KeSetPriorityThread(ke_call *call, PVOID_VA Thread, int32_t Priority)
{
    ke_thread *t = thread_at(call, Thread, "KeSetPriorityThread");
    if (t == NULL)
        return 0;
    int32_t old = t->priority;
    t->priority = Priority;
    return old;
}

int32_t KeQueryPriorityThread(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_at(call, Thread, "KeQueryPriorityThread");
    return t != NULL ? t->priority : 0;
}

/* Gives the calling thread an affinity; if its processor is not in it, the
 * thread leaves the processor and waits, ready, for one that is. */
static void set_affinity(ke_call *call, uint64_t affinity)
{
    ke_thread *t = call->thread;
    if (t->in_ready_queue) /* the ready queue counts its threads with an affinity */
        call->m->ready_affine += (affinity != 0) - (t->affinity != 0);
    t->affinity = affinity;
    if (call->exec != &t->exec || ke_thread_allows(t, call->exec->cpu))
        return;
    t->wait_irql = ke_call_irql(call);
    t->state = KE_THREAD_WAITING;
    ke_ready_thread(call->m, t, STATUS_SUCCESS);
    call->blocked = true;
}

uint64_t KeSetSystemAffinityThreadEx(ke_call *call, uint64_t Affinity)
{
    uint64_t old = call->thread->affinity;
    uint64_t mask = Affinity & active_mask(call->m);
    if (mask != 0)
        set_affinity(call, mask);
    return old;
}

void KeRevertToUserAffinityThreadEx(ke_call *call, uint64_t Affinity)
{
    set_affinity(call, Affinity & active_mask(call->m));
}

/* The mode the thread entered the kernel from: an application's thread
 * (its code making a request of a driver) is UserMode, a system thread
 * KernelMode. */
ULONG ExGetPreviousMode(ke_call *call)
{
    return ke_system_thread(call->thread) ? KernelMode : UserMode;
}

ke_object *ke_thread_lock_event(ke_machine *m, ke_thread *t)
{
    if (t->lock_event != NULL)
        return t->lock_event;
    PVOID_VA va = ex_alloc_internal(m, NonPagedPool, ke_types[KE_TYPE_KEVENT].size[m->config.arch],
                                    0x6257654Bu /* "KeWb" */);
    if (va == 0) {
        ke_stop_machine(m, KE_STOP_LIMIT, "nonpaged pool exhausted: no room for a thread's wait "
                                          "block (a push lock or rundown wait)");
        return NULL;
    }
    t->lock_event = ke_object_init(m, va, KE_OBJECT_SYNCHRONIZATION_EVENT, 0);
    if (t->lock_event == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory for a thread's wait block");
    return t->lock_event;
}

/* ------------------------------------------------------------------------ */
/* Processor numbers, nodes and the DPC watchdog                            */
/* ------------------------------------------------------------------------ */

/* One group (0) and one NUMA node (0) hold every processor. */
NTSTATUS KeGetProcessorNumberFromIndex(ke_call *call, ULONG ProcIndex, PVOID_VA ProcNumber)
{
    if (ProcIndex >= call->m->cpu_count)
        return STATUS_INVALID_PARAMETER;
    uint64_t value = (uint64_t)ProcIndex << 16; /* Group 0, Number, Reserved 0 */
    if (!mm_access(call, ProcNumber, &value, 4, true))
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/* INVALID_PROCESSOR_INDEX (0xFFFFFFFF) for a processor that does not exist. */
ULONG KeGetProcessorIndexFromNumber(ke_call *call, PVOID_VA ProcNumber)
{
    uint64_t value = 0;
    if (!mm_access(call, ProcNumber, &value, 4, false))
        return 0;
    uint32_t group = (uint16_t)value, number = (uint8_t)(value >> 16);
    return group == 0 && number < call->m->cpu_count ? number : 0xFFFFFFFFu;
}

ULONG KeQueryHighestNodeNumber(ke_call *call)
{
    (void)call;
    return 0;
}

/* GROUP_AFFINITY: KAFFINITY Mask, USHORT Group, USHORT Reserved[3]. */
void KeQueryNodeActiveAffinity(ke_call *call, ULONG NodeNumber, PVOID_VA Affinity,
                               PVOID_VA Count)
{
    uint64_t mask = NodeNumber == 0 ? active_mask(call->m) : 0;
    uint64_t zero = 0, count = 0;
    for (uint64_t bits = mask; bits != 0; bits &= bits - 1)
        count++;
    size_t kaffinity = call->m->config.arch == KE_ARCH_X86 ? 4 : 8;
    if (Affinity != 0 && (!mm_access(call, Affinity, &mask, kaffinity, true) ||
                          !mm_access(call, Affinity + kaffinity, &zero, 8, true)))
        return;
    if (Count != 0)
        mm_access(call, Count, &count, 2, true);
}

/*
 * KDPC_WATCHDOG_INFORMATION: ULONG DpcTimeLimit, DpcTimeCount,
 * DpcWatchdogLimit, DpcWatchdogCount, Reserved. drvsim models the
 * cumulative watchdog (0x133 P1 1), in clock ticks: its limit, and the
 * ticks left before it fires on this processor. The single-DPC time-out is
 * not modelled: DpcTimeLimit 0, which the structure's page says means
 * disabled. STATUS_UNSUCCESSFUL, nothing written, when the processor is not
 * running a DPC.
 */
NTSTATUS KeQueryDpcWatchdogInformation(ke_call *call, PVOID_VA WatchdogInformation)
{
    const ke_processor *cpu = ke_call_cpu(call);
    if (!call->exec->is_dpc)
        return STATUS_UNSUCCESSFUL;
    uint64_t elapsed = cpu->irql >= DISPATCH_LEVEL
                           ? (call->m->des.now_100ns - cpu->dispatch_since_100ns) /
                                 KE_TIME_INCREMENT_100NS
                           : 0;
    uint32_t info[5] = {0, 0, KE_DPC_WATCHDOG_PERIOD_TICKS,
                        elapsed < KE_DPC_WATCHDOG_PERIOD_TICKS
                            ? KE_DPC_WATCHDOG_PERIOD_TICKS - (uint32_t)elapsed
                            : 0,
                        0};
    if (!mm_access(call, WatchdogInformation, info, sizeof info, true))
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}
