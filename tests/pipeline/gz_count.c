/* An LD_PRELOAD shim for test_pipeline.py: counts the bytes zlib's gzread
 * hands the process and writes the total to $B2A_GZ_COUNT at exit, so a
 * test can tell how many times a gzip'd dump was inflated. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

static unsigned long long total;

int gzread(gzFile file, voidp buf, unsigned len)
{
    static int (*real)(gzFile, voidp, unsigned);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "gzread");
    int n = real(file, buf, len);
    if (n > 0)
        __atomic_add_fetch(&total, (unsigned long long)n, __ATOMIC_RELAXED);
    return n;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("B2A_GZ_COUNT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%llu\n", __atomic_load_n(&total, __ATOMIC_RELAXED));
        fclose(f);
    }
}
