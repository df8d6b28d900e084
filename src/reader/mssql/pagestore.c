/* Page store: an extent index over all MQDA regions of all families.
 * Pages are copied per 64 KiB extent, so the index is per extent (a backup
 * of 100 GB needs ~1.6 M entries, ~40 MB). Each extent is identified by the
 * self-id of one of its pages; a page read checks its own self-id again,
 * so zeroed or stale filler slots come back as "not found", never as
 * another page's image. */
#include "reader/mssql/pagestore.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/header_impl.h"
#include "reader/mssql/mssqlbak.h"
#include "reader/mssql/mtf.h"
#include "reader/mssql/page.h"
#include "reader/mssql/pagecheck.h"
#include "reader/mssql/readahead.h"

#define PAGE B2A_BAK_PAGE_SIZE
#define EXT_BYTES (8 * PAGE)
/* Decompressed extents kept: 2 MiB. 64 slots decoded nothing less on the
 * samples (catalog and scans), but every open filled twice the memory: the
 * allocator hands a closed backup's cache back to the system, so the next
 * open takes fresh pages, each a page fault (64 slots: 478 faults per open
 * and scan of TSQLV4, 32: 166, about a fifth of the pass's CPU time). */
#define CACHE_SLOTS 32
#define SPARES 4       /* one per decoding thread suffices */

typedef struct ext_ent {
    uint64_t key;   /* file_id << 32 | extent number; 0 = empty (file 0 never indexed) */
    uint64_t loc;   /* MTF: file offset of the extent; MSSQLBAK: record offset */
    uint16_t fam;   /* family index */
    uint16_t rank;  /* region / run number: later supersedes earlier */
    uint8_t counted; /* pages of the extent already counted in the verify stats (atomic) */
} ext_ent;

typedef struct family {
    b2a_ra *ra;           /* TAPE */
    b2a_mssqlbak *mb;     /* MSSQLBAK */
    b2a_mtf_info info;
    char *path;
    uint64_t *logrecs;    /* MSSQLBAK: offsets of the records holding MQTL (log) data */
    size_t nlogrecs;
} family;

/* An extent is decoded only as far as a page read needs (the catalog reads
 * one or two pages of many extents); a later read of a page beyond goes on
 * from where the decode paused, so no byte is decoded twice. */
typedef struct cache_slot {
    uint64_t key;         /* fam << 48 ^ loc + 1; 0 = empty */
    uint64_t used;
    uint8_t *data;        /* EXT_BYTES */
    size_t valid;         /* data[0..valid) is decoded */
    b2a_xpress_resume rs; /* where the decode paused */
} cache_slot;

struct b2a_bak_pages {
    family *fams;
    size_t nfams;
    ext_ent *tab;
    size_t cap, count;    /* open addressing, cap a power of two */
    uint32_t limit[16];   /* page-id bound per file id < 16 */
    b2a_bak_header hdr;
    pthread_mutex_t lock; /* guards the cache only; the index is read-only after open */
    cache_slot cache[CACHE_SLOTS];
    uint8_t *spare[SPARES]; /* evicted extent buffers, reused before any malloc */
    size_t nspare;
    uint64_t tick;
    uint32_t nregions;    /* MQDA regions with data, over all families */
    int ignore_checksums; /* a page that fails verification is still returned */
    b2a_bak_pages *older; /* a differential's base (owned): extents this backup lacks */
    int in_set;           /* one of several backups laid over each other (overlay) */
    uint64_t nverified[3], nfailed; /* distinct pages by b2a_pgprot, and failed (atomic) */
    pthread_mutex_t fail_lock;       /* guards the two below */
    char *failures[B2A_BAK_MAX_FAILURES]; /* the first failed pages, described */
    size_t nfailures;
};


