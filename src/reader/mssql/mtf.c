#include "reader/mssql/mtf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/page.h"

/* Copies of the fixed parts and of MQCI are small; bound them so a corrupt
 * length cannot make us allocate gigabytes. */
#define MTF_BLK_MAX 65536u
#define MTF_MQCI_MAX (1u << 20)


static int xor_words(const uint8_t *p, size_t nwords)
{
    uint16_t x = 0;
    for (size_t i = 0; i < nwords; i++)
        x ^= b2a__rd16(p + 2 * i);
    return x;
}

static int is_type(const uint8_t *p)
{
    for (int i = 0; i < 4; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return 0;
    return 1;
}

int b2a__mtf_dblk_valid(const uint8_t *p)
{
    return is_type(p) && xor_words(p, 26) == 0;
}

static int oom(b2a_err *err)
{
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static int keep_blk(b2a_mtf_blk *b, const uint8_t *p, size_t len, b2a_err *err)
{
    if (b->data)    /* the first one wins (MSLS repeats MSCI's content) */
        return B2A_OK;
    if (len > MTF_BLK_MAX)
        len = MTF_BLK_MAX;
    b->data = malloc(len ? len : 1);
    if (!b->data)
        return oom(err);
    memcpy(b->data, p, len);
    b->len = len;
    return B2A_OK;
}

static int add_region(b2a_mtf_info *info, uint64_t off, uint64_t nblocks, b2a_err *err)
{
    b2a_mtf_region *r = realloc(info->regions, (info->nregions + 1) * sizeof(*r));
    if (!r)
        return oom(err);
    info->regions = r;
    r[info->nregions].offset = off;
    r[info->nregions].nblocks = nblocks;
    info->nregions++;
    return B2A_OK;
}

static int add_log(b2a_mtf_info *info, uint64_t off, uint64_t len, b2a_err *err)
{
    b2a_mtf_region *r = realloc(info->logs, (info->nlogs + 1) * sizeof(*r));
    if (!r)
        return oom(err);
    info->logs = r;
    r[info->nlogs].offset = off;
    r[info->nlogs].nblocks = len;
    info->nlogs++;
    return B2A_OK;
}

static void take_raid(b2a_mtf_info *info, const uint8_t *d)
{
    /* RAID: media-set GUID, then FamilyCount at +20, the media (tape)
     * sequence within the family at +22 (1 on disk) and the stripe's own
     * FamilySequenceNumber at +24 [measured: 1,2,3 of the complete 3- and
     * 2-stripe sets, +22 = 1 in every file]. */
    memcpy(info->media_set_id, d, 16);
    info->family_count = b2a__rd16(d + 20);
    info->media_seq = b2a__rd16(d + 22);
    info->family_seq = b2a__rd16(d + 24);
    info->has_raid = 1;
}

static int take_tape(b2a_mtf_info *info, const uint8_t *blk, size_t len)
{
    if (len < 66)
        return -1;
    uint32_t sfm = b2a__rd16(blk + 64);
    if (sfm == 0 || sfm > 128)
        return -1;
    info->soft_filemark = sfm * 512;
    return 0;
}

int b2a__mtf_walk(b2a_ra *ra, b2a_mtf_info *info, b2a_err *err)
{
    const char *path = b2a__ra_path(ra);
    uint64_t size = b2a__ra_size(ra), pos = 0;
    uint8_t hdr[B2A_MTF_DBLK_HDR], sh[B2A_MTF_STREAM_HDR];
    uint8_t *blk = malloc(MTF_BLK_MAX);
    int rc = B2A_OK;
    if (!blk)
        return oom(err);

    while (pos < size) {
        if ((rc = b2a__ra_read(ra, pos, hdr, sizeof(hdr), "MTF descriptor block", err)))
            goto out;
        if (!b2a__mtf_dblk_valid(hdr)) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: corrupt MTF descriptor block at offset %llu (bad type or checksum)",
                              path, (unsigned long long)pos);
            goto out;
        }
        if (pos == 0 && memcmp(hdr, "TAPE", 4) != 0) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: not a SQL Server backup: no MTF TAPE block at offset 0", path);
            goto out;
        }
        memcpy(info->last_type, hdr, 4);
        if (memcmp(hdr, "SSET", 4) == 0)
            info->nsets++;
        if (memcmp(hdr, "SFMB", 4) == 0) {
            if (!info->soft_filemark) {
                rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                  "%s: soft filemark at offset %llu before any TAPE block", path,
                                  (unsigned long long)pos);
                goto out;
            }
            pos += info->soft_filemark;
            continue;
        }
        size_t first = b2a__rd16(hdr + 8);
        if (first < B2A_MTF_DBLK_HDR || first > MTF_BLK_MAX) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: MTF %.4s block at offset %llu has an impossible first-stream offset %zu",
                              path, (const char *)hdr, (unsigned long long)pos, first);
            goto out;
        }
        if ((rc = b2a__ra_read(ra, pos, blk, first, "MTF descriptor block", err)))
            goto out;
        if (memcmp(hdr, "TAPE", 4) == 0) {
            if (take_tape(info, blk, first)) {
                rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                  "%s: MTF TAPE block at offset %llu has no valid soft-filemark size",
                                  path, (unsigned long long)pos);
                goto out;
            }
            rc = keep_blk(&info->tape, blk, first, err);
        } else if (memcmp(hdr, "SSET", 4) == 0) {
            rc = keep_blk(&info->sset, blk, first, err);
        } else if (memcmp(hdr, "VOLB", 4) == 0) {
            rc = keep_blk(&info->volb, blk, first, err);
        } else if (memcmp(hdr, "MSCI", 4) == 0) {
            rc = keep_blk(&info->msci, blk, first, err);
        } else if (memcmp(hdr, "ESET", 4) == 0) {
            info->saw_eset = 1;
        }
        if (rc)
            goto out;
        if (!info->soft_filemark) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: MTF %.4s block at offset %llu before any TAPE block", path,
                              (const char *)hdr, (unsigned long long)pos);
            goto out;
        }

        /* The stream chain ends with SPAD, which pads to the next block. */
        uint64_t spos = pos + first;
        for (;;) {
            if ((rc = b2a__ra_read(ra, spos, sh, sizeof(sh), "MTF stream header", err)))
                goto out;
            if (!is_type(sh) || xor_words(sh, 11) != 0) {
                rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                  "%s: corrupt MTF stream header at offset %llu (in the %.4s block at %llu)",
                                  path, (unsigned long long)spos, (const char *)hdr,
                                  (unsigned long long)pos);
                goto out;
            }
            uint64_t len = b2a__rd64(sh + 8), data = spos + sizeof(sh);
            if (len > size || data > size - len) {
                rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                  "%s: truncated: MTF %.4s stream at offset %llu needs %llu bytes, the file ends at %llu",
                                  path, (const char *)sh, (unsigned long long)spos,
                                  (unsigned long long)len, (unsigned long long)size);
                goto out;
            }
            if (memcmp(sh, "SPAD", 4) == 0) {
                spos = data + len;
                break;
            }
            if (memcmp(sh, "RAID", 4) == 0 && len >= 26 && !info->has_raid) {
                uint8_t raid[26];
                if ((rc = b2a__ra_read(ra, data, raid, sizeof(raid), "RAID stream", err)))
                    goto out;
                take_raid(info, raid);
            } else if (memcmp(sh, "MQCI", 4) == 0 && !info->mqci && len > 0) {
                size_t n = len > MTF_MQCI_MAX ? MTF_MQCI_MAX : (size_t)len;
                if (!(info->mqci = malloc(n))) {
                    rc = oom(err);
                    goto out;
                }
                info->mqci_len = n;
                if ((rc = b2a__ra_read(ra, data, info->mqci, n, "MQCI stream", err)))
                    goto out;
            } else if (memcmp(sh, "MQDA", 4) == 0 && len > 0) {
                if (len < 2 || (len - 2) % 8192) {
                    rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                      "%s: MQDA stream at offset %llu has length %llu, not 2 + n*8192",
                                      path, (unsigned long long)spos, (unsigned long long)len);
                    goto out;
                }
                if (info->nsets == 1 && (len - 2) / 8192 &&
                    (rc = add_region(info, data + 2, (len - 2) / 8192, err)))
                    goto out;
            } else if (memcmp(sh, "MQTL", 4) == 0 && len > 2 && info->nsets == 1) {
                if ((rc = add_log(info, data + 2, len - 2, err)))
                    goto out;
            }
            spos = (data + len + 3) & ~(uint64_t)3;
        }
        if (spos <= pos) {  /* cannot happen with first >= 52, but never loop */
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: MTF walk stuck at offset %llu",
                              path, (unsigned long long)pos);
            goto out;
        }
        pos = spos;
    }
    if (!info->saw_eset) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: truncated: the file ends at offset %llu before the end of the backup set (no ESET block)",
                          path, (unsigned long long)size);
        goto out;
    }
    if (pos > size || memcmp(info->last_type, "SFMB", 4) != 0) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: truncated: the file ends at offset %llu without the closing filemark of the backup set",
                          path, (unsigned long long)size);
        goto out;
    }
