/*
 * ob.h - kernel handles and object references (object.c).
 */
#ifndef DRVSIM_OB_H
#define DRVSIM_OB_H

#include "ke/ke.h"

/* A new kernel handle to o (one more reference). */
uint64_t ob_create_handle(ke_machine *m, ke_object *o);

/* The object a kernel handle refers to, or NULL. */
ke_object *ob_handle_object(const ke_machine *m, uint64_t handle);

/* A thread ended: it drops the reference it held on its own object (the
 * last one deletes the object and frees its ETHREAD). */
void ob_thread_ended(ke_machine *m, ke_thread *t);

#endif /* DRVSIM_OB_H */