static int oom(b2a_err *err)
{
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static uint64_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static ext_ent *find_slot(ext_ent *tab, size_t cap, uint64_t key)
{
    size_t i = (size_t)hash64(key) & (cap - 1);
    while (tab[i].key && tab[i].key != key)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static int grow(b2a_bak_pages *p, b2a_err *err)
{
    size_t ncap = p->cap ? p->cap * 2 : 1024;
    ext_ent *nt = calloc(ncap, sizeof(*nt));
    if (!nt)
        return oom(err);
    for (size_t i = 0; i < p->cap; i++)
        if (p->tab[i].key)
            *find_slot(nt, ncap, p->tab[i].key) = p->tab[i];
    free(p->tab);
    p->tab = nt;
    p->cap = ncap;
    return B2A_OK;
}

static int index_put(b2a_bak_pages *p, uint16_t file_id, uint32_t ext, uint64_t loc, uint16_t fam,
                     uint16_t rank, b2a_err *err)
{
    if ((p->count + 1) * 4 > p->cap * 3) {
        int rc = grow(p, err);
        if (rc)
            return rc;
    }
    uint64_t key = (uint64_t)file_id << 32 | ext;
    ext_ent *e = find_slot(p->tab, p->cap, key);
    if (e->key) {
        /* Within a family the later copy wins; across families the later region. */
        if (e->fam != fam && rank < e->rank)
            return B2A_OK;
    } else {
        p->count++;
    }
    e->key = key;
    e->loc = loc;
    e->fam = fam;
    e->rank = rank;
    if (file_id < 16) {
        uint32_t lim = ext * 8 + 8;
        if (lim > p->limit[file_id])
            p->limit[file_id] = lim;
    }
    return B2A_OK;
}

/* Which extent a page header at slot position pos (0..7) says it belongs to.
 * 0 with file_id and ext set when it self-identifies; -1 for zero/filler pages. */
static int page_ident(const uint8_t *h, unsigned pos, uint16_t *file_id, uint32_t *ext)
{
    if (h[0] != 1)
        return -1;
    uint32_t pid = b2a__rd32(h + 32);
    uint16_t fid = b2a__rd16(h + 36);
    if (fid == 0 || (pid & 7) != pos)
        return -1;
    *file_id = fid;
    *ext = pid >> 3;
    return 0;
}

static int index_mtf(b2a_bak_pages *p, uint16_t fi, b2a_err *err)
{
    family *f = &p->fams[fi];
    uint8_t h[96];
    uint8_t *ext = NULL;
    int rc = B2A_OK;
    for (size_t r = 0; r < f->info.nregions; r++) {
        const b2a_mtf_region *rg = &f->info.regions[r];
        for (uint64_t b = 0; b < rg->nblocks; b += 8) {
            uint64_t off = rg->offset + b * PAGE;
            unsigned n = rg->nblocks - b < 8 ? (unsigned)(rg->nblocks - b) : 8;
            uint16_t fid;
            uint32_t e;
            if ((rc = b2a__ra_read(f->ra, off, h, sizeof(h), "MQDA page", err)))
                goto out;
            int ok = page_ident(h, 0, &fid, &e) == 0;
            if (!ok) {
                /* First page unwritten: look at the others of the extent. */
                if (!ext && !(ext = malloc(EXT_BYTES))) {
                    rc = oom(err);
                    goto out;
                }
                if ((rc = b2a__ra_read(f->ra, off, ext, (size_t)n * PAGE, "MQDA extent", err)))
                    goto out;
                for (unsigned i = 1; i < n && !ok; i++)
                    ok = page_ident(ext + (size_t)i * PAGE, i, &fid, &e) == 0;
            }
            if (ok && (rc = index_put(p, fid, e, off, fi, (uint16_t)r, err)))
                goto out;
        }
        p->nregions++;
    }
out:
    free(ext);
    return rc;
}

static uint64_t cache_key(uint16_t fam, uint64_t loc);
static void cache_keep(b2a_bak_pages *p, uint64_t ck, uint8_t *buf, size_t valid,
                       const b2a_xpress_resume *rs);

static int index_mssqlbak(b2a_bak_pages *p, uint16_t fi, b2a_err *err)
{
    family *f = &p->fams[fi];
    uint64_t cur = 0;
    b2a_mssqlbak_rec rec;
    uint8_t *buf = malloc(B2A_MSSQLBAK_OUT_MAX + 4096);
    char what[600];
    uint16_t run = 0;
    int in_run = 0, rc;
    b2a_mtf_chunkstate st;
    memset(&st, 0, sizeof(st));
    if (!buf)
        return oom(err);
    b2a_mssqlbak_head head; /* a walk's read serves the peek at the extent it found */
    while ((rc = b2a__mssqlbak_next_head(f->mb, &cur, &rec, &head, err)) == 1) {
        if (b2a__mssqlbak_is_extent(&rec)) {
            if (f->info.nsets != 1)
                continue;   /* a later backup set */
            if (strcmp(st.ext_stream, "MQTL") == 0) {
                uint64_t *nl = realloc(f->logrecs, (f->nlogrecs + 1) * sizeof *nl);
                if (!nl) {
                    rc = oom(err);
                    goto out;
                }
                f->logrecs = nl;
                f->logrecs[f->nlogrecs++] = rec.offset;
                continue;
            }
            if (strcmp(st.ext_stream, "MQDA") != 0)
                continue;
            size_t got = 0;
            uint16_t fid;
            uint32_t e;
            int ok = 0;
            if (!in_run) {
                in_run = 1;
                run++;
            }
            if ((rc = b2a__mssqlbak_peek_head(f->mb, rec.offset, &head, buf, 96, &got, err)))
                goto out;
            ok = got >= 96 && page_ident(buf, 0, &fid, &e) == 0;
            if (!ok) {
                /* First page unwritten: the whole extent is decoded to find
                 * out whose it is, and kept in the cache so that the scan
                 * reading its pages does not decode it again. */
                uint8_t *whole = malloc(EXT_BYTES);
                if (!whole) {
                    rc = oom(err);
                    goto out;
                }
                b2a_xpress_resume rs;
                memset(&rs, 0, sizeof rs);
                if ((rc = b2a__mssqlbak_extent_until(f->mb, rec.offset, whole, EXT_BYTES, &rs, &got, err))) {
                    free(whole);
                    goto out;
                }
                for (unsigned i = 1; i < 8 && !ok; i++)
                    ok = page_ident(whole + (size_t)i * PAGE, i, &fid, &e) == 0;
                cache_keep(p, ok ? cache_key(fi, rec.offset) : 0, whole, got, &rs);
            }
            if (ok && (rc = index_put(p, fid, e, rec.offset, fi, run, err)))
                goto out;
            continue;
        }
        if (in_run) {
            in_run = 0;
            p->nregions++;
        }
        /* Header chunks and raw blocks carry the MTF descriptor blocks. */
        size_t n = 0;
        if ((rc = b2a__mssqlbak_read(f->mb, rec.offset, buf, B2A_MSSQLBAK_OUT_MAX + 4096, &n, err)))
            goto out;
        snprintf(what, sizeof(what), "%s: record at offset %llu", f->path,
                 (unsigned long long)rec.offset);
        if ((rc = b2a__mtf_parse_chunk(buf, n, what, &f->info, &st, err)))
            goto out;
    }
    if (rc < 0)
        goto out;
    if (in_run)
        p->nregions++;
    rc = B2A_OK;
    if (!f->info.tape.data)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: compressed backup without a TAPE header block", f->path);
    else if (!f->info.saw_eset)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: truncated: the file ends at offset %llu before the end of the backup set (no ESET block)",
                          f->path, (unsigned long long)b2a__mssqlbak_size(f->mb));
    else if (memcmp(f->info.last_type, "SFMB", 4) != 0 ||
             b2a__mssqlbak_size(f->mb) % f->info.soft_filemark != 0)
        /* The closing filemark is padded to the soft-filemark size [measured]. */
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: truncated: the file ends at offset %llu without the closing filemark of the backup set",
                          f->path, (unsigned long long)b2a__mssqlbak_size(f->mb));
out:
    free(buf);
    return rc;
}