out:
    free(blk);
    return rc;
}

/* Streams of the current block starting at spos; returns the position after
 * the chain's SPAD, or len when the chunk ends inside the chain. */
static int parse_streams(const uint8_t *buf, size_t len, size_t spos, const char *what,
                         b2a_mtf_info *info, b2a_mtf_chunkstate *st, size_t *next, b2a_err *err)
{
    st->in_chain = 1;
    while (spos + B2A_MTF_STREAM_HDR <= len) {
        const uint8_t *sh = buf + spos;
        if (!is_type(sh) || xor_words(sh, 11) != 0)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: corrupt MTF stream header at offset %zu", what, spos);
        uint64_t slen = b2a__rd64(sh + 8);
        size_t data = spos + B2A_MTF_STREAM_HDR, avail = len - data;
        if (memcmp(sh, "SPAD", 4) == 0) {
            st->in_chain = 0;
            *next = slen > avail ? len : data + (size_t)slen;
            return B2A_OK;
        }
        if (slen > avail) {
            /* The data follows in extent records (MQDA pages, MQTL log). */
            memcpy(st->ext_stream, sh, 4);
            st->ext_stream[4] = '\0';
            *next = len;
            return B2A_OK;
        }
        if (memcmp(sh, "RAID", 4) == 0 && slen >= 26 && !info->has_raid)
            take_raid(info, buf + data);
        else if (memcmp(sh, "MQCI", 4) == 0 && !info->mqci && slen > 0) {
            size_t n = slen > MTF_MQCI_MAX ? MTF_MQCI_MAX : (size_t)slen;
            if (!(info->mqci = malloc(n)))
                return oom(err);
            memcpy(info->mqci, buf + data, n);
            info->mqci_len = n;
        }
        spos = (data + (size_t)slen + 3) & ~(size_t)3;
    }
    *next = len;
    return B2A_OK;
}

