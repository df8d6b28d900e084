/* Temporary: until the Docker client and the vendor layer land, no container pipeline. */
#include "bak2avro.h"
#include "core/pipeline.h"
#include "detect/detect.h"
#include "util/str.h"

const b2a_pipeline_ops *b2a__pipeline_container_for(b2a_job *job, const struct b2a_detected *d, b2a_err *err)
{
    b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: restoring %s in a container is not available yet",
                 job->inputs[0], b2a__detect_format_name(d->format));
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
