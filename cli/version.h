/*
 * version.h - what `drvsim --version` and every JSON, JSONL and SARIF
 * output say of the binary: the drvsim version (DRVSIM_VERSION), the trace
 * format (DRVSIM_TRACE_FORMAT, the golden file's number) and the git
 * revision it was built from ("" when not built from a checkout).
 */
#ifndef DRVSIM_CLI_VERSION_H
#define DRVSIM_CLI_VERSION_H

#include "drvsim/drvsim.h"

/* `git describe --always --dirty` at build time (meson vcs_tag), or "". */
extern const char drvsim_git_revision[];

#endif /* DRVSIM_CLI_VERSION_H */