int b2a__mtf_parse_chunk(const uint8_t *buf, size_t len, const char *what, b2a_mtf_info *info,
                         b2a_mtf_chunkstate *st, b2a_err *err)
{
    size_t pos = 0;
    int rc;
    st->ext_stream[0] = '\0';
    if (st->in_chain && len >= B2A_MTF_STREAM_HDR) {
        /* A chunk may start inside a block's stream chain. */
        if ((rc = parse_streams(buf, len, 0, what, info, st, &pos, err)))
            return rc;
    }
    while (pos + B2A_MTF_DBLK_HDR <= len && !st->ext_stream[0]) {
        const uint8_t *p = buf + pos;
        if (!b2a__mtf_dblk_valid(p)) {
            int zero = 1;
            for (size_t i = 0; i < B2A_MTF_DBLK_HDR && zero; i++)
                zero = p[i] == 0;
            if (zero)
                break;  /* padding up to the chunk end */
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: corrupt MTF descriptor block at offset %zu", what, pos);
        }
        memcpy(info->last_type, p, 4);
        if (memcmp(p, "SSET", 4) == 0)
            info->nsets++;
        if (memcmp(p, "SFMB", 4) == 0) {
            if (!info->soft_filemark)
                return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                    "%s: soft filemark before any TAPE block", what);
            pos += info->soft_filemark;
            continue;
        }
        size_t first = b2a__rd16(p + 8);
        if (first < B2A_MTF_DBLK_HDR || first > len - pos)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: MTF %.4s block at offset %zu has an impossible first-stream offset %zu",
                                what, (const char *)p, pos, first);
        rc = B2A_OK;
        if (memcmp(p, "TAPE", 4) == 0) {
            if (take_tape(info, p, first))
                return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                    "%s: MTF TAPE block has no valid soft-filemark size", what);
            rc = keep_blk(&info->tape, p, first, err);
        } else if (memcmp(p, "SSET", 4) == 0) {
            rc = keep_blk(&info->sset, p, first, err);
        } else if (memcmp(p, "VOLB", 4) == 0) {
            rc = keep_blk(&info->volb, p, first, err);
        } else if (memcmp(p, "MSCI", 4) == 0) {
            rc = keep_blk(&info->msci, p, first, err);
        } else if (memcmp(p, "ESET", 4) == 0) {
            info->saw_eset = 1;
        }
        if (rc)
            return rc;
        size_t next;
        if ((rc = parse_streams(buf, len, pos + first, what, info, st, &next, err)))
            return rc;
        pos = next;
    }
    return B2A_OK;
}

