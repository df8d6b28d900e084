/* Vendor registry and what every vendor shares: the job (password, labels,
 * delivery of the inputs, network mode), plan bookkeeping and progress. */
#include "engine/engine.h"

#include "util/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static const b2a_vendor *const all_vendors[] = {
    &b2a__vendor_postgres,
    &b2a__vendor_mysql,
    &b2a__vendor_sqlserver,
    &b2a__vendor_oracle,
    NULL,
};

const b2a_vendor *const *b2a__vendor_all(void)
{
    return all_vendors;
}

const b2a_vendor *b2a__vendor_by_name(const char *name)
{
    if (!name)
        return NULL;
    if (!strcmp(name, "postgresql") || !strcmp(name, "postgres") || !strcmp(name, "pg"))
        return &b2a__vendor_postgres;
    if (!strcmp(name, "mysql") || !strcmp(name, "mariadb"))
        return &b2a__vendor_mysql;
    if (!strcmp(name, "sqlserver") || !strcmp(name, "mssql"))
        return &b2a__vendor_sqlserver;
    if (!strcmp(name, "oracle"))
        return &b2a__vendor_oracle;
    return NULL;
}

const b2a_vendor *b2a__vendor_by_id(b2a_vendor_id id)
{
    for (size_t i = 0; all_vendors[i]; i++)
        if (all_vendors[i]->id == id)
            return all_vendors[i];
    return NULL;
}

/* ---- small helpers ---- */

int b2a__vendor_strv_push(char ***v, size_t *n, char *s)
{
    if (!s)
        return B2A_ENOMEM;
    char **nv = realloc(*v, (*n + 2) * sizeof *nv);
    if (!nv) {
        free(s);
        return B2A_ENOMEM;
    }
    nv[(*n)++] = s;
    nv[*n] = NULL; /* keep it NULL-terminated for callers that like that */
    *v = nv;
    return B2A_OK;
}

int b2a__vendor_strv_pushf(char ***v, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        return B2A_ENOMEM;
    return b2a__vendor_strv_push(v, n, s);
}

/* env entries carry the password: do not leave it in freed memory */
static void env_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (v[i])
            explicit_bzero(v[i], strlen(v[i]));
    b2a__strv_free(v, n);
}

void b2a__vendor_cmd_free(b2a_vendor_cmd *c)
{
    if (!c)
        return;
    b2a__strv_free(c->argv, c->argc);
    env_free(c->env, c->nenv);
    memset(c, 0, sizeof *c);
}

const char *b2a__vendor_basename(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *end = path + len;
    const char *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return p;
}

/* basename without trailing slashes, as a new string */
static char *base_dup(const char *path)
{
    const char *b = b2a__vendor_basename(path);
    size_t n = strlen(b);
    while (n > 1 && b[n - 1] == '/')
        n--;
    return strndup(b, n);
}

