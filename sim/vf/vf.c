/*
 * vf.c - Driver Verifier's state: settings in force, counters, and which
 * images are verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "vf/ddirules.h"
#include "vf/deadlock.h"
#include "vf/delay_fuzz.h"
#include "vf/invariant_mdl.h"
#include "vf/race.h"
#include "vf/thunks.h"
#include "vf/vf.h"

vf_state *vf_create(const vf_settings *settings, const vf_gflags *gflags, uint64_t seed)
{
    vf_state *vf = calloc(1, sizeof *vf);
    if (vf == NULL)
        return NULL;
    if (!vf_settings_copy(&vf->settings, settings)) {
        free(vf);
        return NULL;
    }
    vf->gflags = *gflags;
    vf_inject_init(&vf->inject, seed);
    vf_pend_init(&vf->pend, seed);
    if (ddc_wanted(settings)) {
        vf->ddc = ddc_create();
        if (vf->ddc == NULL) {
            vf_destroy(vf);
            return NULL;
        }
    }
    if (settings->flags & VF_FLAG_KERNEL_SYNC_DELAY_FUZZING) {
        /* Its thunks go over every other (0x800000 is never /volatile). */
        ddi_imports next = ddi_kernel_exports;
        vf_patch_imports(&next);
        if (vf->ddc != NULL)
            ddc_patch_imports(&next);
        vf->delay = vf_delay_fuzz_create(seed, &next);
        if (vf->delay == NULL) {
            vf_destroy(vf);
            return NULL;
        }
    }
    return vf;
}

void vf_destroy(vf_state *vf)
{
    if (vf == NULL)
        return;
    vf_settings_free(&vf->settings);
    vf_inject_free(&vf->inject);
    vf_pend_free(&vf->pend);
    vf_irplog_free(&vf->irplog);
    ddc_destroy(vf->ddc);
    vf_deadlock_destroy(vf->deadlock);
    vf_race_destroy(vf->race);
    vf_iov_children_destroy(vf->children);
    vf_dma_destroy(vf->dma);
    vf_imdl_destroy(vf->imdl);
    vf_delay_fuzz_destroy(vf->delay);
    free(vf);
}

/* A verified image's imports: the verifier's thunks, and over them the DDI
 * rules' where a DDI compliance option is on (DDI compliance is never
 * /volatile, so that is known when the image loads). */
static void vf_patch_imports_all(ke_machine *m, ddi_imports *imports)
{
    vf_patch_imports(imports);
    if (m->vf->ddc != NULL)
        ddc_patch_imports(imports);
    if (m->vf->delay != NULL)
        vf_delay_fuzz_patch(imports);
}

void vf_driver_loading(ke_machine *m, io_driver *d)
{
    /* Verification is decided when the image loads and holds until it
     * unloads: /volatile /removedriver cannot take a loaded driver out. */
    d->verified = vf_settings_verifies(&m->vf->settings, d->name);
    d->imports = ddi_kernel_exports;
    if (d->verified)
        vf_patch_imports_all(m, &d->imports);
}

/* ------------------------------------------------------------------------ */
/* Pool tracking                                                            */
/* ------------------------------------------------------------------------ */

/* Adds delta allocations of `bytes` to a driver's current counts, and its
 * peaks, paged or nonpaged. */
static void count_pool(io_driver *d, bool paged, int delta, uint64_t bytes)
{
    uint64_t *c = d->counters;
    int current =
        paged ? DRVSIM_DC_CurrentPagedPoolAllocations : DRVSIM_DC_CurrentNonPagedPoolAllocations;
    int peak = paged ? DRVSIM_DC_PeakPagedPoolAllocations : DRVSIM_DC_PeakNonPagedPoolAllocations;
    int usage = paged ? DRVSIM_DC_PagedPoolUsageInBytes : DRVSIM_DC_NonPagedPoolUsageInBytes;
    int peak_usage =
        paged ? DRVSIM_DC_PeakPagedPoolUsageInBytes : DRVSIM_DC_PeakNonPagedPoolUsageInBytes;
    if (delta > 0) {
        c[current]++;
        c[usage] += bytes;
    } else {
        c[current]--;
        c[usage] -= bytes;
    }
    if (c[current] > c[peak])
        c[peak] = c[current];
    if (c[usage] > c[peak_usage])
        c[peak_usage] = c[usage];
}

