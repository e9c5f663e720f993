/*
 * invariant_mdl.h - invariant MDL checking for stack (/flags 0x2000) and for
 * driver (/flags 0x4000): the buffers of read and write requests' MDLs that
 * drivers must not change (invariant_mdl.c).
 */
#ifndef DRVSIM_VF_INVARIANT_MDL_H
#define DRVSIM_VF_INVARIANT_MDL_H

#include <stdint.h>

#include "ke/hooks.h"
#include "vf/vf_settings.h"

struct vf_imdl;

/* The hook kinds the settings need: the IRP events when either option is on
 * with I/O verification and a driver is verified, else none. */
uint32_t vf_imdl_hook_mask(const vf_settings *s);
/* An IRP_CALL or IRP_COMPLETE event (vf_kernel_event). */
void vf_imdl_event(ke_machine *m, const ke_event *ev);
void vf_imdl_destroy(struct vf_imdl *im);

#endif /* DRVSIM_VF_INVARIANT_MDL_H */