static char *dir_dup(const char *path)
{
    const char *b = b2a__vendor_basename(path);
    if (b == path)
        return strdup(".");
    size_t n = (size_t)(b - path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return strndup(path, n);
}

int b2a__vendor_image_major(const char *image)
{
    if (!image)
        return -1;
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    if (!colon || colon[1] < '0' || colon[1] > '9')
        return -1;
    long v = strtol(colon + 1, NULL, 10);
    return v > 0 && v < 1000 ? (int)v : -1;
}

int b2a__vendor_password(char out[B2A_VENDOR_PASSWORD_LEN + 1], b2a_err *err)
{
    static const char alnum[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0; attempt < 64; attempt++) {
        unsigned char buf[B2A_VENDOR_PASSWORD_LEN * 2];
        if (b2a__random_bytes(buf, sizeof buf) != 0)
            return b2a__err_set(err, B2A_EFATAL, B2A_ERRCLASS_OS, "getrandom failed: %s",
                                strerror(errno));
        size_t n = 0;
        /* rejection sampling keeps the 62 symbols equally likely */
        for (size_t i = 0; i < sizeof buf && n < B2A_VENDOR_PASSWORD_LEN; i++)
            if (buf[i] < 248)
                out[n++] = alnum[buf[i] % 62];
        explicit_bzero(buf, sizeof buf);
        if (n < B2A_VENDOR_PASSWORD_LEN)
            continue;
        out[n] = '\0';
        int up = 0, lo = 0, dig = 0;
        for (size_t i = 0; i < n; i++) {
            up |= out[i] >= 'A' && out[i] <= 'Z';
            lo |= out[i] >= 'a' && out[i] <= 'z';
            dig |= out[i] >= '0' && out[i] <= '9';
        }
        /* Oracle identifiers and passwords must start with a letter */
        if (up && lo && dig && !(out[0] >= '0' && out[0] <= '9'))
            return B2A_OK;
    }
    return b2a__err_set(err, B2A_EFATAL, B2A_ERRCLASS_OS, "could not generate a password");
}

int b2a__vendor_free_port(int *port, b2a_err *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_OS, "socket: %s", strerror(errno));
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        int e = errno;
        close(fd);
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_OS,
                            "finding a free port on 127.0.0.1: %s", strerror(e));
    }
    close(fd);
    *port = ntohs(a.sin_port);
    return B2A_OK;
}

void b2a__vendor_redact(const b2a_vendor_job *j, const char *src, char *dst, size_t dstlen)
{
    if (!dstlen)
        return;
    size_t pl = j ? strlen(j->password) : 0;
    size_t o = 0;
    while (*src && o + 1 < dstlen) {
        if (pl && !strncmp(src, j->password, pl)) {
            const char *m = "********";
            while (*m && o + 1 < dstlen)
                dst[o++] = *m++;
            src += pl;
        } else {
            dst[o++] = *src++;
        }
    }
    dst[o] = '\0';
}

/* "KEY=value;" where a value holding ; { } or edge spaces goes in braces
 * with '}' doubled (ODBC SQLDriverConnect rules). */
int b2a__vendor_connstr_add(char **s, size_t *len, const char *key, const char *value)
{
    int brace = 0;
    for (const char *p = value; *p; p++)
        if (*p == ';' || *p == '{' || *p == '}' || *p == '=')
            brace = 1;
    if (*value && (value[0] == ' ' || value[strlen(value) - 1] == ' '))
        brace = 1;
    size_t need = strlen(key) + 1 + strlen(value) * 2 + 4;
    char *n = realloc(*s, *len + need + 1);
    if (!n)
        return B2A_ENOMEM;
    *s = n;
    size_t o = *len;
    o += (size_t)sprintf(n + o, "%s=", key);
    if (brace)
        n[o++] = '{';
    for (const char *p = value; *p; p++) {
        n[o++] = *p;
        if (brace && *p == '}')
            n[o++] = '}';
    }
    if (brace)
        n[o++] = '}';
    n[o++] = ';';
    n[o] = '\0';
    *len = o;
    return B2A_OK;
}

/* ---- the job ---- */

int b2a__vendor_check_input(const b2a_vendor *v, const b2a_vendor_input *in, const char *image,
                            b2a_err *err)
{
    if (!v || !in || !in->path)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no vendor or input given");
    if (!v->supports(in->format))
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: this kind of backup (format %d) cannot be restored by the %s "
                            "vendor", in->path, (int)in->format, v->name);
    return v->check_input(in, image ? image : b2a__vendor_default_image(v, in, 1), err);
}

const char *b2a__vendor_default_image(const b2a_vendor *v, const b2a_vendor_input *in, size_t n)
{
    const char *image = v->image_for && in && n ? v->image_for(in, n) : NULL;
    return image ? image : v->default_image;
}

void b2a__vendor_job_set_host_port(b2a_vendor_job *j, int port)
{
    if (j)
        j->host_port = port;
}