void vf_pool_track(ke_call *call, ex_block *b)
{
    if (!vf_option_enabled(call, VF_FLAG_POOL_TRACKING))
        return;
    /* Pool tracking goes by the size the driver asked for, not by where
     * the block lives: below a page it is tracked in normal pool and in
     * special pool alike (debugging-memory-leaks: the /standard leak's
     * blocks are special pool's), a page or more is not tracked, only
     * counted ("Allocations whose size is one page or larger are not
     * tracked by Pool Tracking", monitoring-global-counters.md). */
    if (b->size_bytes >= PAGE_SIZE) {
        call->m->vf->counters[DRVSIM_GC_UnTrackedPool]++;
        return;
    }
    io_driver *d = call->driver;
    b->tracked = true;
    b->track_next = NULL;
    b->track_prev = d->tracked_tail;
    if (d->tracked_tail != NULL)
        d->tracked_tail->track_next = b;
    else
        d->tracked_head = b;
    d->tracked_tail = b;
    d->tracked_count++;
    count_pool(d, ex_pool_type_paged(b->pool_type), 1, b->size_bytes);
}

void vf_pool_untrack(ke_machine *m, ex_block *b)
{
    io_driver *d = b->owner;
    KE_CHECK(m, b->tracked && d != NULL && d->tracked_count > 0);
    if (b->track_prev != NULL)
        b->track_prev->track_next = b->track_next;
    else
        d->tracked_head = b->track_next;
    if (b->track_next != NULL)
        b->track_next->track_prev = b->track_prev;
    else
        d->tracked_tail = b->track_prev;
    b->track_prev = b->track_next = NULL;
    b->tracked = false;
    d->tracked_count--;
    count_pool(d, ex_pool_type_paged(b->pool_type), -1, b->size_bytes);
}

void vf_driver_unloaded(ke_call *call, io_driver *d)
{
    ke_call as_driver = *call;
    as_driver.driver = d; /* the checks are of the driver, called by the harness */
    /* Timers still set and DPCs still queued would run into the unloaded
     * image: 0xC7 right after unload, P3..P4 the image's range. */
    /* A timer or DPC object outside the image (in pool the driver leaked)
     * whose DPC routine is the driver's code is P1 2, P2 the routine, as
     * KeCheckForTimer reports a routine in the range. An EX_TIMER's or I/O
     * timer's KDPC runs the kernel's routine, which calls the driver's:
     * those stay P1 0 (the timer). */
    PVOID_VA start = d->image_base, end = d->image_base + IO_IMAGE_STRIDE;
    ke_timer *timer = ke_timer_of_driver(call->m, d);
    if (timer != NULL) {
        const ke_dpc *td = timer->dpc != 0 ? des_map_get(&call->m->dpcs, timer->dpc) : NULL;
        bool inside = timer->va >= start && timer->va < end;
        if (!inside && td != NULL && td->driver == d && td->routine != 0 && td->ex_timer == 0 &&
            td->io_timer_device == 0 &&
            vf_rule_enabled(&as_driver, RULE_unload_dpc_routine)) {
            kd_raise(&as_driver, RULE_unload_dpc_routine, io_routine_token(d, td->routine),
                     start, end);
            return;
        }
        if (vf_rule_enabled(&as_driver, RULE_unload_timer_set)) {
            kd_raise(&as_driver, RULE_unload_timer_set, timer->va, start, end);
            return;
        }
    }
    ke_dpc *dpc = ke_dpc_of_driver(call->m, d);
    if (dpc != NULL && !(dpc->va >= start && dpc->va < end) && dpc->routine != 0 &&
        dpc->ex_timer == 0 && dpc->io_timer_device == 0 &&
        vf_rule_enabled(&as_driver, RULE_unload_dpc_routine)) {
        kd_raise(&as_driver, RULE_unload_dpc_routine, io_routine_token(d, dpc->routine), start,
                 end);
        return;
    }
    if (dpc != NULL && vf_rule_enabled(&as_driver, RULE_unload_dpc_queued)) {
        kd_raise(&as_driver, RULE_unload_dpc_queued, dpc->va, start, end);
        return;
    }
    vf_wmi_unload_check(&as_driver, d);
    if (ke_stopped(call->m))
        return;
    if (d->tracked_count > 0 && vf_rule_enabled(&as_driver, RULE_pool_leak_on_unload)) {
        /* P2 the driver's name, P3 DV's per-driver data (not modelled: 0),
         * P4 the allocations left. */
        kd_raise(&as_driver, RULE_pool_leak_on_unload, d->name_string, 0, d->tracked_count);
    }
}

