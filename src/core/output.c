/* The output folder before a run: a new or empty folder is used as it is; a
 * used one is refused, unless --overwrite, when an earlier bak2avro output
 * there is removed whole. "Earlier bak2avro output" means exactly the files
 * its Job JSON lists, its Job JSON, our temporary files, and the part files
 * (part-NNNNN.avro) in the folders of tables it had not finished: a killed
 * run had listed only their first part. Anything else in the folder makes
 * the overwrite refuse, naming it, before anything is deleted. Paths are never followed out of the folder: the Job JSON's
 * paths are taken relative to the folder, without "..", and the walk does
 * not follow symbolic links. */
#include "core/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "util/str.h"

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *s, char *moved)
{
    if (!moved)
        return B2A_ENOMEM;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **nv = realloc(s->v, cap * sizeof(*nv));
        if (!nv) {
            free(moved);
            return B2A_ENOMEM;
        }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = moved;
    return B2A_OK;
}

static void strvec_free(strvec *s)
{
    b2a__strv_free(s->v, s->n);
}

static int strvec_has(const strvec *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

/* What an earlier run knew and what the walk found. */
typedef struct cleanup {
    const char *out;          /* the output folder, as given */
    const char *manifest;     /* the earlier Job JSON */
    const char *manifest_base; /* its file name */
    struct stat manifest_st;
    int have_manifest;
    strvec listed;            /* paths relative to out that the Job JSON lists */
    strvec unfinished;        /* folders (relative to out) of tables the run had not finished */
    strvec files;             /* to unlink, relative to out */
    strvec dirs;              /* to rmdir, relative to out, deepest first */
} cleanup;

/* "<name>.tmp-<8 or 32 hex>", where name is an Avro file, an .avsc or the
 * Job JSON (job_base: its file name). */
static int is_our_temp(const char *base, const char *job_base)
{
    const char *t = strstr(base, ".tmp-");
    if (!t)
        return 0;
    const char *hex = t + 5;
    size_t n = strlen(hex), stem = (size_t)(t - base);
    if ((n != 8 && n != 32) || strspn(hex, "0123456789abcdef") != n)
        return 0;
    if (stem == strlen(job_base) && memcmp(base, job_base, stem) == 0)
        return 1;
    return stem > 5 && (memcmp(t - 5, ".avro", 5) == 0 || memcmp(t - 5, ".avsc", 5) == 0);
}

/* "part-", five digits or more, ".avro": a part file of a table (src/export/export.c). */
static int is_part_file(const char *base)
{
    if (strncmp(base, "part-", 5) != 0)
        return 0;
    size_t digits = strspn(base + 5, "0123456789");
    return digits >= 5 && strcmp(base + 5 + digits, ".avro") == 0;
}

/* The path p of an earlier run's file, which the Job JSON gives relative
 * to its output folder; NULL when p is absolute or climbs with "..". */
static char *relative_inside(const char *p)
{
    if (p[0] == '/' || !p[0])
        return NULL;
    /* Every component must be a plain name. */
    char *rel = b2a__strdup(p);
    if (!rel)
        return NULL;
    char *save = NULL, *copy = b2a__strdup(rel);
    int ok = copy != NULL;
    for (char *c = copy ? strtok_r(copy, "/", &save) : NULL; ok && c; c = strtok_r(NULL, "/", &save))
        ok = strcmp(c, ".") != 0 && strcmp(c, "..") != 0;
    free(copy);
    if (!ok || strstr(rel, "//")) {
        free(rel);
        return NULL;
    }
    return rel;
}

/* Note the paths in v (strings of the earlier Job JSON) as listed. */
static int list_paths(cleanup *c, yajl_val *v, size_t n, b2a_err *err)
{
    for (size_t k = 0; k < n; k++) {
        if (!YAJL_IS_STRING(v[k]))
            continue;
        char *rel = relative_inside(YAJL_GET_STRING(v[k]));
        if (!rel)
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s lists %s, which is not inside its output folder: nothing was deleted",
                                c->manifest, YAJL_GET_STRING(v[k]));
        int rc = strvec_push(&c->listed, rel);
        if (rc != B2A_OK)
            return rc;
    }
    return B2A_OK;
}

