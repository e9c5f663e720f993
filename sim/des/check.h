/*
 * check.h - the always-on invariant check of the simulator's own code.
 *
 * A failed check is a simulator bug, never a simulated one: it prints where
 * and aborts, whatever NDEBUG says (assert() would vanish in release builds).
 * Code that knows the machine uses KE_CHECK (ke/ke.h), which adds the seed.
 */
#ifndef DRVSIM_DES_CHECK_H
#define DRVSIM_DES_CHECK_H

_Noreturn void des_check_failed(const char *file, int line, const char *cond);

/*
 * What a failed check prints after its own line and before it aborts: the
 * context of the run it happened in (its seed, scenario line and replay
 * command), which the engine cannot know. Whoever runs the simulation
 * installs it once per run and clears it after (fn NULL). Every abort path
 * of the simulator (DES_CHECK, KE_CHECK, ke_panic, a Lua panic) calls
 * des_check_print_context, which calls fn at most once per process.
 */
typedef void (*des_check_context_fn)(void *ctx);
void des_check_set_context(des_check_context_fn fn, void *ctx);
void des_check_print_context(void);

#define DES_CHECK(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            des_check_failed(__FILE__, __LINE__, #cond);                                           \
    } while (0)

/* printf-style argument checking where the compiler offers it. */
#if defined(__GNUC__)
#define DES_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define DES_PRINTF(fmt_index, first_arg)
#endif

#endif /* DRVSIM_DES_CHECK_H */