bool vf_apply_volatile(ke_machine *m, const char *args, char *err, size_t err_len)
{
    vf_settings change;
    vf_settings_init(&change);
    bool ok = vf_settings_parse(&change, args, err, err_len);
    if (ok && !change.is_volatile) {
        /* Without /volatile, verifier.exe changes the settings of the next
         * boot, which a run never reaches. */
        snprintf(err, err_len, "a change during the run needs /volatile (\"/volatile %s\")", args);
        ok = false;
    }
    /* verifier.exe refuses to remove a driver that is loaded: it stays
     * verified until the next boot. */
    for (size_t i = 0; ok && i < change.removed.count; i++) {
        io_driver *d = io_find_driver(m, change.removed.items[i]);
        if (d != NULL && d->loaded) {
            snprintf(err, err_len, "/removedriver %s: the driver is loaded; it stays verified",
                     d->name);
            ok = false;
        }
    }
    ok = ok && vf_settings_apply_volatile(&m->vf->settings, &change, err, err_len);
    vf_settings_free(&change);
    if (!ok)
        return false;
    /* /adddriver verifies a loaded driver from now on. */
    for (uint32_t i = 0; i < m->driver_count; i++) {
        io_driver *d = m->drivers[i];
        if (d->loaded && !d->verified && vf_settings_verifies(&m->vf->settings, d->name)) {
            d->verified = true;
            vf_patch_imports_all(m, &d->imports);
        }
    }
    vf_hooks_update(m);
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_VERIFIER);
    des_rec_u32(&rec, m->vf->settings.flags);
    ke_trace_commit(m, &rec);
    return true;
}

static bool add_note(char ***notes, size_t *count, const char *line)
{
    char **grown = realloc(*notes, (*count + 1) * sizeof *grown);
    if (grown == NULL)
        return false;
    *notes = grown;
    grown[*count] = strdup(line);
    if (grown[*count] == NULL)
        return false;
    (*count)++;
    return true;
}

/* How many rules of the catalogue an option bit enables. */
static uint32_t rules_of_option(uint32_t bit)
{
    uint32_t n = 0;
    for (size_t i = 0; i < RULE_COUNT; i++)
        n += rule_table[i].option == bit;
    return n;
}

/* "<head> Name (0xN), ..." for the bits of `bits`; with_rules adds how many
 * of the option's checks are simulated. False on host OOM. */
static bool flags_note(char ***notes, size_t *count, const char *head, uint32_t bits,
                       bool with_rules)
{
    if (bits == 0)
        return true;
    char line[1024];
    int n = snprintf(line, sizeof line, "%s", head);
    const char *sep = " ";
    for (uint32_t bit = 1; bit != 0 && n > 0 && (size_t)n < sizeof line; bit <<= 1) {
        if ((bits & bit) == 0)
            continue;
        const char *name = vf_flag_name(bit);
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%s (0x%X)", sep,
                      name != NULL ? name : "?", bit);
        if (with_rules && n > 0 && (size_t)n < sizeof line)
            n += snprintf(line + n, sizeof line - (size_t)n, ": %u of its checks",
                          rules_of_option(bit));
        sep = ", ";
    }
    return add_note(notes, count, line);
}

/*
 * Enhanced I/O verification (0x40) has been on whenever I/O verification
 * (0x10) is since Windows 7 (enhanced-i-o-verification.md), so the catalogue
 * files its checks under 0x10: they are the 0xC9 codes C9 lists as Enhanced
 * I/O's, 0x23C-0x24D and 0x300-0x312 (bug-check-0xc9--driver-verifier-
 * iomanager-violation.md).
 */
static bool rule_is_enhanced_io(const rule_row *r)
{
    return r->code == 0xC9 && r->sub_param == 1 &&
           ((r->sub_value >= 0x23C && r->sub_value <= 0x24D) ||
            (r->sub_value >= 0x300 && r->sub_value <= 0x312));
}

/* The 0x40 note: how many of Enhanced I/O's checks the catalogue has, and
 * which; its stress actions (fake power and WMI IRPs, a fake filter,
 * shuffled enumeration) are not simulated. Nothing written (and false in
 * *written) when the catalogue has none. False on host OOM. */
static bool enhanced_io_note(const vf_settings *s, char ***notes, size_t *count, bool *written)
{
    char codes[512] = "";
    uint32_t rules = 0;
    int n = 0;
    for (size_t i = 0; i < RULE_COUNT; i++) {
        if (!rule_is_enhanced_io(&rule_table[i]))
            continue;
        if (n >= 0 && (size_t)n < sizeof codes)
            n += snprintf(codes + n, sizeof codes - (size_t)n, "%s0x%X", rules ? ", " : "",
                          (unsigned)rule_table[i].sub_value);
        rules++;
    }
    *written = rules > 0;
    if (rules == 0)
        return true;
    char line[1024];
    snprintf(line, sizeof line,
             "verifier option Enhanced I/O verification (0x40) is simulated in part: %u of its "
             "checks (0xC9: %s), on with I/O verification (0x10) as on Windows 7 and later%s; "
             "its stress actions (fake power and WMI IRPs, a fake filter, shuffled enumeration) "
             "are not simulated",
             rules, codes,
             (s->flags & VF_FLAG_IO_VERIFICATION) ? "" : " (0x10 is not set: none is on)");
    return add_note(notes, count, line);
}

