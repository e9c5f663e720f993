/*
 * test_checked.c - what a checked build and a debugger add: the DbgPrint
 * printf subset (deterministic, strings read from simulated memory) and
 * the debug output record; a recursive spin lock acquire in a checked
 * build.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"

static ke_machine *m;
static ke_call call;

static void boot(ke_arch arch, ke_build build, uint32_t cpus)
{
    ke_config config = tm_config(7, cpus, arch);
    config.build = build;
    config.memory_bytes = 1ull << 30;
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, NULL);
    ke_thread *t = ke_create_harness_thread(m);
    cr_assert_not_null(t);
    t->state = KE_THREAD_RUNNING;
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
}

static void boot_x64(void)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 1);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static kd_arg num(uint64_t v)
{
    return (kd_arg){.value = v};
}

static kd_arg str(const char *s)
{
    return (kd_arg){.is_text = true, .text = s};
}

/* Formats and checks the text and that no argument was missing. */
static void expect_format(const char *format, const kd_arg *args, size_t argc, const char *want)
{
    char out[KD_DBGPRINT_MAX_BYTES + 1];
    bool missing = true;
    cr_assert(kd_format(&call, format, args, argc, out, sizeof out, &missing));
    cr_assert_not(missing, "format %s", format);
    cr_assert_str_eq(out, want, "format \"%s\"", format);
}

TestSuite(dbgprint, .init = boot_x64, .fini = shutdown);

Test(dbgprint, integers_and_widths)
{
    kd_arg a[] = {num((uint64_t)-42), num(42), num(0xBEEF), num(0xBEEF), num(7)};
    expect_format("%d %u %x %X %o", a, 5, "-42 42 beef BEEF 7");
    kd_arg b[] = {num(5), num(5), num(5), num(0x1F)};
    expect_format("[%4d][%-4d][%04d][%#x]", b, 4, "[   5][5   ][0005][0x1f]");
    kd_arg c[] = {num(6), num(3)};
    expect_format("[%*d]", c, 2, "[     3]");
    expect_format("%+d % d %.3d", (kd_arg[]){num(3), num(3), num(3)}, 3, "+3  3 003");
}

Test(dbgprint, sizes_truncate_as_windows)
{
    /* %d and %ld are 32 bits on Windows (LLP64); ll and I64 are 64. */
    uint64_t big = 0x100000005ull;
    kd_arg a[] = {num(big), num(big), num(big), num(big), num(0xFFFFFFFFFFFFFFFFull)};
    expect_format("%d %ld %lld %I64x %I64d", a, 5, "5 5 4294967301 100000005 -1");
    kd_arg b[] = {num(0x12345), num(0xFFFF8)};
    expect_format("%hx %hd", b, 2, "2345 -8");
}

Test(dbgprint, pointers_are_all_their_digits)
{
    kd_arg a[] = {num(0xFFFFF80240001000ull), num(0x1234)};
    expect_format("%p %p", a, 2, "FFFFF80240001000 0000000000001234");
    expect_format("%Ix", (kd_arg[]){num(0x123456789ull)}, 1, "123456789");
}

Test(dbgprint, characters_and_percent)
{
    kd_arg a[] = {num('A'), num(0x263A)};
    expect_format("%c%%%wc", a, 2, "A%\xE2\x98\xBA");
}

Test(dbgprint, host_strings_and_null)
{
    kd_arg a[] = {str("disk"), str("volume"), num(0)};
    expect_format("%s/%ws/%s", a, 3, "disk/volume/(null)");
    expect_format("[%-6s][%.2s]", (kd_arg[]){str("ab"), str("abcdef")}, 2, "[ab    ][ab]");
}

Test(dbgprint, strings_in_simulated_memory)
{
    PVOID_VA ansi = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    PVOID_VA wide = ex_alloc_internal(m, NonPagedPool, 64, 0x74736554u);
    PVOID_VA us = ex_alloc_internal(m, NonPagedPool, 16, 0x74736554u);
    cr_assert(ansi != 0 && wide != 0 && us != 0);
    mm_poke(m->mm, ansi, "Hello", 6);
    const uint16_t units[] = {'W', 0xE9, 'x', 0};
    mm_poke(m->mm, wide, units, sizeof units);
    /* UNICODE_STRING { Length = 4 (two units), MaximumLength, Buffer } */
    uint16_t lengths[2] = {4, 8};
    mm_poke(m->mm, us, lengths, sizeof lengths);
    mm_poke(m->mm, us + 8, &wide, 8);
    kd_arg a[] = {num(ansi), num(wide), num(us)};
    expect_format("%s %ws %wZ", a, 3, "Hello W\xC3\xA9x W\xC3\xA9");
}