static int open_family(b2a_bak_pages *p, uint16_t fi, const char *path, b2a_err *err)
{
    family *f = &p->fams[fi];
    uint8_t head[8];
    int rc;
    if (!(f->path = strdup(path)))
        return oom(err);
    if ((rc = b2a__ra_open(path, &f->ra, err)))
        return rc;
    if (b2a__ra_size(f->ra) < sizeof(head))
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: not a SQL Server backup: only %llu bytes", path,
                            (unsigned long long)b2a__ra_size(f->ra));
    if ((rc = b2a__ra_read(f->ra, 0, head, sizeof(head), "file header", err)))
        return rc;
    if (b2a__mssqlbak_probe(head, sizeof(head))) {
        b2a__ra_close(f->ra);
        f->ra = NULL;
        if ((rc = b2a__mssqlbak_open(path, &f->mb, err)))
            return rc;
        return index_mssqlbak(p, fi, err);
    }
    if (memcmp(head, "TAPE", 4) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: not a SQL Server backup (starts with neither TAPE nor MSSQLBAK)", path);
    if ((rc = b2a__mtf_walk(f->ra, &f->info, err)))
        return rc;
    return index_mtf(p, fi, err);
}

/* The families must be one complete media set, each stripe once; with
 * allow_missing, stripes of the set may be absent (headers only). */
