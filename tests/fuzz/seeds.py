#!/usr/bin/env python3
"""Seed corpus of one fuzz target, made at run time from the real sample
backups (never committed): whole files where they are small enough, the
interesting heads of big ones, striped sets and pg_dump directories packed
as one input (fuzz_common.h), pages and XPRESS chunks cut out of backups.

    seeds.py TARGET SAMPLES_DIR OUT_DIR

Prints one line saying what it made, or why it made nothing."""
import glob
import gzip
import os
import struct
import sys

MARKER = b"B2AFILE:"
# Targets with a recipe below; the others start from their committed seeds.
FROM_SAMPLES = {"fuzz_bak", "fuzz_bak_header", "fuzz_mtf", "fuzz_mssqlbak", "fuzz_xpress", "fuzz_page",
                "fuzz_pgdump", "fuzz_pgplain", "fuzz_mysqldump", "fuzz_mysqlddl", "fuzz_oradump", "fuzz_exp", "fuzz_dp",
                "fuzz_inspect", "fuzz_oson"}
PAGE = 8192


def head(path, n):
    with open(path, "rb") as f:
        return f.read(n)


def magic(path, m):
    return head(path, len(m)) == m


def pack(paths):
    """Several files as one input: members "B2AFILE:<name>\\n<bytes>"."""
    out = b""
    for p in paths:
        out += MARKER + os.path.basename(p).encode() + b"\n" + head(p, 1 << 30)
    return out


class Seeds:
    def __init__(self, samples, out, max_len):
        self.samples, self.out, self.max_len, self.n = samples, out, max_len, 0

    def files(self, pattern):
        return sorted(glob.glob(os.path.join(self.samples, pattern)))

    def add(self, name, data):
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data[: self.max_len])
        self.n += 1

    def whole(self, pattern, pred=None):
        for p in self.files(pattern):
            if os.path.isfile(p) and (pred is None or pred(p)):
                self.add(os.path.basename(p), head(p, self.max_len))

    def stripe_sets(self):
        for first in self.files("sqlserver/*stripe1of*.bak"):
            total = first.rsplit("of", 1)[1][0]
            members = [first.replace("stripe1of", "stripe%sof" % i) for i in range(1, int(total) + 1)]
            if all(os.path.isfile(m) for m in members):
                self.add("set-" + os.path.basename(first), pack(members))

    def pg_directories(self):
        for d in self.files("postgresql/*"):
            if os.path.isfile(os.path.join(d, "toc.dat")):
                self.add("dir-" + os.path.basename(d), pack(sorted(glob.glob(os.path.join(d, "*")))))

    def gzipped(self, pattern, n=64 << 10):
        for p in self.files(pattern):
            self.add(os.path.basename(p) + ".gz", gzip.compress(head(p, n), mtime=0))

    def pages(self, limit=400):
        """8 KiB pages of the uncompressed backups whose header says data,
        index, text or IAM page: the page store reads them at 8 KiB offsets."""
        seen = set()
        for p in self.files("sqlserver/*.bak"):
            if not magic(p, b"TAPE"):
                continue
            data = head(p, 1 << 30)
            for off in range(0, len(data) - PAGE + 1, 512):
                pg = data[off:off + PAGE]
                if pg[0] != 1 or pg[1] not in (1, 2, 3, 4, 10) or struct.unpack_from("<H", pg, 22)[0] == 0:
                    continue
                key = (pg[1], pg[2], struct.unpack_from("<I", pg, 24)[0])
                if key in seen:
                    continue
                seen.add(key)
                self.add("page-%s-%d" % (os.path.basename(p), off), pg)
                if self.n >= limit:
                    return

    def oson_images(self, limit=40):
        """JSON values of Data Pump rows: OSON images (ff 4a 5a, version 1
        or 3) after their row cell's length (fe + u16, or one byte)."""
        for p in self.files("oracle/*.dmp"):
            data = head(p, 1 << 30)
            at = data.find(b"\xffJZ")
            while at != -1 and self.n < limit:
                if at >= 3 and data[at + 3] in (1, 3):
                    n = struct.unpack(">H", data[at - 2:at])[0] if data[at - 3] == 0xFE else data[at - 1]
                    self.add("%s-%d" % (os.path.basename(p), at), data[at:at + n])
                at = data.find(b"\xffJZ", at + 1)

    def xpress_chunks(self, limit=60):
        """The XPRESS chunks of the compressed backups' records (mssqlbak.c:
        u32 tag 0x..21 with the chunk length in its high half, u32 zero at +20)."""
        for p in self.files("sqlserver/*.bak"):
            if not magic(p, b"MSSQLBAK"):
                continue
            data, off, kinds = head(p, 1 << 30), 0, {}
            while off + 28 <= len(data):
                tag, = struct.unpack_from("<I", data, off)
                clen = tag >> 16
                if tag & 0xFF == 0x21 and tag & 0xFF00 and clen >= 260 and \
                        struct.unpack_from("<I", data, off + 20)[0] == 0 and off + 28 + clen <= len(data):
                    kind = tag & 0xFFFF
                    if kinds.get(kind, 0) < 8:
                        kinds[kind] = kinds.get(kind, 0) + 1
                        self.add("xpress-%s-%d" % (os.path.basename(p), off), data[off + 28:off + 28 + clen])
                    off += 28 + clen
                else:
                    off += 4
            if self.n >= limit:
                return


