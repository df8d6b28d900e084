/* b2a_job_start: the public entry point of a job lives above the core, so
 * the core never calls up into the pipelines: it chooses the pipeline for
 * the inputs here and hands it to the core to run. */
#include "pipeline/pipeline.h"

int b2a_job_start(b2a_job *job)
{
    if (!job || job->magic != B2A_JOB_MAGIC)
        return B2A_EINVAL;
    if (job->started)
        return B2A_EBUSY;
    b2a__err_clear(&job->err);
    const b2a_pipeline_ops *p = b2a__pipeline_select(job, &job->err);
    if (!p)
        return job->err.code ? job->err.code : B2A_EUNSUPPORTED;
    return b2a__job_run(job, p);
}