/* Read the earlier Job JSON and note the files it lists. */
static int load_listing(cleanup *c, int manifest_is_default, b2a_err *err)
{
    char *doc = b2a__read_file(c->manifest, 64u << 20, NULL);
    if (!doc)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s is not empty and holds no Job JSON of an earlier bak2avro run (%s: %s); "
                            "--overwrite deletes only an earlier bak2avro output: nothing was deleted",
                            c->out, c->manifest, strerror(errno));
    char ebuf[256];
    yajl_val root = yajl_tree_parse(doc, ebuf, sizeof(ebuf));
    free(doc);
    const char *idp[] = {"job_id", NULL}, *tp[] = {"tables", NULL}, *op[] = {"output_dir", NULL},
               *ap[] = {"output_dir_absolute", NULL}, *ip[] = {"incomplete_files", NULL};
    yajl_val tables = root ? yajl_tree_get(root, tp, yajl_t_array) : NULL;
    yajl_val incomplete = root ? yajl_tree_get(root, ip, yajl_t_array) : NULL;
    yajl_val old_out = root ? yajl_tree_get(root, op, yajl_t_string) : NULL;
    /* output_dir is as that run was given it, perhaps relative to the folder
     * it ran in; output_dir_absolute is not */
    yajl_val old_abs = root ? yajl_tree_get(root, ap, yajl_t_string) : NULL;
    if (!root || !YAJL_IS_OBJECT(root) || !yajl_tree_get(root, idp, yajl_t_string) || !tables || !old_out) {
        yajl_tree_free(root);
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s is not the Job JSON of a bak2avro run; --overwrite deletes only an earlier "
                            "bak2avro output in %s: nothing was deleted",
                            c->manifest, c->out);
    }
    const char *old = YAJL_GET_STRING(old_abs ? old_abs : old_out);
    int rc = B2A_OK;
    if (!manifest_is_default) {
        /* A Job JSON kept elsewhere must describe this very folder. */
        char *a = realpath(old, NULL), *b = realpath(c->out, NULL);
        if (!a || !b || strcmp(a, b) != 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "%s describes the output folder %s, not %s: nothing was deleted", c->manifest, old,
                              c->out);
        free(a);
        free(b);
    }
    for (size_t i = 0; rc == B2A_OK && i < YAJL_GET_ARRAY(tables)->len; i++) {
        yajl_val t = YAJL_GET_ARRAY(tables)->values[i];
        const char *fp[] = {"files", NULL}, *sp[] = {"schema_file", NULL};
        yajl_val files = yajl_tree_get(t, fp, yajl_t_array);
        if (files)
            rc = list_paths(c, YAJL_GET_ARRAY(files)->values, YAJL_GET_ARRAY(files)->len, err);
        yajl_val schema = yajl_tree_get(t, sp, yajl_t_string);
        if (rc == B2A_OK && schema)
            rc = list_paths(c, &schema, 1, err);
    }
    /* A run that did not finish lists the final names it was writing: the
     * first part of each table, whose folder holds that table's other parts. */
    if (rc == B2A_OK && incomplete) {
        size_t before = c->listed.n;
        rc = list_paths(c, YAJL_GET_ARRAY(incomplete)->values, YAJL_GET_ARRAY(incomplete)->len, err);
        for (size_t i = before; rc == B2A_OK && i < c->listed.n; i++) {
            const char *f = c->listed.v[i], *slash = strrchr(f, '/');
            if (is_part_file(slash ? slash + 1 : f))
                rc = strvec_push(&c->unfinished, slash ? b2a__strndup(f, (size_t)(slash - f)) : b2a__strdup(""));
        }
    }
    yajl_tree_free(root);
    return rc;
}

/* Walk dir (rel: its path below out, "" for out itself), collecting what
 * to delete; refuse at the first entry that is not ours. */
static int walk(cleanup *c, const char *dir, const char *rel, b2a_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "cannot read the folder %s: %s", dir, strerror(errno));
    int rc = B2A_OK;
    struct dirent *de;
    while (rc == B2A_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *path = b2a__asprintf("%s/%s", dir, de->d_name);
        char *sub = *rel ? b2a__asprintf("%s/%s", rel, de->d_name) : b2a__strdup(de->d_name);
        struct stat st;
        if (!path || !sub) {
            rc = B2A_ENOMEM;
        } else if (lstat(path, &st) != 0) {
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "cannot examine %s: %s", path, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(c, path, sub, err);
            if (rc == B2A_OK) {
                rc = strvec_push(&c->dirs, sub);
                sub = NULL;
            }
        } else if (c->have_manifest && st.st_dev == c->manifest_st.st_dev && st.st_ino == c->manifest_st.st_ino) {
            /* the earlier Job JSON itself: deleted last, below */
        } else if (S_ISREG(st.st_mode) &&
                   (strvec_has(&c->listed, sub) || is_our_temp(de->d_name, c->manifest_base) ||
                    (is_part_file(de->d_name) && strvec_has(&c->unfinished, rel)))) {
            rc = strvec_push(&c->files, sub);
            sub = NULL;
        } else {
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "%s: --overwrite deletes only what the earlier run's Job JSON (%s) lists, and %s is "
                              "not listed there: nothing was deleted; move it away or give a new folder",
                              c->out, c->manifest, path);
        }
        free(path);
        free(sub);
    }
    closedir(d);
    return rc;
}