static int check_stripes(b2a_bak_pages *p, int allow_missing, b2a_err *err)
{
    family *f0 = &p->fams[0];
    char g0[37], g[37];
    if (!f0->info.has_raid) {
        if (p->nfams > 1)
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s: no media-set information (RAID stream); cannot combine %zu files",
                                f0->path, p->nfams);
        return B2A_OK;
    }
    b2a__bak_guid_text(f0->info.media_set_id, g0);
    uint16_t count = f0->info.family_count ? f0->info.family_count : 1;
    unsigned char seen[65536 / 8];
    memset(seen, 0, sizeof(seen));
    for (size_t i = 0; i < p->nfams; i++) {
        family *f = &p->fams[i];
        b2a__bak_guid_text(f->info.media_set_id, g);
        if (!f->info.has_raid || memcmp(f->info.media_set_id, f0->info.media_set_id, 16) != 0)
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s belongs to media set {%s}, but %s belongs to media set {%s}: give the files of one backup only",
                                f->path, f->info.has_raid ? g : "none", f0->path, g0);
        uint16_t s = f->info.family_seq;
        if (f->info.family_count != f0->info.family_count || s < 1 || s > count)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: inconsistent stripe numbering: stripe %u of %u (media set {%s})",
                                f->path, s, f->info.family_count, g0);
        if (seen[s / 8] & (1u << (s % 8)))
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                                "%s: stripe %u of %u of media set {%s} was given twice", f->path, s,
                                count, g0);
        seen[s / 8] |= (unsigned char)(1u << (s % 8));
    }
    if (p->nfams == count || allow_missing)
        return B2A_OK;
    /* Name every missing stripe (up to a sensible length). */
    char miss[400] = "";
    size_t nmiss = 0, len = 0;
    for (unsigned s = 1; s <= count; s++) {
        if (seen[s / 8] & (1u << (s % 8)))
            continue;
        if (len < sizeof(miss) - 16)
            len += (size_t)snprintf(miss + len, sizeof(miss) - len, "%s%u", nmiss ? ", " : "", s);
        nmiss++;
    }
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s is stripe %u of %u of media set {%s}; stripe%s %s %s missing: give all %u files together",
                        f0->path, f0->info.family_seq, count, g0, nmiss > 1 ? "s" : "", miss,
                        nmiss > 1 ? "are" : "is", count);
}

static int pages_open(const char *const *paths, size_t n, int allow_missing, b2a_bak_pages **out,
                      b2a_err *err)
{
    *out = NULL;
    if (!paths || n == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no backup file given");
    if (n > 64)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                            "%zu backup files given; SQL Server writes at most 64 stripes", n);
    b2a_bak_pages *p = calloc(1, sizeof(*p));
    if (!p || !(p->fams = calloc(n, sizeof(*p->fams)))) {
        free(p);
        return oom(err);
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->fail_lock, NULL);
    p->nfams = n;
    int rc = B2A_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = open_family(p, (uint16_t)i, paths[i], err);
    if (!rc)
        rc = check_stripes(p, allow_missing, err);
    if (!rc) {
        const b2a_mtf_info *infos[64];
        const char *fpaths[64];
        int comp[64];
        for (size_t i = 0; i < n; i++) {
            infos[i] = &p->fams[i].info;
            fpaths[i] = p->fams[i].path;
            comp[i] = p->fams[i].mb != NULL;
        }
        rc = b2a__bak_header_build(&p->hdr, infos, fpaths, comp, n, p, err);
    }
    if (rc) {
        b2a__bak_pages_close(p);
        return rc;
    }
    p->hdr.extents = p->count;
    p->hdr.data_regions = p->nregions;
    /* A complete backup set (its ESET was reached) without a single data
     * page is a log backup whatever its attribute bits say: every database
     * or differential backup carries at least the boot page. */
    if (p->count == 0 && p->fams[0].info.saw_eset && p->hdr.backup_type != B2A_BAK_TYPE_DIFFERENTIAL)
        p->hdr.backup_type = B2A_BAK_TYPE_LOG;
    *out = p;
    return B2A_OK;
}

int b2a__bak_pages_open(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err)
{
    return pages_open(paths, n, 0, out, err);
}

int b2a__bak_pages_open_incomplete(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err)
{
    return pages_open(paths, n, 1, out, err);
}

void b2a__bak_page_untear(uint8_t page[B2A_BAK_PAGE_SIZE])
{
    if (!(b2a__rd16(page + 4) & 0x100))
        return;
    /* Torn-page detection overwrote the low 2 bits of the last byte of
     * sectors 1..15; m_tornBits keeps the originals, sector s at bits 2s. */
    uint32_t tb = b2a__rd32(page + 60);
    for (unsigned s = 1; s < 16; s++) {
        uint8_t *b = page + s * 512 + 511;
        *b = (uint8_t)((*b & ~3u) | ((tb >> (2 * s)) & 3u));
    }
}

