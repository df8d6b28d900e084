// The public headers must compile in C++ too (extern "C" guards, no C-only syntax).
#include <bak2avro.h>

int main()
{
    b2a_job_options opts = B2A_JOB_OPTIONS_INIT;
    return opts.version == B2A_JOB_OPTIONS_VERSION ? 0 : 1;
}
