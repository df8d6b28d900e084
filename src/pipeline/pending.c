/* Temporary: until detection lands, no pipeline can be chosen. */
#include "core/pipeline.h"

const b2a_pipeline_ops *b2a__pipeline_select(b2a_job *job, b2a_err *err)
{
    b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: no pipeline available yet", job->inputs[0]);
    return NULL;
}