/* Cache key of a compressed extent record. */
static uint64_t cache_key(uint16_t fam, uint64_t loc)
{
    return ((uint64_t)fam << 48 ^ loc) + 1;
}

/* Hand a decoded extent (buf, EXT_BYTES from malloc, decoded up to valid,
 * paused at *rs) to the cache under key ck, evicting the least recently
 * used; ck 0 or an extent another thread cached first only returns buf to
 * the spares. Takes ownership of buf. */
static void cache_keep(b2a_bak_pages *p, uint64_t ck, uint8_t *buf, size_t valid,
                       const b2a_xpress_resume *rs)
{
    pthread_mutex_lock(&p->lock);
    int victim = ck ? 0 : -1;
    for (int i = 0; victim >= 0 && i < CACHE_SLOTS; i++) {
        if (p->cache[i].key == ck) { /* another thread won the race */
            victim = -1;
            break;
        }
        if (p->cache[i].used < p->cache[victim].used)
            victim = i;
    }
    if (victim >= 0) {
        uint8_t *old = p->cache[victim].data;
        p->cache[victim].data = buf;
        p->cache[victim].key = ck;
        p->cache[victim].used = ++p->tick;
        p->cache[victim].valid = valid;
        p->cache[victim].rs = *rs;
        buf = old;
    }
    if (buf && p->nspare < SPARES) {
        p->spare[p->nspare++] = buf;
        buf = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    free(buf);
}

static int read_raw(b2a_bak_pages *p, const ext_ent *e, unsigned pos, uint8_t *page_out, b2a_err *err)
{
    family *f = &p->fams[e->fam];
    if (f->ra)
        return b2a__ra_read(f->ra, e->loc + (uint64_t)pos * PAGE, page_out, PAGE, "MQDA page", err);

    uint64_t ck = cache_key(e->fam, e->loc);
    size_t need = ((size_t)pos + 1) * PAGE;
    b2a_xpress_resume rs;
    uint8_t *buf = NULL;
    size_t until = need;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *c = &p->cache[i];
        if (c->key != ck)
            continue;
        c->used = ++p->tick;
        if (c->valid >= need) {
            memcpy(page_out, c->data + (size_t)pos * PAGE, PAGE);
            pthread_mutex_unlock(&p->lock);
            return B2A_OK;
        }
        /* Decoded short of this page: take it out and go on, to the end,
         * since a second page of an extent is mostly a scan of all eight. */
        buf = c->data;
        rs = c->rs;
        c->data = NULL;
        c->key = 0;
        c->used = 0;
        c->valid = 0;
        until = EXT_BYTES;
        break;
    }
    /* Decompress outside the lock so threads do not serialise on XPRESS,
     * into an evicted extent's buffer: no malloc and no fresh pages. */
    if (!buf) {
        memset(&rs, 0, sizeof rs);
        buf = p->nspare ? p->spare[--p->nspare] : NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (!buf && !(buf = malloc(EXT_BYTES)))
        return oom(err);
    size_t valid = 0;
    int rc = b2a__mssqlbak_extent_until(f->mb, e->loc, buf, until, &rs, &valid, err);
    if (rc == B2A_OK)
        memcpy(page_out, buf + (size_t)pos * PAGE, PAGE);
    cache_keep(p, rc == B2A_OK ? ck : 0, buf, valid, &rs);
    return rc;
}

/* Count each page once in the verify stats, however often it is read;
 * a failed page's description (why) is kept among the first few. */
static void count_page(b2a_bak_pages *p, ext_ent *e, unsigned pos, const b2a_pgcheck *c, const char *why)
{
    uint8_t bit = (uint8_t)(1u << pos);
    /* The only field written after open. */
    if (__atomic_fetch_or(&e->counted, bit, __ATOMIC_RELAXED) & bit)
        return;
    if (!c->ok) {
        pthread_mutex_lock(&p->fail_lock);
        if (p->nfailures < B2A_BAK_MAX_FAILURES && (p->failures[p->nfailures] = strdup(why)))
            p->nfailures++;
        pthread_mutex_unlock(&p->fail_lock);
    }
    /* A page with damaged flags claimed no protection: counted there, and as failed. */
    b2a_pgprot slot = c->prot == B2A_PGPROT_FLAGS ? B2A_PGPROT_NONE : c->prot;
    __atomic_fetch_add(&p->nverified[slot], 1, __ATOMIC_RELAXED);
    if (!c->ok)
        __atomic_fetch_add(&p->nfailed, 1, __ATOMIC_RELAXED);
}

/* Salvaged page reads per thread, so that concurrent scans of different
 * tables each see their own (b2a__bak_pages_salvaged_here). */
static __thread uint64_t salvaged_reads;

int b2a__bak_pages_get_of(b2a_bak_pages *p, uint16_t file_id, uint32_t page_id, const char *owner,
                          uint8_t page_out[B2A_BAK_PAGE_SIZE], b2a_err *err)
{
    ext_ent *e = NULL;
    if (p->cap && file_id) {
        e = find_slot(p->tab, p->cap, (uint64_t)file_id << 32 | (page_id >> 3));
        if (!e->key)
            e = NULL;
    }
    if (!e && p->older)   /* unchanged since the base: its image stands */
        return b2a__bak_pages_get_of(p->older, file_id, page_id, owner, page_out, err);
    if (!e)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_READER,
                            "%s: the backup holds no image of page (%u:%u)", p->fams[0].path, file_id,
                            page_id);
    int rc = read_raw(p, e, page_id & 7, page_out, err);
    if (rc)
        return rc;
    if (b2a__rd32(page_out + 32) != page_id || b2a__rd16(page_out + 36) != file_id)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_READER,
                            "%s: the backup holds no image of page (%u:%u) (its extent slot is unwritten)",
                            p->fams[e->fam].path, file_id, page_id);
    /* Verified as written to disk, so before the torn bits are restored. */
    b2a_pgcheck c;
    char why[B2A_ERRMSG_MAX / 2] = "";
    if (!b2a__page_verify(page_out, &c)) {
        char what[160];
        b2a__page_check_describe(&c, what, sizeof(what));
        /* In a full with differentials, which file's image failed is not the
         * first file given, which the caller's messages name. */
        snprintf(why, sizeof(why), "page (%u:%u)%s%s: %s%s%s", file_id, page_id, owner ? " of " : "",
                 owner ? owner : "", what, p->in_set ? ", in the image from " : "",
                 p->in_set ? p->fams[e->fam].path : "");
    }
    count_page(p, e, page_id & 7, &c, why);
    if (!c.ok && !p->ignore_checksums)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s", why);
    if (!c.ok)
        salvaged_reads++;
    b2a__bak_page_untear(page_out);
    return B2A_OK;
}