void b2a__vendor_job_free(b2a_vendor_job *j)
{
    if (!j)
        return;
    free(j->job_id);
    free(j->image);
    free(j->user);
    free(j->dbname);
    explicit_bzero(j->password, sizeof j->password);
    for (size_t i = 0; i < j->ninputs; i++) {
        if (j->inputs)
            free((char *)j->inputs[i].path);
        if (j->in_paths)
            free(j->in_paths[i]);
    }
    free(j->inputs);
    free(j->in_paths);
    for (size_t i = 0; i < j->nuploads; i++) {
        free(j->uploads[i].host_path);
        free(j->uploads[i].dir);
        free(j->uploads[i].name);
    }
    free(j->uploads);
    for (size_t i = 0; i < j->nrounds; i++) {
        free(j->rounds[i].owner);
        b2a__strv_free(j->rounds[i].tables, j->rounds[i].ntables);
    }
    free(j->rounds);
    b2a__strv_free(j->unexported, j->nunexported);
    for (size_t i = 0; i < j->nowners; i++) {
        free(j->owners[i].owner);
        free(j->owners[i].stage);
    }
    free(j->owners);
    env_free(j->env, j->nenv);
    b2a__strv_free(j->cmd, j->ncmd);
    b2a__strv_free(j->labels, j->nlabels);
    b2a__strv_free(j->binds, j->nbinds);
    free(j);
}

static int add_upload(b2a_vendor_job *j, const char *host, const char *dir, const char *name)
{
    b2a_vendor_upload *u = realloc(j->uploads, (j->nuploads + 1) * sizeof *u);
    if (!u)
        return B2A_ENOMEM;
    j->uploads = u;
    u = &j->uploads[j->nuploads];
    u->host_path = strdup(host);
    u->dir = strdup(dir);
    u->name = strdup(name);
    j->nuploads++;
    return u->host_path && u->dir && u->name ? B2A_OK : B2A_ENOMEM;
}

/* Upload delivery of a pg_dump directory: each regular file goes on its own. */
static int add_dir_uploads(b2a_vendor_job *j, const char *host_dir, const char *cdir, b2a_err *err)
{
    DIR *d = opendir(host_dir);
    if (!d)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot list directory: %s",
                            host_dir, strerror(errno));
    int rc = B2A_OK;
    struct dirent *e;
    while (rc == B2A_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *hp = NULL;
        if (asprintf(&hp, "%s/%s", host_dir, e->d_name) < 0) {
            rc = B2A_ENOMEM;
            break;
        }
        struct stat st;
        if (stat(hp, &st) == 0 && S_ISREG(st.st_mode))
            rc = add_upload(j, hp, cdir, e->d_name);
        free(hp);
    }
    closedir(d);
    if (rc == B2A_ENOMEM)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return rc;
}

static int deliver(b2a_vendor_job *j, size_t i, b2a_err *err)
{
    const b2a_vendor_input *in = &j->inputs[i];
    char *real = NULL;
    if (j->delivery == B2A_VENDOR_BIND) {
        /* A link's folder holds only the link, which would dangle in the
         * container: bind the folder of the file it resolves to. Docker also
         * wants absolute host paths in binds. */
        real = realpath(in->path, NULL);
        if (!real) {
            int e = errno;
            char target[4096];
            ssize_t n = readlink(in->path, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_IO, "%s (a link to %s): %s", in->path, target,
                                    strerror(e));
            }
            return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_IO, "%s: %s", in->path, strerror(e));
        }
    }
    const char *path = real ? real : in->path;
    char *base = base_dup(path), *dir = dir_dup(path);
    int rc = B2A_ENOMEM;
    if (!base || !dir)
        goto out;
    if (asprintf(&j->in_paths[i], B2A_VENDOR_BACKUP_DIR "/%zu/%s", i, base) < 0) {
        j->in_paths[i] = NULL;
        goto out;
    }
    if (j->delivery == B2A_VENDOR_BIND) {
        rc = b2a__vendor_strv_pushf(&j->binds, &j->nbinds, "%s:" B2A_VENDOR_BACKUP_DIR "/%zu:ro",
                                    dir, i);
    } else if (in->is_dir) {
        rc = add_dir_uploads(j, in->path, j->in_paths[i], err);
    } else {
        char *cdir = NULL;
        if (asprintf(&cdir, B2A_VENDOR_BACKUP_DIR "/%zu", i) < 0)
            goto out;
        rc = add_upload(j, in->path, cdir, base);
        free(cdir);
    }
