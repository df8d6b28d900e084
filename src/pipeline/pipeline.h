/* Choosing and naming the pipelines (the step chains per kind of input).
 * The pipelines sit above the core: the core runs whichever it is given
 * (b2a__job_run), and b2a_job_start (start.c) chooses. */
#ifndef B2A_PIPELINE_PIPELINE_H
#define B2A_PIPELINE_PIPELINE_H

#include "core/job_impl.h"

/* Detect the inputs and pick a pipeline; NULL with err set when none fits. */
const b2a_pipeline_ops *b2a__pipeline_select(b2a_job *job, b2a_err *err);

extern const b2a_pipeline_ops b2a__pipeline_direct;
/* A running database named by job->dsn (pipeline/dsn.c); prepare checks the
 * DSN and sets the job's vendor and dsn_display before it starts. */
extern const b2a_pipeline_ops b2a__pipeline_dsn;
int b2a__pipeline_dsn_prepare(b2a_job *job, b2a_err *err);

struct b2a_detected;
/* The container pipeline for a detected input, or NULL with err set when
 * that input cannot be restored (e.g. a dump newer than the server). */
const b2a_pipeline_ops *b2a__pipeline_container_for(b2a_job *job, const struct b2a_detected *d, b2a_err *err);

#endif