int b2a__bak_pages_get(b2a_bak_pages *p, uint16_t file_id, uint32_t page_id,
                       uint8_t page_out[B2A_BAK_PAGE_SIZE], b2a_err *err)
{
    return b2a__bak_pages_get_of(p, file_id, page_id, NULL, page_out, err);
}

uint64_t b2a__bak_pages_salvaged_here(void)
{
    return salvaged_reads;
}

void b2a__bak_pages_set_ignore_checksums(b2a_bak_pages *p, int ignore)
{
    for (; p; p = p->older)
        p->ignore_checksums = ignore != 0;
}

void b2a__bak_pages_verify_stats(const b2a_bak_pages *p, b2a_bak_verify_stats *out)
{
    out->checksum = __atomic_load_n(&p->nverified[B2A_PGPROT_CHECKSUM], __ATOMIC_RELAXED);
    out->torn = __atomic_load_n(&p->nverified[B2A_PGPROT_TORN], __ATOMIC_RELAXED);
    out->unprotected = __atomic_load_n(&p->nverified[B2A_PGPROT_NONE], __ATOMIC_RELAXED);
    out->failed = __atomic_load_n(&p->nfailed, __ATOMIC_RELAXED);
    if (p->older) {
        b2a_bak_verify_stats o;
        b2a__bak_pages_verify_stats(p->older, &o);
        out->checksum += o.checksum;
        out->torn += o.torn;
        out->unprotected += o.unprotected;
        out->failed += o.failed;
    }
}

const char *b2a__bak_pages_failure(b2a_bak_pages *p, size_t i)
{
    pthread_mutex_lock(&p->fail_lock);
    size_t n = p->nfailures;
    const char *f = i < n ? p->failures[i] : NULL;
    pthread_mutex_unlock(&p->fail_lock);
    /* A differential's own pages first, then those read from its base. */
    if (!f && p->older)
        return b2a__bak_pages_failure(p->older, i - n);
    return f;
}

int b2a__bak_pages_has(const b2a_bak_pages *p, uint16_t file_id, uint32_t page_id)
{
    if (p->older && b2a__bak_pages_has(p->older, file_id, page_id))
        return 1;
    if (!p->cap || !file_id)
        return 0;
    return find_slot(p->tab, p->cap, (uint64_t)file_id << 32 | (page_id >> 3))->key != 0;
}