out:
    free(real);
    free(base);
    free(dir);
    if (rc == B2A_ENOMEM)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return rc;
}

int b2a__vendor_job_new(const b2a_vendor *v, const b2a_vendor_params *p, b2a_vendor_job **out,
                        b2a_err *err)
{
    *out = NULL;
    if (!v || !p || !p->job_id || !*p->job_id)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "vendor job: missing job id");
    if (p->network == B2A_NETWORK_HOST && (p->port <= 0 || p->port > 65535))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "vendor job: host network needs a port, got %d", p->port);
    if (p->port < 0 || p->port > 65535)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "vendor job: bad port %d",
                            p->port);
    b2a_vendor_job *j = calloc(1, sizeof *j);
    if (!j)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = B2A_ENOMEM;
    j->vendor = v;
    j->job_id = strdup(p->job_id);
    j->image = strdup(p->image && *p->image ? p->image
                                             : b2a__vendor_default_image(v, p->inputs, p->ninputs));
    if (!j->job_id || !j->image)
        goto fail;
    j->image_major = b2a__vendor_image_major(j->image);
    j->network = p->network;
    j->delivery = p->delivery;
    j->jobs = p->jobs;
    j->accept_eula = p->accept_eula;
    if (p->listen && (strlen(p->listen) >= sizeof j->listen || strspn(p->listen, "0123456789abcdefABCDEF.:") != strlen(p->listen))) {
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "listen address %s is not an IP address", p->listen);
        goto fail_err;
    }
    snprintf(j->listen, sizeof j->listen, "%s", p->listen && *p->listen ? p->listen : "127.0.0.1");
    if (p->network == B2A_NETWORK_HOST) {
        j->server_port = p->port;
        j->host_port = p->port;
    } else {
        j->server_port = v->default_port;
        j->host_port = p->port;
    }
    if ((rc = b2a__vendor_password(j->password, err)) != B2A_OK)
        goto fail_err;

    rc = B2A_ENOMEM;
    j->ninputs = p->ninputs;
    if (p->ninputs) {
        j->inputs = calloc(p->ninputs, sizeof *j->inputs);
        j->in_paths = calloc(p->ninputs, sizeof *j->in_paths);
        if (!j->inputs || !j->in_paths)
            goto fail;
    }
    for (size_t i = 0; i < p->ninputs; i++) {
        j->inputs[i] = p->inputs[i];
        j->inputs[i].path = p->inputs[i].path ? strdup(p->inputs[i].path) : NULL;
        if (!j->inputs[i].path) {
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "vendor job: input %zu has no path", i);
            goto fail_err;
        }
        if ((rc = deliver(j, i, err)) != B2A_OK)
            goto fail_err;
    }

    if (b2a__vendor_strv_pushf(&j->labels, &j->nlabels, "bak2avro.job=%s", j->job_id) ||
        b2a__vendor_strv_pushf(&j->labels, &j->nlabels, "bak2avro.vendor=%s", v->name))
        goto fail;
    if ((rc = v->setup(j, err)) != B2A_OK)
        goto fail_err;

    b2a_container_spec *s = &j->spec;
    s->image = j->image;
    s->env = (const char *const *)j->env;
    s->nenv = j->nenv;
    s->cmd = (const char *const *)j->cmd;
    s->ncmd = j->ncmd;
    s->labels = (const char *const *)j->labels;
    s->nlabels = j->nlabels;
    s->binds = (const char *const *)j->binds;
    s->nbinds = j->nbinds;
    s->host_network = p->network == B2A_NETWORK_HOST;
    if (p->network == B2A_NETWORK_PUBLISH) {
        s->container_port = v->default_port;
        s->host_port = p->port;
        s->host_ip = j->listen;
    }
    *out = j;
    return B2A_OK;

