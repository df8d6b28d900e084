/* Temporary: until the reader and the Docker client land, no pipeline can be chosen. */
#include "bak2avro.h"
#include "core/pipeline.h"
#include "util/str.h"

const b2a_pipeline_ops *b2a__pipeline_select(b2a_job *job, b2a_err *err)
{
    b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: no pipeline available yet", job->inputs[0]);
    return NULL;
}

int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out)
{
    (void)docker_host;
    if (removed_out)
        *removed_out = 0;
    if (errmsg_out)
        *errmsg_out = b2a__strdup("gc is not available yet");
    return B2A_EUNSUPPORTED;
}