uint32_t b2a__bak_pages_limit(const b2a_bak_pages *p, uint16_t file_id)
{
    uint32_t base = p->older ? b2a__bak_pages_limit(p->older, file_id) : 0;
    if (file_id < 16)
        return p->limit[file_id] > base ? p->limit[file_id] : base;
    uint32_t lim = base;
    for (size_t i = 0; i < p->cap; i++)
        if (p->tab[i].key >> 32 == file_id && ((uint32_t)p->tab[i].key + 1) * 8 > lim)
            lim = ((uint32_t)p->tab[i].key + 1) * 8;
    return lim;
}

void b2a__bak_pages_dump(const b2a_bak_pages *p, void *fp)
{
    FILE *f = fp;
    const b2a_bak_header *h = &p->hdr;
    fprintf(f, "database %s on %s, dbi_version %u (SQL Server %d), created at version %u\n",
            h->database_name, h->server_name, h->database_version, h->software_major,
            h->create_version);
    fprintf(f, "backup \"%s\" by %s at %s, type %d%s%s, %u backup set(s) in the file\n",
            h->backup_name, h->user_name, h->backup_date, h->backup_type,
            h->copy_only ? " copy-only" : "", h->compressed ? " compressed" : "", h->backup_sets);
    fprintf(f, "media set {%s}, %u famil%s, soft filemark %u bytes\n", h->media_set_id,
            h->family_count, h->family_count == 1 ? "y" : "ies", h->soft_filemark);
    for (size_t i = 0; i < h->nfamilies; i++)
        fprintf(f, "  stripe %u: %s%s\n", h->families[i].sequence, h->families[i].path,
                h->families[i].compressed ? " (MSSQLBAK)" : " (TAPE)");
    for (size_t i = 0; i < h->nfiles; i++)
        fprintf(f, "  file %u %c %s = %s, %llu bytes backed up, size %llu\n", h->files[i].file_id,
                h->files[i].type, h->files[i].logical_name, h->files[i].physical_name,
                (unsigned long long)h->files[i].backup_size_bytes, (unsigned long long)h->files[i].size_bytes);
    fprintf(f, "%llu extents indexed in %u MQDA region(s)\n", (unsigned long long)h->extents,
            h->data_regions);
    for (uint16_t fid = 1; fid < 16; fid++)
        if (p->limit[fid])
            fprintf(f, "  file id %u: pages below %u\n", fid, p->limit[fid]);
}

const b2a_bak_header *b2a__bak_pages_header(const b2a_bak_pages *p) { return &p->hdr; }

int b2a__bak_pages_log(b2a_bak_pages *p, b2a_bak_log_cb cb, void *ud, b2a_err *err)
{
    uint8_t *buf = malloc(B2A_MSSQLBAK_OUT_MAX);
    int rc = buf ? B2A_OK : oom(err);
    for (size_t i = 0; i < p->nfams && rc == B2A_OK; i++) {
        family *f = &p->fams[i];
        for (size_t k = 0; k < f->info.nlogs && rc == B2A_OK; k++) {
            uint64_t off = f->info.logs[k].offset, left = f->info.logs[k].nblocks;
            while (left && rc == B2A_OK) {
                size_t n = left < B2A_MSSQLBAK_OUT_MAX ? (size_t)left : B2A_MSSQLBAK_OUT_MAX;
                if ((rc = b2a__ra_read(f->ra, off, buf, n, "MQTL log data", err)) == B2A_OK)
                    rc = cb(ud, i, buf, n, err);
                off += n;
                left -= n;
            }
        }
        for (size_t k = 0; k < f->nlogrecs && rc == B2A_OK; k++) {
            size_t n = 0;
            if ((rc = b2a__mssqlbak_read(f->mb, f->logrecs[k], buf, B2A_MSSQLBAK_OUT_MAX, &n, err)) == B2A_OK)
                rc = cb(ud, i, buf, n, err);
        }
    }
    free(buf);
    return rc;
}

void b2a__bak_pages_overlay(b2a_bak_pages *newer, b2a_bak_pages *older)
{
    newer->older = older;
    newer->in_set = older->in_set = 1;
}

b2a_bak_pages *b2a__bak_pages_older(const b2a_bak_pages *p) { return p->older; }

/* The descriptor blocks at the start of a backup file (TAPE, SSET, VOLB,
 * MSCI with MQCI), up to its first data stream, without walking the rest:
 * the first 64 KiB of a TAPE file, the chunks before the first extent
 * record of an MSSQLBAK file. */
