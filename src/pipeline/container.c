/* The container pipeline: restore in the vendor's database, then export over ODBC. */
#include "core/pipeline.h"
#include "detect/detect.h"

const b2a_pipeline_ops *b2a__pipeline_container_for(b2a_job *job, const struct b2a_detected *d, b2a_err *err)
{
    b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: %s restore in a container is not available yet",
                 job->inputs[0], b2a__detect_format_name(d->format));
    return NULL;
}
