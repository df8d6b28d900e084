/* HEADERONLY / FILELISTONLY / LABELONLY facts. Offsets inside MQCI's
 * sub-blocks (SCIN, SFIN) were measured on the samples: the strings sit at
 * the end of each sub-block, their byte lengths in the fixed part. */
#include "reader/mssql/header_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/page.h"

static int oom(b2a_err *err)
{
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static int setstr(char **dst, char *s)
{
    if (!s)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

/* Trailing blanks, NULs and U+2020 (0x20 0x20 padding read as UTF-16). */
static void trim(char *s)
{
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\0'))
            n--;
        else if (n >= 3 && (uint8_t)s[n - 3] == 0xE2 && (uint8_t)s[n - 2] == 0x80 && (uint8_t)s[n - 1] == 0xA0)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
}

static int software_major(uint16_t v)
{
    if (v >= 1000) return 17;
    if (v >= 950) return 16;
    if (v >= 890) return 15;
    if (v >= 868) return 14;
    if (v >= 850) return 13;
    if (v >= 780) return 12;
    if (v >= 700) return 11;
    if (v >= 655) return 10;
    if (v >= 611) return 9;
    if (v >= 539) return 8;
    return 0;
}

int b2a__lsn_cmp(const b2a_lsn *a, const b2a_lsn *b)
{
    if (a->vlf != b->vlf)
        return a->vlf < b->vlf ? -1 : 1;
    if (a->block != b->block)
        return a->block < b->block ? -1 : 1;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

void b2a__lsn_text(const b2a_lsn *l, char out[32])
{
    if (l->vlf)
        snprintf(out, 32, "%u%010u%05u", l->vlf, l->block, l->slot);
    else
        snprintf(out, 32, "%u", l->block ? l->block * 100000u + l->slot : l->slot);
}

static b2a_lsn rd_lsn(const uint8_t *p)
{
    b2a_lsn l = { b2a__rd32(p), b2a__rd32(p + 4), b2a__rd16(p + 8) };
    return l;
}

/* SCIN: database name and server name lengths at +104/+108, strings at its end. */
static int parse_scin(b2a_bak_header *h, const uint8_t *m, size_t n)
{
    if (n < 12 || memcmp(m, "SCIN", 4) != 0)
        return 0;
    size_t sz = b2a__rd32(m + 4);
    if (sz > n || sz < 112)
        return 0;
    h->has_lsns = 1;
    h->first_lsn = rd_lsn(m + 32);
    h->last_lsn = rd_lsn(m + 42);
    h->checkpoint_lsn = rd_lsn(m + 52);
    h->database_backup_lsn = rd_lsn(m + 62);
    if (sz >= 216)
        memcpy(h->differential_base_guid, m + 200, 16);
    size_t l1 = b2a__rd16(m + 104), l2 = b2a__rd16(m + 108);
    if (l1 + l2 > sz - 112)
        return 0;
    const uint8_t *s = m + sz - l1 - l2;
    if (setstr(&h->database_name, b2a__mtf_utf16(s, l1)) || setstr(&h->server_name, b2a__mtf_utf16(s + l1, l2)))
        return -1;
    return 0;
}

/* SFIN: one per database file. */
static int parse_sfin(b2a_bak_header *h, const uint8_t *s, size_t sz)
{
    if (sz < 56)
        return 0;
    size_t l1 = b2a__rd16(s + 48), l2 = b2a__rd16(s + 52);
    if (l1 + l2 > sz - 56)
        return 0;
    b2a_bak_file *f = realloc(h->files, (h->nfiles + 1) * sizeof(*f));
    if (!f)
        return -1;
    h->files = f;
    f = &h->files[h->nfiles];
    memset(f, 0, sizeof(*f));
    const uint8_t *p = s + sz - l1 - l2;
    f->logical_name = b2a__mtf_utf16(p, l1);
    f->physical_name = b2a__mtf_utf16(p + l1, l2);
    h->nfiles++;
    if (!f->logical_name || !f->physical_name)
        return -1;
    f->file_id = (uint16_t)b2a__rd32(s + 20);
    /* Log files belong to no filegroup (+36 = 0) [measured]. */
    f->type = b2a__rd32(s + 36) == 0 ? 'L' : 'D';
    /* +24 counts the pages backed up (= MQDA blocks) [measured]. */
    f->backup_size_bytes = (uint64_t)b2a__rd32(s + 24) * 8192;
    /* +40: u64 file size in bytes (logs of 1 MB, 1.5625 MB...) [measured]. */
    f->size_bytes = (uint64_t)b2a__rd32(s + 40) | (uint64_t)b2a__rd32(s + 44) << 32;
    return 0;
}

static int parse_mqci(b2a_bak_header *h, const uint8_t *m, size_t n)
{
    if (parse_scin(h, m, n))
        return -1;
    size_t pos = 0;
    while (pos + 8 <= n) {
        size_t sz = b2a__rd32(m + pos + 4);
        if (sz < 8 || sz > n - pos)
            break;
        if (memcmp(m + pos, "SFIN", 4) == 0 && parse_sfin(h, m + pos, sz))
            return -1;
        pos += sz;
    }
    return 0;
}

void b2a__bak_guid_text(const uint8_t g[16], char out[37])
{
    /* The first three groups are little-endian, as SQL Server prints them. */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
             g[13], g[14], g[15]);
}

static int fam_cmp(const void *a, const void *b)
{
    const b2a_bak_family *x = a, *y = b;
    return (int)x->sequence - (int)y->sequence;
}

int b2a__bak_header_build(b2a_bak_header *h, const b2a_mtf_info *const *infos,
                          const char *const *paths, const int *compressed, size_t n,
                          b2a_bak_pages *pages, b2a_err *err)
{
    const b2a_mtf_info *in = infos[0];
    memset(h, 0, sizeof(*h));
    if (!(h->families = calloc(n, sizeof(*h->families))))
        return oom(err);
    h->nfamilies = n;
    for (size_t i = 0; i < n; i++) {
        if (!(h->families[i].path = strdup(paths[i])))
            return oom(err);
        h->families[i].sequence = infos[i]->has_raid ? infos[i]->family_seq : 1;
        h->families[i].compressed = compressed[i];
    }
    qsort(h->families, n, sizeof(*h->families), fam_cmp);

    h->compressed = compressed[0];
    h->soft_filemark = in->soft_filemark;
    h->backup_sets = in->nsets;
    h->family_count = in->has_raid ? in->family_count : 1;
    if (in->has_raid)
        b2a__bak_guid_text(in->media_set_id, h->media_set_id);

    if (setstr(&h->backup_name, b2a__mtf_string(&in->sset, 64)) ||
        setstr(&h->backup_description, b2a__mtf_string(&in->sset, 68)) ||
        setstr(&h->user_name, b2a__mtf_string(&in->sset, 76)))
        return oom(err);
    if (in->sset.data && in->sset.len >= 94) {
        uint32_t a = b2a__rd32(in->sset.data + 52);
        h->copy_only = (a & 0x2) != 0;
        /* MTF's INCREMENTAL bit (0x10) is what a log backup carries: changes
         * since the last backup, as log records. */
        h->backup_type = (a & 0x8)    ? B2A_BAK_TYPE_DIFFERENTIAL
                       : (a & 0x10)   ? B2A_BAK_TYPE_LOG
                       : (a & 0x4)    ? B2A_BAK_TYPE_DATABASE
                                      : B2A_BAK_TYPE_UNKNOWN;
        b2a__mtf_date(in->sset.data + 88, h->backup_date);
    }
    if (in->sset.data && in->sset.len >= 116)
        memcpy(h->backup_set_guid, in->sset.data + 100, 16);
    /* MSCI + 0xAC: dbi_version [measured]. */
    if (in->msci.data && in->msci.len >= 0xAE)
        h->database_version = b2a__rd16(in->msci.data + 0xAC);
    if (in->mqci && parse_mqci(h, in->mqci, in->mqci_len))
        return oom(err);
    if (h->backup_type != B2A_BAK_TYPE_DIFFERENTIAL)   /* the field means something else there */
        memset(h->differential_base_guid, 0, sizeof h->differential_base_guid);

    /* The boot page confirms name and version where the backup holds it. */
    uint8_t pg[B2A_BAK_PAGE_SIZE];
    b2a_err e2;
    if (pages && b2a__bak_pages_get(pages, 1, 9, pg, &e2) == B2A_OK && pg[1] == 13) {
        size_t rec = b2a__rd16(pg + 8190);
        if (rec >= 96 && rec + 4 + 48 + 256 <= sizeof(pg)) {
            const uint8_t *r = pg + rec + 4;
            char *name = b2a__mtf_utf16(r + 48, 256);
            if (!name)
                return oom(err);
            trim(name);
            if (name[0] && (!h->database_name || !h->database_name[0]))
                setstr(&h->database_name, name);
            else
                free(name);
            if (!h->database_version)
                h->database_version = b2a__rd16(r);
            h->create_version = b2a__rd16(r + 2);
        }
    }
    h->software_major = software_major(h->database_version);
    if (!h->database_name && !(h->database_name = strdup("")))
        return oom(err);
    if (!h->server_name && !(h->server_name = strdup("")))
        return oom(err);
    return B2A_OK;
}

void b2a__bak_header_clear(b2a_bak_header *h)
{
    free(h->database_name);
    free(h->server_name);
    free(h->backup_name);
    free(h->backup_description);
    free(h->user_name);
    for (size_t i = 0; i < h->nfamilies; i++)
        free(h->families[i].path);
    free(h->families);
    for (size_t i = 0; i < h->nfiles; i++) {
        free(h->files[i].logical_name);
        free(h->files[i].physical_name);
    }
    free(h->files);
    memset(h, 0, sizeof(*h));
}