fail:
    rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
fail_err:
    b2a__vendor_job_free(j);
    return rc;
}

int b2a__vendor_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = j->vendor->probe(j, out, err);
    if (rc != B2A_OK)
        b2a__vendor_probe_free(out);
    return rc;
}

void b2a__vendor_probe_free(b2a_vendor_probe *p)
{
    if (p)
        b2a__vendor_cmd_free(&p->cmd);
}

int b2a__vendor_connstr_db(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err)
{
    *out = NULL;
    if (j->host_port <= 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%s container: host port not known yet", j->vendor->name);
    if (!dbname || !*dbname)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no database name given");
    return j->vendor->connstr(j, dbname, out, err);
}

int b2a__vendor_connstr(const b2a_vendor_job *j, char **out, b2a_err *err)
{
    return b2a__vendor_connstr_db(j, j->dbname, out, err);
}

/* ---- plans ---- */

b2a_vendor_step *b2a__vendor_plan_add(b2a_vendor_plan *p)
{
    b2a_vendor_step *s = realloc(p->steps, (p->nsteps + 1) * sizeof *s);
    if (!s)
        return NULL;
    p->steps = s;
    s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    return s;
}

void b2a__vendor_plan_free(b2a_vendor_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nsteps; i++) {
        free(p->steps[i].label);
        b2a__vendor_cmd_free(&p->steps[i].cmd);
        b2a__vendor_cmd_free(&p->steps[i].probe);
    }
    free(p->steps);
    memset(p, 0, sizeof *p);
}

static int has_str(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

/* Upload delivery needs the target directories first. */
static int prepare_step(const b2a_vendor_job *j, b2a_vendor_plan *p)
{
    if (j->delivery != B2A_VENDOR_UPLOAD || !j->nuploads)
        return B2A_OK;
    b2a_vendor_step *s = b2a__vendor_plan_add(p);
    if (!s)
        return B2A_ENOMEM;
    s->kind = B2A_VENDOR_STEP_PREPARE;
    s->label = strdup("mkdir " B2A_VENDOR_BACKUP_DIR);
    if (!s->label || b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "mkdir") ||
        b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "-p"))
        return B2A_ENOMEM;
    for (size_t i = 0; i < j->nuploads; i++)
        if (!has_str(s->cmd.argv + 2, s->cmd.argc - 2, j->uploads[i].dir) &&
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "%s", j->uploads[i].dir))
            return B2A_ENOMEM;
    return B2A_OK;
}

int b2a__vendor_plan(const b2a_vendor_job *j, b2a_vendor_plan *out, b2a_err *err)
{
    memset(out, 0, sizeof *out);
    if (!j->ninputs)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "nothing to restore");
    int rc = prepare_step(j, out);
    if (rc == B2A_OK)
        rc = j->vendor->plan(j, out, err);
    else
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (rc != B2A_OK) {
        b2a__vendor_plan_free(out);
        return rc;
    }
    /* Share 0..100 among the restore steps by input size: a big data file
     * should not move the bar as fast as a small schema file. */
    uint64_t sum = 0;
    for (size_t i = 0; i < out->nsteps; i++)
        if (out->steps[i].progress != B2A_VENDOR_PROGRESS_NONE)
            sum += j->inputs[out->steps[i].input].size + 1;
    uint64_t acc = 0;
    for (size_t i = 0; i < out->nsteps; i++) {
        b2a_vendor_step *s = &out->steps[i];
        s->pct_from = (int)(sum ? acc * 100 / sum : 0);
        if (s->progress != B2A_VENDOR_PROGRESS_NONE)
            acc += j->inputs[s->input].size + 1;
        s->pct_to = (int)(sum ? acc * 100 / sum : 100);
    }
    return B2A_OK;
}