char *b2a__mtf_utf16(const uint8_t *p, size_t n)
{
    char *out = malloc(n / 2 * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = b2a__rd16(p + i);
        if (c == 0)
            break;
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
            uint32_t lo = b2a__rd16(p + i + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            *o++ = (char)c;
        } else if (c < 0x800) {
            *o++ = (char)(0xC0 | c >> 6);
            *o++ = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *o++ = (char)(0xE0 | c >> 12);
            *o++ = (char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (char)(0x80 | (c & 0x3F));
        } else {
            *o++ = (char)(0xF0 | c >> 18);
            *o++ = (char)(0x80 | (c >> 12 & 0x3F));
            *o++ = (char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

char *b2a__mtf_string(const b2a_mtf_blk *blk, size_t addr_off)
{
    if (!blk->data || blk->len < B2A_MTF_DBLK_HDR || addr_off + 4 > blk->len)
        return strdup("");
    size_t n = b2a__rd16(blk->data + addr_off), off = b2a__rd16(blk->data + addr_off + 2);
    if (n == 0 || off > blk->len || n > blk->len - off)
        return strdup("");
    const uint8_t *p = blk->data + off;
    if (blk->data[48] == 2)
        return b2a__mtf_utf16(p, n);
    /* ANSI strings: keep ASCII, replace the rest; SQL Server writes UTF-16. */
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n && p[i]; i++)
        s[k++] = p[i] < 0x80 ? (char)p[i] : '?';
    s[k] = '\0';
    return s;
}

int b2a__mtf_date(const uint8_t b[5], char out[20])
{
    unsigned yr = (unsigned)b[0] << 6 | b[1] >> 2;
    unsigned mon = (b[1] & 3u) << 2 | b[2] >> 6;
    unsigned day = (b[2] & 0x3Eu) >> 1;
    unsigned hr = (b[2] & 1u) << 4 | b[3] >> 4;
    unsigned mn = (b[3] & 0xFu) << 2 | b[4] >> 6;
    unsigned sec = b[4] & 0x3Fu;
    out[0] = '\0';
    if (yr == 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hr > 23 || mn > 59 || sec > 59)
        return -1;
    snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", yr % 10000, mon, day, hr, mn, sec);
    return 0;
}

void b2a__mtf_info_clear(b2a_mtf_info *info)
{
    if (!info)
        return;
    free(info->tape.data);
    free(info->sset.data);
    free(info->volb.data);
    free(info->msci.data);
    free(info->mqci);
    free(info->regions);
    free(info->logs);
    memset(info, 0, sizeof(*info));
}
