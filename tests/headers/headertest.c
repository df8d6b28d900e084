/* The public headers must compile alone, as strict C99, with no warnings. */
#include <bak2avro.h>

int main(void)
{
    b2a_job_options opts = B2A_JOB_OPTIONS_INIT;
    return opts.version == B2A_JOB_OPTIONS_VERSION && B2A_VERSION_CHECK(0, 0, 0) ? 0 : 1;
}