/* unlinkat() of rel below the folder outfd, never through a symbolic link:
 * each folder on the way is opened O_NOFOLLOW, so a folder swapped for a
 * link after the walk makes the delete fail instead of reaching outside. */
static int unlink_below(int outfd, const char *rel, int flags)
{
    char *copy = b2a__strdup(rel);
    if (!copy)
        return -ENOMEM;
    int fd = outfd, rc = 0;
    char *name = copy, *slash;
    while (rc == 0 && (slash = strchr(name, '/')) != NULL) {
        *slash = '\0';
        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            rc = -errno;
        if (fd != outfd)
            close(fd);
        fd = next;
        name = slash + 1;
    }
    if (rc == 0 && unlinkat(fd, name, flags) != 0)
        rc = -errno;
    if (fd >= 0 && fd != outfd)
        close(fd);
    free(copy);
    return rc == -ENOENT ? 0 : rc;
}

static int delete_collected(cleanup *c, b2a_err *err)
{
    int outfd = c->files.n + c->dirs.n ? open(c->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (outfd < 0 && c->files.n + c->dirs.n)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "--overwrite: cannot open the folder %s: %s", c->out,
                            strerror(errno));
    int rc = B2A_OK, e = 0;
    for (size_t i = 0; rc == B2A_OK && i < c->files.n; i++)
        if ((e = unlink_below(outfd, c->files.v[i], 0)) != 0)
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "--overwrite: cannot delete %s/%s: %s", c->out,
                              c->files.v[i], strerror(-e));
    for (size_t i = 0; rc == B2A_OK && i < c->dirs.n; i++) /* collected after their contents: deepest first */
        if ((e = unlink_below(outfd, c->dirs.v[i], AT_REMOVEDIR)) != 0)
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "--overwrite: cannot delete the folder %s/%s: %s",
                              c->out, c->dirs.v[i], strerror(-e));
    if (outfd >= 0)
        close(outfd);
    /* Last, so that an interrupted overwrite can be run again. */
    if (rc == B2A_OK && c->have_manifest && unlink(c->manifest) != 0 && errno != ENOENT)
        rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "--overwrite: cannot delete %s: %s", c->manifest,
                          strerror(errno));
    return rc;
}

static int is_empty_dir(const char *path, int *empty)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *de;
    *empty = 1;
    while (*empty && (de = readdir(d)) != NULL)
        *empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    return 0;
}

int b2a__output_prepare(const char *out, const char *job_json_path, int overwrite, size_t *removed, b2a_err *err)
{
    *removed = 0;
    char *default_manifest = b2a__asprintf("%s/job.json", out);
    if (!default_manifest)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    cleanup c;
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.manifest = job_json_path ? job_json_path : default_manifest;
    c.manifest_base = strrchr(c.manifest, '/') ? strrchr(c.manifest, '/') + 1 : c.manifest;
    c.have_manifest = lstat(c.manifest, &c.manifest_st) == 0;
    int rc = B2A_OK, empty = 1;
    struct stat st;
    if (lstat(out, &st) != 0) {
        if (errno != ENOENT)
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "cannot examine the output folder %s: %s", out,
                              strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s exists and is not a folder", out);
    } else if (is_empty_dir(out, &empty) != 0) {
        rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "cannot read the output folder %s: %s", out,
                          strerror(errno));
    }
    int used = !empty || (job_json_path && c.have_manifest);
    if (rc == B2A_OK && used && !overwrite) {
        if (!empty)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "the output folder %s is not empty; give a new or empty folder, or --overwrite "
                              "(\"overwrite\": true in a job document) to replace an earlier bak2avro output "
                              "there (only the files its job.json lists)",
                              out);
        else
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "the Job JSON %s already exists; --overwrite to replace it", c.manifest);
    } else if (rc == B2A_OK && used) {
        if (c.have_manifest && !S_ISREG(c.manifest_st.st_mode))
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "%s is not a regular file: nothing was deleted in %s", c.manifest, out);
        if (rc == B2A_OK && !c.have_manifest)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "%s is not empty and holds no job.json of an earlier bak2avro run; --overwrite "
                              "deletes only an earlier bak2avro output: nothing was deleted (looked for %s)",
                              out, c.manifest);
        /* A Job JSON kept elsewhere, with nothing in the folder: only it goes. */
        if (rc == B2A_OK && !empty)
            rc = load_listing(&c, job_json_path == NULL, err);
        if (rc == B2A_OK && !empty)
            rc = walk(&c, out, "", err);
        if (rc == B2A_OK)
            rc = delete_collected(&c, err);
        if (rc == B2A_OK)
            *removed = c.files.n + (c.have_manifest ? 1 : 0);
    }
    if (rc == B2A_ENOMEM)
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    strvec_free(&c.listed);
    strvec_free(&c.unfinished);
    strvec_free(&c.files);
    strvec_free(&c.dirs);
    free(default_manifest);
    return rc;
}
