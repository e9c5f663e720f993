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