static int read_first_blocks(const char *path, b2a_mtf_info *info, int *compressed, b2a_err *err)
{
    b2a_mtf_chunkstate st;
    memset(info, 0, sizeof *info);
    memset(&st, 0, sizeof st);
    *compressed = 0;
    uint8_t *buf = malloc(B2A_MSSQLBAK_OUT_MAX + 4096);
    b2a_ra *ra = NULL;
    b2a_mssqlbak *mb = NULL;
    size_t n = 0;
    int rc = buf ? b2a__ra_open(path, &ra, err) : oom(err);
    if (rc == B2A_OK) {
        uint64_t size = b2a__ra_size(ra);
        n = size < 65536 ? (size_t)size : 65536;
        rc = b2a__ra_read(ra, 0, buf, n, "file header", err);
    }
    if (rc == B2A_OK && !b2a__mssqlbak_probe(buf, n)) {
        rc = b2a__mtf_parse_chunk(buf, n, path, info, &st, err);
    } else if (rc == B2A_OK) {
        uint64_t cur = 0;
        b2a_mssqlbak_rec rec;
        *compressed = 1;
        if ((rc = b2a__mssqlbak_open(path, &mb, err)) == B2A_OK) {
            while (!st.ext_stream[0] && (rc = b2a__mssqlbak_next(mb, &cur, &rec, err)) == 1) {
                if (b2a__mssqlbak_is_extent(&rec))
                    break;
                if ((rc = b2a__mssqlbak_read(mb, rec.offset, buf, B2A_MSSQLBAK_OUT_MAX + 4096, &n, err)) ||
                    (rc = b2a__mtf_parse_chunk(buf, n, path, info, &st, err)))
                    break;
            }
            if (rc == 1 || rc == 0)
                rc = info->tape.data ? B2A_OK
                                     : b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                                    "%s: compressed backup without a TAPE header block", path);
        }
    }
    if (mb)
        b2a__mssqlbak_close(mb);
    b2a__ra_close(ra);
    free(buf);
    if (rc < 0)
        b2a__mtf_info_clear(info);
    return rc;
}

/* The media-set GUID from the TAPE block's RAID stream. */
int b2a__bak_media_set(const char *path, uint8_t id[16], b2a_err *err)
{
    b2a_mtf_info info;
    int compressed;
    int rc = read_first_blocks(path, &info, &compressed, err);
    if (rc < 0)
        return rc;
    int has = info.has_raid;
    if (has)
        memcpy(id, info.media_set_id, 16);
    b2a__mtf_info_clear(&info);
    return has;
}

int b2a__bak_pages_open_first_blocks(const char *path, b2a_bak_pages **out, b2a_err *err)
{
    *out = NULL;
    b2a_bak_pages *p = calloc(1, sizeof(*p));
    if (!p || !(p->fams = calloc(1, sizeof(*p->fams)))) {
        free(p);
        return oom(err);
    }
    pthread_mutex_init(&p->lock, NULL);
    p->nfams = 1;
    int compressed = 0;
    int rc = (p->fams[0].path = strdup(path)) ? read_first_blocks(path, &p->fams[0].info, &compressed, err)
                                             : oom(err);
    if (rc == B2A_OK) {
        const b2a_mtf_info *infos[1] = { &p->fams[0].info };
        const char *paths[1] = { path };
        rc = b2a__bak_header_build(&p->hdr, infos, paths, &compressed, 1, NULL, err);
    }
    if (rc) {
        b2a__bak_pages_close(p);
        return rc;
    }
    *out = p;
    return B2A_OK;
}

void b2a__bak_pages_close(b2a_bak_pages *p)
{
    if (!p)
        return;
    b2a__bak_pages_close(p->older);
    for (size_t i = 0; i < p->nfams; i++) {
        b2a__ra_close(p->fams[i].ra);
        if (p->fams[i].mb)
            b2a__mssqlbak_close(p->fams[i].mb);
        b2a__mtf_info_clear(&p->fams[i].info);
        free(p->fams[i].path);
        free(p->fams[i].logrecs);
    }
    for (int i = 0; i < CACHE_SLOTS; i++)
        free(p->cache[i].data);
    for (size_t i = 0; i < p->nspare; i++)
        free(p->spare[i]);
    b2a__bak_header_clear(&p->hdr);
    for (size_t i = 0; i < p->nfailures; i++)
        free(p->failures[i]);
    pthread_mutex_destroy(&p->fail_lock);
    pthread_mutex_destroy(&p->lock);
    free(p->fams);
    free(p->tab);
    free(p);
}
