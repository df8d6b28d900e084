/* Which pipeline serves a job: told by the inputs' magic bytes (and
 * --vendor / --direct / --restore), before anything is started. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "detect/detect.h"
#include "reader/reader.h"
#include "util/str.h"

const b2a_pipeline_ops *b2a__pipeline_select(b2a_job *job, b2a_err *err)
{
    if (job->dsn)
        return b2a__pipeline_dsn_prepare(job, err) == B2A_OK ? &b2a__pipeline_dsn : NULL;
    b2a_detected first;
    memset(&first, 0, sizeof(first));
    for (uint32_t i = 0; i < job->n_inputs; i++) {
        b2a_detected d;
        if (b2a__detect(job->inputs[i], &d, err) != B2A_OK)
            return NULL;
        if (i == 0)
            first = d;
        else if (d.vendor != first.vendor)
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s is a %s backup but %s is a %s backup: one job takes one database",
                                job->inputs[0], b2a__detect_vendor_name(first.vendor), job->inputs[i],
                                b2a__detect_vendor_name(d.vendor)),
                   NULL;
    }
    const char *vendor = b2a__detect_vendor_name(first.vendor);
    if (job->vendor && strcmp(job->vendor, vendor) != 0) {
        b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s is a %s (%s) backup, not %s", job->inputs[0],
                     vendor, b2a__detect_format_name(first.format), job->vendor);
        return NULL;
    }
    free(job->vendor);
    job->vendor = b2a__strdup(vendor);
    free(job->format);
    job->format = b2a__strdup(b2a__detect_format_key(first.format));
    free(job->format_version);
    job->format_version = first.version[0] ? b2a__strdup(first.version) : NULL;

    int direct_capable = b2a__reader_for(&first) != NULL;
    if (job->restore_mode == B2A_RESTORE_DIRECT && !direct_capable) {
        b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                     "%s: --direct has no reader for a %s backup; it needs a container restore",
                     job->inputs[0], b2a__detect_format_name(first.format));
        return NULL;
    }
    if (direct_capable && job->restore_mode != B2A_RESTORE_CONTAINER)
        return &b2a__pipeline_direct;
    return b2a__pipeline_container_for(job, &first, err);
}
