/* libFuzzer target: a job document as `bak2avro run JOB.json` loads it
 * (b2a_job_new_from_json; an earlier run's Job JSON is accepted too), then
 * the loaded job written back out as Job JSON. Nothing is started. */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "bak2avro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static b2a_ctx *ctx;
    if (!ctx && b2a_ctx_new(NULL, &ctx) != B2A_OK)
        abort();
    char *json = malloc(size + 1);
    if (!json)
        return 0;
    memcpy(json, data, size);
    json[size] = '\0';
    b2a_job *job = NULL;
    char *msg = NULL;
    if (b2a_job_new_from_json(ctx, json, NULL, &job, &msg) == B2A_OK) {
        b2a_free(b2a_job_json(job));
        b2a_job_free(job);
    }
    b2a_free(msg);
    free(json);
    return 0;
}
