/*
 * trace.c - writes trace records as text lines: "<time> <event> <details>",
 * the time in simulated 100 ns units ("0:00:01.0000013"), and DDI calls,
 * routine entries and the bug check followed by the scenario line running
 * ("@ scenarios/x.lua:12"). The text is not what the digest is computed from
 * (the records are), so its form can change without moving a digest.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/perfetto.h"
#include "kd/trace.h"

static const char *driver_name(const ke_machine *m, uint8_t index)
{
    if (index == 0xFF)
        return "-";
    return index < m->driver_count ? m->drivers[index]->name : "?";
}

static const char *ddi_name(uint16_t ddi)
{
    return ddi < DDI_COUNT ? ddi_names[ddi] : "?";
}

/* "H:MM:SS.fffffff": simulated time to its 100 ns unit. */
static void trace_time(FILE *out, uint64_t t)
{
    fprintf(out, "%" PRIu64 ":%02u:%02u.%07u ", (uint64_t)(t / (60u * DES_100NS_PER_MIN)),
            (unsigned)(t / DES_100NS_PER_MIN % 60), (unsigned)(t / DES_100NS_PER_SEC % 60),
            (unsigned)(t % DES_100NS_PER_SEC));
}

/* " @ file:line" of the scenario code running, before the line's end. */
static void trace_site(FILE *out, const ke_machine *m)
{
    if (m != NULL && m->host.site != NULL && m->host.site_name != NULL) {
        ke_site site = m->host.site(m->host.ctx, NULL);
        char buf[400];
        if (site.line != 0)
            fprintf(out, " @ %s", m->host.site_name(m->host.ctx, site, buf, sizeof buf));
    }
    fputc('\n', out);
}