Test(dbgprint, bad_string_pointer_faults_like_the_driver)
{
    char out[64];
    bool missing = false;
    kd_arg a[] = {num(0x10)};
    cr_assert_not(kd_format(&call, "%s", a, 1, out, sizeof out, &missing));
    cr_assert_eq(m->stop, KE_STOP_BUGCHECK);
}

Test(dbgprint, missing_arguments_are_reported)
{
    char out[64];
    bool missing = false;
    cr_assert(kd_format(&call, "a=%d b=%d", (kd_arg[]){num(1)}, 1, out, sizeof out, &missing));
    cr_assert(missing);
    cr_assert_str_eq(out, "a=1 b=");
}

Test(dbgprint, output_is_cut_at_512_bytes)
{
    char out[KD_DBGPRINT_MAX_BYTES + 1];
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bool missing = false;
    cr_assert(kd_format(&call, "%s", (kd_arg[]){str(big)}, 1, out, sizeof out, &missing));
    cr_assert_eq(strlen(out), KD_DBGPRINT_MAX_BYTES);
}

Test(dbgprint, debug_output_is_kept_in_order)
{
    kd_debug_output(&call, 77, 3, "one\n");
    kd_debug_output(&call, 77, 3, "two\n");
    cr_assert_eq(m->debug_output_count, 2);
    cr_assert_str_eq(m->debug_output[0], "one\n");
    cr_assert_str_eq(m->debug_output[1], "two\n");
}

Test(dbgprint_x86, x86_pointers_have_eight_digits, .fini = shutdown)
{
    boot(KE_ARCH_X86, KE_BUILD_FREE, 1);
    expect_format("%p", (kd_arg[]){num(0x8123)}, 1, "00008123");
}

/* A checked kernel catches a recursive acquire at once, even on one
 * processor; a free one does not look. */
Test(checked_spinlock, recursive_acquire_is_spin_lock_already_owned, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_CHECKED, 1);
    PVOID_VA lock = ex_alloc_internal(m, NonPagedPool, 8, 0x6B636F4Cu);
    cr_assert(lock != 0);
    KeInitializeSpinLock(&call, lock);
    KIRQL old = 0;
    KeAcquireSpinLock(&call, lock, &old);
    cr_assert_not(ke_stopped(m));
    KIRQL again = 0;
    KeAcquireSpinLock(&call, lock, &again);
    cr_assert_eq(m->stop, KE_STOP_BUGCHECK);
    cr_assert_eq(m->bugcheck.code, 0x0F);
    cr_assert_eq(m->bugcheck.params[0], lock);
}

Test(checked_spinlock, free_build_spins_instead, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 2);
    PVOID_VA lock = ex_alloc_internal(m, NonPagedPool, 8, 0x6B636F4Cu);
    KeInitializeSpinLock(&call, lock);
    KIRQL old = 0;
    KeAcquireSpinLock(&call, lock, &old);
    call.spin = false;
    KeAcquireSpinLock(&call, lock, &old);
    cr_assert(call.spin);
    cr_assert_not(ke_stopped(m));
    cr_assert_eq(m->cpus[0].spinning_on, lock);
}

Test(checked_spinlock, release_then_acquire_is_fine, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_CHECKED, 2);
    PVOID_VA lock = ex_alloc_internal(m, NonPagedPool, 8, 0x6B636F4Cu);
    KeInitializeSpinLock(&call, lock);
    KIRQL old = 0;
    KeAcquireSpinLock(&call, lock, &old);
    KeReleaseSpinLock(&call, lock, old);
    KeAcquireSpinLock(&call, lock, &old);
    cr_assert_not(ke_stopped(m));
    KeReleaseSpinLock(&call, lock, old);
    cr_assert_eq(ke_call_irql(&call), PASSIVE_LEVEL);
}

/* ------------------------------------------------------------------------ */
/* Interrupts                                                               */
/* ------------------------------------------------------------------------ */

static PVOID_VA connect(KIRQL irql, KIRQL sync_irql, uint64_t mask)
{
    PVOID_VA object = 0;
    NTSTATUS s = IoConnectInterrupt(&call, &object, 1, 0x1234, 0, 0x51, irql, sync_irql, 1, false,
                                    mask, false);
    cr_assert_eq(s, STATUS_SUCCESS);
    cr_assert(object != 0);
    return object;
}

static uint64_t interrupt_lock(const ke_interrupt *i)
{
    uint64_t owner = 0;
    mm_peek(m->mm, i->spin_lock, &owner, 8);
    return owner;
}