/*
 * verifier.exe names what /standard, /flags, /ruleclasses and /faults apply
 * to with /driver or /all (verifier-command-line.md). Without either no
 * driver is verified: say so, rather than run clean in silence.
 */
static bool no_target_note(const vf_settings *s, char ***notes, size_t *count)
{
    bool options = s->flags_given || s->rule_class_count > 0 || s->faults_given;
    if (!options || s->all_drivers || s->drivers.count > 0)
        return true;
    char given[64];
    if (s->standard)
        snprintf(given, sizeof given, "/standard");
    else if (s->flags_given)
        snprintf(given, sizeof given, "/flags 0x%X", s->flags);
    else if (s->rule_class_count > 0)
        snprintf(given, sizeof given, "/ruleclasses");
    else
        snprintf(given, sizeof given, "/faults");
    char line[256];
    snprintf(line, sizeof line,
             "verifier settings name no driver: %s without /driver or /all verifies nothing "
             "(add /driver NAME.sys ... or /all)",
             given);
    return add_note(notes, count, line);
}

bool vf_unsimulated_notes(const vf_settings *s, const vf_gflags *g, char ***notes, size_t *count)
{
    char line[1024];
    if (!no_target_note(s, notes, count))
        return false;
    /* An option not wholly simulated is partly so when the catalogue holds
     * rules it enables: the note says which, so it cannot disagree with
     * `drvsim rules`. */
    /* Windows refuses the pair (verifier-command-line.md, the options'
     * pages: "incompatible with deadlock detection"); drvsim runs both and
     * says so (README, Kernel synchronization delay fuzzing). */
    const uint32_t pair = VF_FLAG_DEADLOCK_DETECTION | VF_FLAG_KERNEL_SYNC_DELAY_FUZZING;
    if ((s->flags & pair) == pair &&
        !add_note(notes, count,
                  "verifier options Deadlock detection (0x20) and Kernel synchronization delay "
                  "fuzzing (0x800000) both run here, although Windows refuses the pair: the "
                  "delays are simulated time drawn from the run's seed, so a run replays "
                  "exactly, and deadlock detection's lock order checks do not depend on timing"))
        return false;
    uint32_t pending = s->flags & ~VF_FLAGS_SIMULATED, partly = 0;
    if (pending & VF_FLAG_ENHANCED_IO) {
        bool written;
        if (!enhanced_io_note(s, notes, count, &written))
            return false;
        if (written)
            pending &= ~(uint32_t)VF_FLAG_ENHANCED_IO;
    }
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        if ((pending & bit) != 0 && rules_of_option(bit) > 0)
            partly |= bit;
    }
    if (!flags_note(notes, count,
                    "verifier options parsed but not simulated yet:", pending & ~partly, false) ||
        !flags_note(notes, count, "verifier options simulated in part (see drvsim rules):", partly,
                    true))
        return false;
    /* The options that are no /flags bit (/ruleclasses 35, /sdv): how many
     * of their rules the catalogue runs (rules whose DDIs drvsim lacks wait
     * in sim/vf/ddi_rules.spec). */
    for (uint32_t bit = VF_OPTION_DDI_IRQL_ADDITIONAL; bit != 0; bit <<= 1) {
        if ((s->options & bit) == 0)
            continue;
        char sw[32];
        const char *name = vf_option_name(bit, sw, sizeof sw);
        uint32_t rules = rules_of_option(bit);
        if (rules == 0)
            snprintf(line, sizeof line,
                     "verifier %s (%s) is parsed but not simulated yet: none of its rules runs "
                     "here yet (their DDIs are missing)",
                     sw, name);
        else
            snprintf(line, sizeof line,
                     "verifier %s (%s) is simulated in part (see drvsim rules): %u of its checks",
                     sw, name, rules);
        if (!add_note(notes, count, line))
            return false;
    }
    for (size_t i = 0; i < s->unsimulated.count; i++) {
        snprintf(line, sizeof line, "verifier %s is parsed but not simulated",
                 s->unsimulated.items[i]);
        if (!add_note(notes, count, line))
            return false;
    }
    return true;
}