void kd_trace_text(void *ctx, uint64_t now_100ns, const des_rec *rec)
{
    kd_trace_ctx *t = ctx;
    FILE *out = t->out;
    const ke_machine *m = t->m;
    des_rec_reader rd;
    des_rec_reader_init(&rd, rec);
    (void)des_rec_read_u64(&rd); /* the time stamp: printed from now_100ns */
    char time[32], name[80], irql[24];
    trace_time(out, now_100ns);
    switch (rec->type) {
    case KE_TR_BOOT: { /* written while the machine is built: t->m is not set yet */
        unsigned cpus = des_rec_read_u8(&rd), arch = des_rec_read_u8(&rd);
        unsigned build = des_rec_read_u8(&rd);
        unsigned long long memory = des_rec_read_u64(&rd);
        unsigned flags = des_rec_read_u32(&rd);
        fprintf(out, "boot cpus=%u arch=%s build=%s memory=%llu verifier=0x%X\n", cpus,
                arch == KE_ARCH_X86 ? "x86" : "x64", build ? "checked" : "free", memory, flags);
        break;
    }
    case KE_TR_CALL: {
        uint16_t ddi = des_rec_read_u16(&rd);
        unsigned thread = des_rec_read_u32(&rd), cpu = des_rec_read_u8(&rd);
        KIRQL level = des_rec_read_u8(&rd);
        uint8_t driver = des_rec_read_u8(&rd);
        unsigned argc = des_rec_read_u8(&rd);
        fprintf(out, "call thread=%u cpu=%u irql=%s %s %s(", thread, cpu,
                ke_irql_name(m->config.arch, level, irql, sizeof irql), driver_name(m, driver),
                ddi_name(ddi));
        for (unsigned i = 0; i < argc; i++)
            fprintf(out, "%s0x%llX", i ? ", " : "", (unsigned long long)des_rec_read_u64(&rd));
        fputc(')', out);
        trace_site(out, m);
        break;
    }
    case KE_TR_RETURN: {
        uint16_t ddi = des_rec_read_u16(&rd);
        unsigned thread = des_rec_read_u32(&rd);
        fprintf(out, "return thread=%u %s -> 0x%llX\n", thread, ddi_name(ddi),
                (unsigned long long)des_rec_read_u64(&rd));
        break;
    }
    case KE_TR_SWITCH: {
        unsigned cpu = des_rec_read_u8(&rd);
        fprintf(out, "switch cpu=%u thread=%u\n", cpu, des_rec_read_u32(&rd));
        break;
    }
    case KE_TR_WAIT: {
        unsigned thread = des_rec_read_u32(&rd);
        fprintf(out, "wait thread=%u until=%s\n", thread,
                des_format_time(des_rec_read_u64(&rd), time, sizeof time));
        break;
    }
    case KE_TR_WAKE: {
        unsigned thread = des_rec_read_u32(&rd);
        fprintf(out, "wake thread=%u status=0x%08X\n", thread, des_rec_read_u32(&rd));
        break;
    }
    case KE_TR_LOAD: {
        uint8_t driver = des_rec_read_u8(&rd);
        des_rec_read_str(&rd, name, sizeof name);
        fprintf(out, "load %s%s (driver %u)\n", name, des_rec_read_u8(&rd) ? " verified" : "",
                driver);
        break;
    }
    case KE_TR_UNLOAD:
        fprintf(out, "unload %s\n", driver_name(m, des_rec_read_u8(&rd)));
        break;
    case KE_TR_ROUTINE: {
        unsigned thread = des_rec_read_u32(&rd);
        uint8_t driver = des_rec_read_u8(&rd);
        des_rec_read_str(&rd, name, sizeof name);
        bool enter = des_rec_read_u8(&rd) != 0;
        fprintf(out, "%s thread=%u %s %s", enter ? "enter" : "leave", thread,
                driver_name(m, driver), name);
        if (enter)
            trace_site(out, m);
        else
            fputc('\n', out);
        break;
    }
    case KE_TR_BUGCHECK: {
        unsigned code = des_rec_read_u32(&rd);
        unsigned long long p[4];
        for (int i = 0; i < 4; i++)
            p[i] = des_rec_read_u64(&rd);
        fprintf(out, "bugcheck 0x%08X (0x%llX, 0x%llX, 0x%llX, 0x%llX) %s", code, p[0], p[1],
                p[2], p[3], driver_name(m, des_rec_read_u8(&rd)));
        trace_site(out, m);
        break;
    }
    case KE_TR_WARNING: {
        unsigned code = des_rec_read_u32(&rd);
        unsigned long long p[4];
        for (int i = 0; i < 4; i++)
            p[i] = des_rec_read_u64(&rd);
        fprintf(out, "warning 0x%08X (0x%llX, 0x%llX, 0x%llX, 0x%llX) %s", code, p[0], p[1], p[2],
                p[3], driver_name(m, des_rec_read_u8(&rd)));
        trace_site(out, m);
        break;
    }
    case KE_TR_STOP:
        fprintf(out, "stop reason=%u\n", des_rec_read_u8(&rd));
        break;
    case KE_TR_VERIFIER:
        fprintf(out, "verifier flags=0x%X\n", des_rec_read_u32(&rd));
        break;
    case KE_TR_THREAD: {
        unsigned thread = des_rec_read_u32(&rd), process = des_rec_read_u32(&rd);
        fprintf(out, "thread %u created in process %u by %s\n", thread, process,
                driver_name(m, des_rec_read_u8(&rd)));
        break;
    }
    case KE_TR_EXIT: {
        unsigned thread = des_rec_read_u32(&rd);
        fprintf(out, "thread %u ends status=0x%08X\n", thread, des_rec_read_u32(&rd));
        break;
    }
    case KE_TR_SIGNAL: {
        unsigned long long object = des_rec_read_u64(&rd);
        fprintf(out, "signal object=0x%llX state=%d\n", object, (int)des_rec_read_u32(&rd));
        break;
    }
    case KE_TR_SPIN: {
        unsigned cpu = des_rec_read_u8(&rd);
        fprintf(out, "spin cpu=%u lock=0x%llX\n", cpu, (unsigned long long)des_rec_read_u64(&rd));
        break;
    }
    case KE_TR_DPC: {
        unsigned cpu = des_rec_read_u8(&rd);
        unsigned long long dpc = des_rec_read_u64(&rd);
        fprintf(out, "dpc %s cpu=%u dpc=0x%llX\n", des_rec_read_u8(&rd) ? "start" : "end", cpu,
                dpc);
        break;
    }
    case KE_TR_TIMER:
        fprintf(out, "timer expires 0x%llX\n", (unsigned long long)des_rec_read_u64(&rd));
        break;
    case KE_TR_DBGPRINT: {
        unsigned thread = des_rec_read_u32(&rd);
        uint8_t driver = des_rec_read_u8(&rd);
        unsigned component = des_rec_read_u32(&rd), level = des_rec_read_u32(&rd);
        unsigned length = des_rec_read_u32(&rd);
        fprintf(out, "dbgprint thread=%u %s component=%u level=%u length=%u hash=0x%016llX\n",
                thread, driver_name(m, driver), component, level, length,
                (unsigned long long)des_rec_read_u64(&rd));
        break;
    }
    case KE_TR_INTERRUPT: {
        static const char *const what[] = {"requested", "start", "end"};
        unsigned cpu = des_rec_read_u8(&rd);
        unsigned long long interrupt = des_rec_read_u64(&rd);
        unsigned w = des_rec_read_u8(&rd);
        fprintf(out, "interrupt %s cpu=%u interrupt=0x%llX\n", w < 3 ? what[w] : "?", cpu,
                interrupt);
        break;
    }
    case KE_TR_FAULT: {
        unsigned ddi = des_rec_read_u16(&rd), thread = des_rec_read_u32(&rd);
        const char *driver = driver_name(m, des_rec_read_u8(&rd));
        uint32_t tag = des_rec_read_u32(&rd);
        char text[5];
        fprintf(out, "fault injected %s thread %u %s tag \"%s\"\n", ddi_name(ddi), thread, driver,
                ex_tag_text(tag, text));
        break;
    }
    case KE_TR_PEND: {
        unsigned long long irp = des_rec_read_u64(&rd);
        unsigned location = des_rec_read_u8(&rd);
        bool forced = des_rec_read_u8(&rd) != 0;
        uint32_t status = des_rec_read_u32(&rd);
        if (forced)
            fprintf(out, "pend forced irp=0x%llX location=%u (below returned 0x%08X)\n", irp,
                    location, status);
        else
            fprintf(out, "pend resumed irp=0x%llX location=%u\n", irp, location);
        break;
    }
    case KE_TR_DELAY: {
        unsigned ddi = des_rec_read_u16(&rd), thread = des_rec_read_u32(&rd);
        unsigned cpu = des_rec_read_u8(&rd);
        const char *driver = driver_name(m, des_rec_read_u8(&rd));
        unsigned long long delay = des_rec_read_u64(&rd);
        bool stalled = des_rec_read_u8(&rd) != 0;
        fprintf(out, "delay injected %s thread %u %s cpu=%u %llu.%u us (%s)\n", ddi_name(ddi),
                thread, driver, cpu, delay / 10u, (unsigned)(delay % 10u),
                stalled ? "the processor stalls" : "the thread waits");
        break;
    }
    case KE_TR_HOLD: {
        unsigned cpu = des_rec_read_u8(&rd), thread = des_rec_read_u32(&rd);
        fprintf(out, "%s cpu=%u thread=%u\n", des_rec_read_u8(&rd) ? "hold" : "release", cpu,
                thread);
        break;
    }
    default:
        fprintf(out, "record type=%u\n", rec->type);
        break;
    }
}

void kd_trace_sink(void *ctx, uint64_t now_100ns, const des_rec *rec)
{
    kd_trace_ctx *t = ctx;
    if (t->out != NULL)
        kd_trace_text(ctx, now_100ns, rec);
    if (t->perfetto != NULL)
        kd_perfetto_record(t->perfetto, now_100ns, rec);
}