Test(interrupts, connect_checks_its_parameters, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 2);
    PVOID_VA object = 0;
    /* DISPATCH_LEVEL is no device IRQL; SynchronizeIrql below Irql; no
     * processor in the mask; an unknown mode. */
    cr_assert_eq(IoConnectInterrupt(&call, &object, 1, 0, 0, 0x51, 2, 2, 0, false, 3, false),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(IoConnectInterrupt(&call, &object, 1, 0, 0, 0x51, 6, 5, 0, false, 3, false),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(IoConnectInterrupt(&call, &object, 1, 0, 0, 0x51, 5, 5, 0, false, 0x4, false),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(IoConnectInterrupt(&call, &object, 1, 0, 0, 0x51, 5, 5, 2, false, 3, false),
                 STATUS_INVALID_PARAMETER);
    cr_assert_eq(object, 0);
    object = connect(5, 6, 0x3);
    ke_interrupt *i = ke_interrupt_at(m, object);
    cr_assert_not_null(i);
    cr_assert_eq(i->irql, 5);
    cr_assert_eq(i->synchronize_irql, 6);
    IoDisconnectInterrupt(&call, object);
    cr_assert_null(ke_interrupt_at(m, object));
}

Test(interrupts, delivery_raises_to_the_device_irql_and_takes_the_lock, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 1);
    ke_interrupt *i = ke_interrupt_at(m, connect(5, 5, 0x1));
    ke_processor *cpu = &m->cpus[0];
    cr_assert(ke_request_interrupt(m, i));
    cr_assert_eq(i->pending_cpus, 1);
    cr_assert(ke_cpu_start_isr(m, cpu));
    cr_assert(cpu->in_isr);
    cr_assert_eq(cpu->irql, 5);
    cr_assert_eq(interrupt_lock(i), 1);
    cr_assert_eq(cpu->isr_exec.start_args[0], i->va);
    cr_assert_eq(cpu->isr_exec.start_args[1], 0x1234);
    cr_assert(cpu->isr_exec.is_isr);
    ke_exec_ended(m, &cpu->isr_exec);
    cr_assert_not(cpu->in_isr);
    cr_assert_eq(cpu->irql, PASSIVE_LEVEL);
    cr_assert_eq(interrupt_lock(i), 0);
    cr_assert_eq(i->pending_cpus, 0);
}

Test(interrupts, pending_while_the_irql_is_at_or_above_the_device_irql, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 1);
    ke_interrupt *i = ke_interrupt_at(m, connect(5, 5, 0x1));
    ke_processor *cpu = &m->cpus[0];
    ke_cpu_set_irql(m, cpu, 5);
    ke_request_interrupt(m, i);
    cr_assert_not(ke_cpu_start_isr(m, cpu));
    cr_assert_eq(i->pending_cpus, 1);
    ke_cpu_set_irql(m, cpu, DISPATCH_LEVEL);
    cr_assert(ke_cpu_start_isr(m, cpu));
    ke_exec_ended(m, &cpu->isr_exec);
    cr_assert_eq(cpu->irql, DISPATCH_LEVEL); /* back to what it interrupted */
}

Test(interrupts, isr_waits_for_a_processor_holding_the_interrupt_lock, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 2);
    PVOID_VA object = connect(5, 5, 0x2); /* delivered to processor 1 only */
    ke_interrupt *i = ke_interrupt_at(m, object);
    KIRQL old = KeAcquireInterruptSpinLock(&call, object); /* processor 0 */
    cr_assert_eq(old, PASSIVE_LEVEL);
    cr_assert_eq(ke_call_irql(&call), 5);
    cr_assert_eq(interrupt_lock(i), 1);
    ke_request_interrupt(m, i);
    ke_processor *cpu1 = &m->cpus[1];
    cr_assert(ke_cpu_start_isr(m, cpu1));
    cr_assert(cpu1->isr_lock_wait);
    cr_assert_eq(cpu1->spinning_on, i->spin_lock);
    KeReleaseInterruptSpinLock(&call, object, old);
    cr_assert_eq(ke_call_irql(&call), PASSIVE_LEVEL);
    ke_isr_take_lock(m, cpu1);
    cr_assert_eq(interrupt_lock(i), 2);
    ke_exec_ended(m, &cpu1->isr_exec);
    cr_assert_eq(interrupt_lock(i), 0);
}

Test(interrupts, isr_returning_at_another_irql_is_irql_unexpected_value, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 1);
    ke_interrupt *i = ke_interrupt_at(m, connect(7, 7, 0x1));
    ke_processor *cpu = &m->cpus[0];
    ke_request_interrupt(m, i);
    ke_cpu_start_isr(m, cpu);
    ke_cpu_set_irql(m, cpu, 15); /* the ISR raised to HIGH_LEVEL and kept it */
    ke_exec_ended(m, &cpu->isr_exec);
    cr_assert_eq(m->stop, KE_STOP_BUGCHECK);
    cr_assert_eq(m->bugcheck.code, 0xC8);
    cr_assert_eq(m->bugcheck.params[0], 0x0F0703);
    cr_assert_eq(m->bugcheck.params[2], i->va);
}

