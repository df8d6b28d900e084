/* bak2avro gc: remove containers left by killed jobs. */
#include <stdlib.h>

#include "bak2avro.h"
#include "util/str.h"

int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out)
{
    (void)docker_host;
    if (removed_out)
        *removed_out = 0;
    if (errmsg_out)
        *errmsg_out = b2a__strdup("gc is not available yet");
    return B2A_EUNSUPPORTED;
}