int b2a__vendor_bytes_probe(b2a_vendor_step *st, const char *in_path)
{
    /* Any process whose stdin is the backup file is the one reading it
     * (gzip, psql, mariadb); its fdinfo "pos:" is how far it got. */
    static const char script[] =
        "for p in /proc/[0-9]*; do "
        "[ \"$(readlink \"$p/fd/0\" 2>/dev/null)\" = \"$0\" ] && "
        "sed -n 's/^pos:[[:space:]]*//p' \"$p/fdinfo/0\" 2>/dev/null; "
        "done; true";
    st->progress = B2A_VENDOR_PROGRESS_BYTES;
    st->probe_ms = 1000;
    if (b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "sh") ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "-c") ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "%s", script) ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "%s", in_path))
        return B2A_ENOMEM;
    return B2A_OK;
}

int b2a__vendor_read_probe(b2a_vendor_step *st, const char *in_path)
{
    /* The bytes read by the processes that have the backup open (pg_restore
     * and its --jobs workers, or gzip in front of it), summed: a position
     * would not do, as the leader seeks to the end of the archive while its
     * workers read their parts. */
    static const char script[] =
        "for p in /proc/[0-9]*; do "
        "for f in \"$p\"/fd/*; do "
        "if [ \"$(readlink \"$f\" 2>/dev/null)\" = \"$0\" ]; then "
        "sed -n 's/^rchar:[[:space:]]*//p' \"$p/io\" 2>/dev/null; break; fi; "
        "done; done | awk '{ s += $1 } END { print s + 0 }'";
    st->probe_ms = 1000;
    if (b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "sh") ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "-c") ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "%s", script) ||
        b2a__vendor_strv_pushf(&st->probe.argv, &st->probe.argc, "%s", in_path))
        return B2A_ENOMEM;
    return B2A_OK;
}

/* sh -c SCRIPT PATH: the path arrives as $0, never spliced into the script. */
int b2a__vendor_sh(b2a_vendor_cmd *c, const char *script, const char *path)
{
    if (b2a__vendor_strv_pushf(&c->argv, &c->argc, "sh") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-c") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", script) ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", path))
        return B2A_ENOMEM;
    return B2A_OK;
}

/* Quote argv for a sh -c script (single quotes; our args hold no secrets). */
static char *sh_join(char **argv, size_t argc)
{
    size_t need = 1;
    for (size_t i = 0; i < argc; i++)
        need += strlen(argv[i]) * 4 + 3;
    char *s = malloc(need);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < argc; i++) {
        if (i)
            s[o++] = ' ';
        s[o++] = '\'';
        for (const char *p = argv[i]; *p; p++) {
            if (*p == '\'') {
                memcpy(s + o, "'\\''", 4);
                o += 4;
            } else {
                s[o++] = *p;
            }
        }
        s[o++] = '\'';
    }
    s[o] = '\0';
    return s;
}

/* A pipeline reading PATH on stdin: "exec TOOL < $0", or through gzip with
 * a gzip failure turned into an error line (dash has no pipefail). */
int b2a__vendor_stdin_pipeline(b2a_vendor_cmd *c, char **tool, size_t ntool, int gzip,
                               const char *filter, const char *path)
{
    char *t = sh_join(tool, ntool);
    if (!t)
        return B2A_ENOMEM;
    char *script = NULL;
    int r;
    if (gzip && filter)
        r = asprintf(&script,
                     "{ gzip -dc < \"$0\" || echo \"b2a: error: gzip -d failed with status $?\" "
                     ">&2; } | %s | %s",
                     filter, t);
    else if (gzip)
        r = asprintf(&script,
                     "{ gzip -dc < \"$0\" || echo \"b2a: error: gzip -d failed with status $?\" "
                     ">&2; } | %s",
                     t);
    else if (filter)
        r = asprintf(&script, "%s < \"$0\" | %s", filter, t);
    else
        r = asprintf(&script, "exec %s < \"$0\"", t);
    free(t);
    if (r < 0)
        return B2A_ENOMEM;
    int rc = b2a__vendor_sh(c, script, path);
    free(script);
    return rc;
}