def make(target, s):
    tape = lambda p: magic(p, b"TAPE")
    if target in ("fuzz_bak", "fuzz_bak_header"):
        s.whole("sqlserver/*.bak")
        s.stripe_sets()
    elif target == "fuzz_mtf":
        s.max_len, saved = 64 << 10, s.max_len
        s.whole("sqlserver/*.bak", tape)
        s.max_len = saved
    elif target == "fuzz_mssqlbak":
        s.whole("sqlserver/*.bak", lambda p: magic(p, b"MSSQLBAK"))
    elif target == "fuzz_xpress":
        s.xpress_chunks()
    elif target == "fuzz_page":
        s.pages()
    elif target == "fuzz_pgdump":
        s.whole("postgresql/*", lambda p: magic(p, b"PGDMP") or head(p, 262)[257:262] == b"ustar")
        s.pg_directories()
    elif target == "fuzz_pgplain":
        s.whole("postgresql/*.sql")
        s.whole("postgresql/*NOT-a-tar*")
        s.gzipped("postgresql/pagila-schema.sql")
    elif target in ("fuzz_mysqldump", "fuzz_mysqlddl"):
        s.whole("mysql/*.sql")
        s.whole("truth/Chinook_MySql.sql")
        s.gzipped("mysql/sakila-schema.sql")
    elif target == "fuzz_oradump":
        s.whole("oracle/*.dmp")
    elif target == "fuzz_exp":
        s.whole("oracle/*.dmp", lambda p: head(p, 16)[3:10] == b"EXPORT:")
    elif target == "fuzz_dp":
        s.whole("oracle/*.dmp", lambda p: head(p, 2)[0] <= 0x06 and head(p, 2)[1] == 0x01
                and os.path.getsize(p) <= s.max_len)
    elif target == "fuzz_oson":
        s.oson_images()
    elif target == "fuzz_inspect":
        small = lambda p: os.path.getsize(p) <= s.max_len
        for d in ("sqlserver/*.bak", "postgresql/*", "mysql/*", "oracle/*.dmp"):
            s.whole(d, small)
        s.pg_directories()
        s.gzipped("mysql/sakila-schema.sql")
    # fuzz_values, fuzz_job_json and fuzz_docker: no sample holds their
    # inputs alone; they start from their committed seeds.


def main():
    target, samples, out = sys.argv[1], sys.argv[2], sys.argv[3]
    max_len = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 30
    os.makedirs(out, exist_ok=True)
    if not os.path.isdir(samples):
        print("%s: samples not found at %s: no seeds from the samples (set B2A_SAMPLES)" % (target, samples))
        return
    s = Seeds(samples, out, max_len)
    make(target, s)
    print("%s: %d seeds from the samples in %s" % (target, s.n, samples))


if __name__ == "__main__":
    main()