Test(interrupts, synchronize_execution_runs_the_routine_under_the_lock, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 2);
    PVOID_VA object = connect(5, 6, 0x3);
    ke_interrupt *i = ke_interrupt_at(m, object);
    KeSynchronizeExecution(&call, object, 9, 0x4444);
    cr_assert(call.callout);
    cr_assert_eq(call.exec->callout_count, 1);
    cr_assert_eq(call.exec->callouts[0].routine, 9);
    cr_assert_eq(call.exec->callouts[0].argument, 0x4444);
    cr_assert_eq(ke_call_irql(&call), 6); /* the SynchronizeIrql */
    cr_assert_eq(interrupt_lock(i), 1);
    /* An interrupt now waits: processor 0's IRQL is above the device's. */
    i->pending_cpus = 1;
    cr_assert_not(ke_cpu_start_isr(m, &m->cpus[0]));
    cr_assert_eq(ke_callout_end(&call, 7), 1); /* any nonzero BOOLEAN is TRUE */
    cr_assert_eq(call.exec->callout_count, 0);
    cr_assert_eq(ke_call_irql(&call), PASSIVE_LEVEL);
    cr_assert_eq(interrupt_lock(i), 0);
    cr_assert(ke_cpu_start_isr(m, &m->cpus[0]));
}

Test(interrupts, synchronize_execution_spins_while_an_isr_runs, .fini = shutdown)
{
    boot(KE_ARCH_X64, KE_BUILD_FREE, 2);
    PVOID_VA object = connect(5, 5, 0x2);
    ke_interrupt *i = ke_interrupt_at(m, object);
    ke_request_interrupt(m, i);
    cr_assert(ke_cpu_start_isr(m, &m->cpus[1]));
    call.spin = false;
    KeSynchronizeExecution(&call, object, 9, 0);
    cr_assert(call.spin);
    cr_assert_not(call.callout);
    cr_assert_eq(m->cpus[0].spinning_on, i->spin_lock);
    ke_exec_ended(m, &m->cpus[1].isr_exec);
    call.spin = false;
    KeSynchronizeExecution(&call, object, 9, 0);
    cr_assert(call.callout);
    cr_assert_eq(ke_callout_end(&call, 0), 0);
    cr_assert_eq(ke_call_irql(&call), PASSIVE_LEVEL); /* the IRQL before the first try */
}

/* The whole path through the scheduler: a host that plays the harness
 * (requests an interrupt, then checks the ISR ran before it went on) and
 * the ISR (notes where it ran, then returns). */
static int harness_steps;
static uint32_t isr_runs, isr_cpu;
static KIRQL isr_irql, harness_irql_after;
static PVOID_VA isr_object;

static void scripted_resume(void *ctx, ke_exec *e)
{
    (void)ctx;
    if (e->is_isr) {
        isr_runs++;
        isr_cpu = e->cpu;
        isr_irql = m->cpus[e->cpu].irql;
        ke_exec_ended(m, e);
        return;
    }
    if (harness_steps++ == 0) {
        ke_request_interrupt(m, ke_interrupt_at(m, isr_object));
        return; /* yields, still running */
    }
    harness_irql_after = m->cpus[e->cpu].irql;
    ke_terminate_thread(m, e->thread, STATUS_SUCCESS);
}

Test(interrupts, the_scheduler_runs_the_isr_before_the_interrupted_code, .fini = shutdown)
{
    ke_config config = {.seed = 3, .cpus = 1, .arch = KE_ARCH_X64, .memory_bytes = 1ull << 30};
    config.limits.max_time_100ns = 10000000;
    config.limits.max_events = 100000;
    vf_settings settings;
    vf_gflags gflags;
    vf_settings_init(&settings);
    vf_gflags_init(&gflags);
    ke_host host = {.resume = scripted_resume, .site = tm_no_site, .site_name = tm_no_site_name};
    m = ke_machine_create(&config, &settings, &gflags, &host);
    vf_settings_free(&settings);
    cr_assert_not_null(m);
    ke_thread *t = ke_create_harness_thread(m);
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
    isr_object = connect(9, 9, 0x1);
    harness_steps = 0;
    isr_runs = 0;
    cr_assert_eq(ke_run(m), KE_STOP_FINISHED);
    cr_assert_eq(isr_runs, 1);
    cr_assert_eq(isr_cpu, 0);
    cr_assert_eq(isr_irql, 9);
    cr_assert_eq(harness_irql_after, PASSIVE_LEVEL);
    cr_assert_eq(harness_steps, 2);
}