/* ---- running a step ---- */

void b2a__vendor_run_init(b2a_vendor_run *r, const b2a_vendor_job *j, b2a_vendor_plan *plan,
                          size_t step)
{
    memset(r, 0, sizeof *r);
    r->job = j;
    r->step = step < plan->nsteps ? &plan->steps[step] : NULL;
    r->percent = r->step ? r->step->pct_from : -1;
}

int b2a__vendor_run_update(b2a_vendor_run *r)
{
    const b2a_vendor_step *s = r->step;
    if (!s || !s->total || s->progress == B2A_VENDOR_PROGRESS_NONE)
        return 0;
    uint64_t d = r->done < s->total ? r->done : s->total;
    /* 100 of a step is said by finish, not by a count that may overshoot */
    int span = s->pct_to - s->pct_from;
    int pct = s->pct_from + (int)(d * (uint64_t)span / s->total);
    if (pct >= s->pct_to && s->pct_to > s->pct_from)
        pct = s->pct_to - 1;
    if (pct <= r->percent)
        return 0;
    r->percent = pct;
    return 1;
}

int b2a__vendor_run_line(b2a_vendor_run *r, int stream, const char *line, size_t len)
{
    if (!r->step)
        return 0;
    /* strip a trailing CR; keep the last line for failures without an error line */
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (len) {
        size_t n = len < sizeof r->last_line - 1 ? len : sizeof r->last_line - 1;
        char tmp[sizeof r->last_line];
        memcpy(tmp, line, n);
        tmp[n] = '\0';
        b2a__vendor_redact(r->job, tmp, r->last_line, sizeof r->last_line);
    }
    if (r->step->kind == B2A_VENDOR_STEP_PREPARE)
        return 0;
    int before = r->percent;
    r->job->vendor->line(r, stream, line, len);
    if (r->step->progress == B2A_VENDOR_PROGRESS_ITEMS)
        b2a__vendor_run_update(r);
    return r->percent != before;
}

int b2a__vendor_run_probe_line(b2a_vendor_run *r, const char *line, size_t len)
{
    if (!r->step || r->step->progress == B2A_VENDOR_PROGRESS_NONE || !r->step->probe.argc)
        return 0;
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len || line[i] < '0' || line[i] > '9')
        return 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(line[i] - '0');
    if (r->step->progress == B2A_VENDOR_PROGRESS_ITEMS) {
        /* a worker that ends leaves the sum: never going back; and the
         * process's other reads (the server's replies) never past the file */
        uint64_t size = r->job->inputs[r->step->input].size;
        if (size && v > size)
            v = size;
        if (v <= r->read_pos)
            return 0;
        r->read_pos = v;
        return 1;
    }
    if (v > r->done)
        r->done = v;
    return b2a__vendor_run_update(r);
}

int b2a__vendor_run_finish(b2a_vendor_run *r, b2a_vendor_plan *plan, size_t step, int exit_code,
                           b2a_err *err)
{
    if (!r->step)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no such restore step %zu", step);
    int rc;
    if (r->step->kind == B2A_VENDOR_STEP_PREPARE) {
        rc = exit_code == 0 ? B2A_OK
                            : b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                                           "%s failed (exit %d): %s", r->step->label, exit_code,
                                           r->last_line[0] ? r->last_line : "no output");
    } else {
        rc = r->job->vendor->finish(r, exit_code, err);
    }
    if (rc == B2A_OK) {
        r->percent = r->step->pct_to;
        /* a COUNT step tells the next step how many items to expect */
        if (r->step->kind == B2A_VENDOR_STEP_COUNT && step + 1 < plan->nsteps &&
            !plan->steps[step + 1].total)
            plan->steps[step + 1].total = r->counted;
    }
    return rc;
}
