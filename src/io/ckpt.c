/* Container writer and reader; layout in docs/FORMAT.md. All integers little-endian. */
#include "io/ckpt.h"

#include <errno.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- byte buffer */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    int oom;
} bytes;

static void b_reserve(bytes *b, size_t extra) {
    if (b->oom || b->n + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + extra)
        cap *= 2;
    unsigned char *q = gmdl__realloc(b->p, cap);
    if (!q) {
        b->oom = 1;
        return;
    }
    b->p = q;
    b->cap = cap;
}
static void b_put(bytes *b, const void *d, size_t n) {
    b_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void b_u32(bytes *b, uint32_t v) {
    unsigned char t[4];
    for (int i = 0; i < 4; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    b_put(b, t, 4);
}
static void b_u64(bytes *b, uint64_t v) {
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    b_put(b, t, 8);
}
static void b_pad(bytes *b, size_t align) {
    static const unsigned char z[64];
    size_t r = b->n % align;
    if (r)
        b_put(b, z, align - r);
}
static uint32_t rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd_u64(const unsigned char *p) {
    return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}
static void wr_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static size_t dtype_size(int dt) {
    switch (dt) {
        case GMDL_DT_F32:
        case GMDL_DT_U32:
        case GMDL_DT_I32:
            return 4;
        case GMDL_DT_F64:
            return 8;
        case GMDL_DT_U8:
            return 1;
        default:
            return 0;
    }
}

/* ---------------------------------------------------------------- writer */
typedef struct {
    char *key;
    int type;
    unsigned char *val;
    size_t len;
} meta_entry;

typedef struct {
    char *name;
    int dtype, ndim;
    uint64_t dims[4];
    unsigned char *data;
    size_t nbytes;
} tensor_entry;

struct gmdl__ckpt_writer {
    meta_entry *meta;
    size_t nmeta, capmeta;
    tensor_entry *tens;
    size_t ntens, captens;
};

gmdl__ckpt_writer *gmdl__ckpt_writer_create(void) {
    return gmdl__calloc(1, sizeof(gmdl__ckpt_writer));
}

void gmdl__ckpt_writer_destroy(gmdl__ckpt_writer *w) {
    if (!w)
        return;
    for (size_t i = 0; i < w->nmeta; i++) {
        gmdl__free(w->meta[i].key);
        gmdl__free(w->meta[i].val);
    }
    for (size_t i = 0; i < w->ntens; i++) {
        gmdl__free(w->tens[i].name);
        gmdl__free(w->tens[i].data);
    }
    gmdl__free(w->meta);
    gmdl__free(w->tens);
    gmdl__free(w);
}

static gmdl_status
add_meta(gmdl__ckpt_writer *w, const char *key, int type, const void *v, size_t len) {
    if (strlen(key) > GMDL_CKPT_MAX_NAME)
        return GMDL_EINVAL;
    if (w->nmeta == w->capmeta) {
        size_t cap = w->capmeta ? 2 * w->capmeta : 32;
        meta_entry *m = gmdl__realloc(w->meta, cap * sizeof *m);
        if (!m)
            return GMDL_ENOMEM;
        w->meta = m;
        w->capmeta = cap;
    }
    meta_entry *e = &w->meta[w->nmeta];
    e->key = gmdl__strdup(key);
    e->val = gmdl__malloc(len);
    if (!e->key || !e->val) {
        gmdl__free(e->key);
        gmdl__free(e->val);
        return GMDL_ENOMEM;
    }
    memcpy(e->val, v, len);
    e->len = len;
    e->type = type;
    w->nmeta++;
    return GMDL_OK;
}

static void le64(unsigned char *t, uint64_t v) {
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (8 * i));
}

gmdl_status gmdl__ckpt_meta_u64(gmdl__ckpt_writer *w, const char *key, uint64_t v) {
    unsigned char t[8];
    le64(t, v);
    return add_meta(w, key, GMDL_META_U64, t, 8);
}
gmdl_status gmdl__ckpt_meta_i64(gmdl__ckpt_writer *w, const char *key, int64_t v) {
    unsigned char t[8];
    le64(t, (uint64_t)v);
    return add_meta(w, key, GMDL_META_I64, t, 8);
}
gmdl_status gmdl__ckpt_meta_f64(gmdl__ckpt_writer *w, const char *key, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    unsigned char t[8];
    le64(t, u);
    return add_meta(w, key, GMDL_META_F64, t, 8);
}
gmdl_status gmdl__ckpt_meta_str(gmdl__ckpt_writer *w, const char *key, const char *v) {
    return add_meta(w, key, GMDL_META_STR, v, strlen(v));
}

gmdl_status gmdl__ckpt_tensor(gmdl__ckpt_writer *w,
                              const char *name,
                              int dtype,
                              int ndim,
                              const uint64_t *dims,
                              const void *data) {
    size_t es = dtype_size(dtype);
    if (!es || ndim < 1 || ndim > 4 || strlen(name) > GMDL_CKPT_MAX_NAME)
        return GMDL_EINVAL;
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        if (!gmdl__mul_ok(count, (size_t)dims[i], &count))
            return GMDL_EINVAL;
    size_t nbytes;
    if (!gmdl__mul_ok(count, es, &nbytes))
        return GMDL_EINVAL;
    if (w->ntens == w->captens) {
        size_t cap = w->captens ? 2 * w->captens : 32;
        tensor_entry *t = gmdl__realloc(w->tens, cap * sizeof *t);
        if (!t)
            return GMDL_ENOMEM;
        w->tens = t;
        w->captens = cap;
    }
    tensor_entry *t = &w->tens[w->ntens];
    memset(t, 0, sizeof *t);
    t->name = gmdl__strdup(name);
    t->data = gmdl__malloc(nbytes);
    if (!t->name || !t->data) {
        gmdl__free(t->name);
        gmdl__free(t->data);
        return GMDL_ENOMEM;
    }
    memcpy(t->data, data, nbytes);
    t->nbytes = nbytes;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->dims[i] = dims[i];
    w->ntens++;
    return GMDL_OK;
}

gmdl_status gmdl__ckpt_write(gmdl__ckpt_writer *w,
                             const char *path,
                             const char magic[8],
                             uint16_t major,
                             uint16_t minor,
                             gmdl_err *err) {
    bytes b = {0};
    unsigned char hdr[GMDL_CKPT_HEADER_BYTES] = {0};
    b_put(&b, hdr, sizeof hdr);
    uint64_t meta_off = b.n;
    for (size_t i = 0; i < w->nmeta; i++) {
        const meta_entry *e = &w->meta[i];
        b_u32(&b, (uint32_t)strlen(e->key));
        b_put(&b, e->key, strlen(e->key));
        b_u32(&b, (uint32_t)e->type);
        b_u64(&b, e->len);
        b_put(&b, e->val, e->len);
    }
    /* Directory: offsets are known once the directory size is known, so compute it first. */
    uint64_t dir_off = b.n, dir_bytes = 0;
    for (size_t i = 0; i < w->ntens; i++)
        dir_bytes +=
            4 + strlen(w->tens[i].name) + 4 + 4 + 8 * (uint64_t)w->tens[i].ndim + 8 + 8 + 4;
    uint64_t data_off = (dir_off + dir_bytes + 63) / 64 * 64, off = data_off;
    for (size_t i = 0; i < w->ntens; i++) {
        const tensor_entry *t = &w->tens[i];
        b_u32(&b, (uint32_t)strlen(t->name));
        b_put(&b, t->name, strlen(t->name));
        b_u32(&b, (uint32_t)t->dtype);
        b_u32(&b, (uint32_t)t->ndim);
        for (int d = 0; d < t->ndim; d++)
            b_u64(&b, t->dims[d]);
        b_u64(&b, off);
        b_u64(&b, t->nbytes);
        b_u32(&b, gmdl_crc32(0, t->data, t->nbytes));
        off = (off + t->nbytes + 63) / 64 * 64;
    }
    b_pad(&b, 64);
    for (size_t i = 0; i < w->ntens; i++) {
        b_put(&b, w->tens[i].data, w->tens[i].nbytes);
        b_pad(&b, 64);
    }
    if (b.oom) {
        gmdl__free(b.p);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory serialising", path);
    }
    GMDL_ASSERT(b.n == off || w->ntens == 0);
    uint64_t total = b.n + GMDL_CKPT_TRAILER_BYTES;
    /* header */
    unsigned char *h = b.p;
    memcpy(h, magic, 8);
    h[8] = (unsigned char)major;
    h[9] = (unsigned char)(major >> 8);
    h[10] = (unsigned char)minor;
    h[11] = (unsigned char)(minor >> 8);
    le64(h + 16, total);
    wr_u32(h + 24, (uint32_t)w->nmeta);
    wr_u32(h + 28, (uint32_t)w->ntens);
    le64(h + 32, meta_off);
    le64(h + 40, dir_off);
    le64(h + 48, data_off);
    wr_u32(h + 12, gmdl_crc32(0, h, GMDL_CKPT_HEADER_BYTES)); /* computed with the field zero */
    uint32_t fcrc = gmdl_crc32(0, b.p, b.n);
    b_u32(&b, fcrc);
    b_put(&b, "GEND", 4);
    if (b.oom) {
        gmdl__free(b.p);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory serialising", path);
    }
    gmdl_status s = gmdl__write_atomic(path, b.p, b.n, err);
    gmdl__free(b.p);
    return s;
}

/* ---------------------------------------------------------------- reader */
typedef struct {
    char *key;
    int type;
    const unsigned char *val;
    uint64_t len;
} rmeta;

struct gmdl__ckpt {
    char *path;
    unsigned char *file; /* whole file, 64-byte aligned */
    size_t size;
    uint16_t major, minor;
    rmeta *meta;
    size_t nmeta;
    gmdl__ckpt_tensor_info *tens;
    char **names;
    size_t ntens;
    char **strs; /* NUL-terminated copies of string metadata */
};

void gmdl__ckpt_destroy(gmdl__ckpt *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->nmeta; i++) {
        gmdl__free(c->meta[i].key);
        if (c->strs)
            gmdl__free(c->strs[i]);
    }
    for (size_t i = 0; i < c->ntens; i++)
        gmdl__free(c->names[i]);
    gmdl__free(c->strs);
    gmdl__free(c->meta);
    gmdl__free(c->tens);
    gmdl__free(c->names);
    gmdl__free_aligned(c->file);
    gmdl__free(c->path);
    gmdl__free(c);
}

#define CORRUPT(...) gmdl__fail(err, GMDL_ECORRUPT, __VA_ARGS__)
#define NOMEM(path)  gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path)

/* Reads the whole regular file at path into c->file (c->path set). */
static gmdl_status read_whole(gmdl__ckpt *c, const char *path, gmdl_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return gmdl__fail(err, errno == ENOENT ? GMDL_ENOENT : GMDL_EIO, "%s: cannot open: %s",
                          path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return gmdl__fail(err, GMDL_EIO, "%s: cannot stat: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) { /* a folder or a device named as a model: bad input */
        fclose(f);
        return gmdl__fail(err, GMDL_EINVAL, "%s: not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    gmdl_status s = GMDL_OK;
    c->path = gmdl__strdup(path);
    c->file = gmdl__malloc_aligned(size ? size : 1);
    if (!c->path || !c->file)
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory for %zu bytes", path, size);
    else if (fread(c->file, 1, size, f) != size)
        s = gmdl__fail(err, GMDL_EIO, "%s: read error", path);
    else
        c->size = size;
    fclose(f);
    return s;
}

/* The section layout that the header declares. */
typedef struct {
    uint32_t nmeta, ntens;
    uint64_t meta_off, dir_off, data_off;
    size_t body; /* bytes before the trailer */
} layout;

/* Magic, version, header checksum, size, end marker and section offsets. */
static gmdl_status
check_header(gmdl__ckpt *c, const char magic[8], uint16_t max_major, layout *lo, gmdl_err *err) {
    const unsigned char *p = c->file;
    const char *path = c->path;
    size_t size = c->size;
    if (size < 8 || memcmp(p, magic, 8) != 0)
        return gmdl__fail(err, GMDL_ENOTOURS,
                          "%s: byte 0: not a gmdl file of this kind (bad magic)", path);
    if (size < GMDL_CKPT_HEADER_BYTES + GMDL_CKPT_TRAILER_BYTES)
        return CORRUPT("%s: truncated: %zu bytes, smaller than header and trailer", path, size);
    c->major = (uint16_t)(p[8] | p[9] << 8);
    c->minor = (uint16_t)(p[10] | p[11] << 8);
    if (c->major > max_major)
        return gmdl__fail(err, GMDL_EVERSION,
                          "%s: byte 8: format version %u.%u is newer than this gmdl reads (%u.x); "
                          "upgrade gmdl",
                          path, c->major, c->minor, max_major);
    unsigned char h[GMDL_CKPT_HEADER_BYTES];
    memcpy(h, p, sizeof h);
    wr_u32(h + 12, 0);
    if (gmdl_crc32(0, h, sizeof h) != rd_u32(p + 12))
        return gmdl__fail(err, GMDL_ECHECKSUM, "%s: byte 12: header checksum mismatch", path);
    uint64_t file_bytes = rd_u64(p + 16);
    if (file_bytes != size)
        return CORRUPT("%s: truncated or extended: header says %llu bytes, file has %zu", path,
                       (unsigned long long)file_bytes, size);
    if (memcmp(p + size - 4, "GEND", 4) != 0)
        return CORRUPT("%s: byte %zu: missing end marker", path, size - 4);
    lo->body = size - GMDL_CKPT_TRAILER_BYTES;
    lo->nmeta = rd_u32(p + 24);
    lo->ntens = rd_u32(p + 28);
    lo->meta_off = rd_u64(p + 32);
    lo->dir_off = rd_u64(p + 40);
    lo->data_off = rd_u64(p + 48);
    if (lo->nmeta > GMDL_CKPT_MAX_ENTRIES || lo->ntens > GMDL_CKPT_MAX_ENTRIES ||
        lo->meta_off != GMDL_CKPT_HEADER_BYTES || lo->dir_off < lo->meta_off ||
        lo->data_off < lo->dir_off || lo->data_off > lo->body)
        return CORRUPT("%s: byte 24: inconsistent header counts or offsets", path);
    c->meta = gmdl__calloc(lo->nmeta ? lo->nmeta : 1, sizeof *c->meta);
    c->strs = gmdl__calloc(lo->nmeta ? lo->nmeta : 1, sizeof *c->strs);
    c->tens = gmdl__calloc(lo->ntens ? lo->ntens : 1, sizeof *c->tens);
    c->names = gmdl__calloc(lo->ntens ? lo->ntens : 1, sizeof *c->names);
    if (!c->meta || !c->strs || !c->tens || !c->names)
        return NOMEM(path);
    return GMDL_OK;
}

/* Metadata entry i at *q (advanced past it); string values get a NUL-terminated copy. */
static gmdl_status
read_meta(gmdl__ckpt *c, uint32_t i, uint64_t *q, const layout *lo, gmdl_err *err) {
    const unsigned char *p = c->file;
    const char *path = c->path;
    if (*q + 4 > lo->dir_off)
        return CORRUPT("%s: byte %llu: metadata entry %u runs past its section", path,
                       (unsigned long long)*q, i);
    uint32_t kl = rd_u32(p + *q);
    if (kl == 0 || kl > GMDL_CKPT_MAX_NAME || *q + 4 + kl + 12 > lo->dir_off)
        return CORRUPT("%s: byte %llu: bad metadata key length %u", path, (unsigned long long)*q,
                       kl);
    rmeta *m = &c->meta[i];
    m->key = gmdl__malloc(kl + 1);
    if (!m->key)
        return NOMEM(path);
    c->nmeta = i + 1;
    memcpy(m->key, p + *q + 4, kl);
    m->key[kl] = 0;
    *q += 4 + kl;
    m->type = (int)rd_u32(p + *q);
    m->len = rd_u64(p + *q + 4);
    *q += 12;
    if (m->len > lo->dir_off - *q || (m->type != GMDL_META_STR && m->len != 8) ||
        m->type < GMDL_META_U64 || m->type > GMDL_META_STR)
        return CORRUPT("%s: byte %llu: bad metadata value for '%s'", path, (unsigned long long)*q,
                       m->key);
    m->val = p + *q;
    *q += m->len;
    if (m->type == GMDL_META_STR) {
        c->strs[i] = gmdl__malloc(m->len + 1);
        if (!c->strs[i])
            return NOMEM(path);
        memcpy(c->strs[i], m->val, m->len);
        c->strs[i][m->len] = 0;
    }
    return GMDL_OK;
}

/* Tensor directory entry i at *q (advanced past it): name, type, shape, placement, checksum. */
static gmdl_status
read_tensor(gmdl__ckpt *c, uint32_t i, uint64_t *q, const layout *lo, gmdl_err *err) {
    const unsigned char *p = c->file;
    const char *path = c->path;
    if (*q + 8 > lo->data_off)
        return CORRUPT("%s: byte %llu: tensor directory entry %u runs past its section", path,
                       (unsigned long long)*q, i);
    uint32_t nl = rd_u32(p + *q);
    if (nl == 0 || nl > GMDL_CKPT_MAX_NAME || *q + 4 + nl + 8 > lo->data_off)
        return CORRUPT("%s: byte %llu: bad tensor name length %u", path, (unsigned long long)*q,
                       nl);
    gmdl__ckpt_tensor_info *t = &c->tens[i];
    c->names[i] = gmdl__malloc(nl + 1);
    if (!c->names[i])
        return NOMEM(path);
    c->ntens = i + 1;
    memcpy(c->names[i], p + *q + 4, nl);
    c->names[i][nl] = 0;
    t->name = c->names[i];
    *q += 4 + nl;
    t->dtype = (int)rd_u32(p + *q);
    t->ndim = (int)rd_u32(p + *q + 4);
    *q += 8;
    size_t es = dtype_size(t->dtype);
    if (!es || t->ndim < 1 || t->ndim > 4 || *q + 8 * (uint64_t)t->ndim + 20 > lo->data_off)
        return CORRUPT("%s: byte %llu: tensor '%s': bad type or rank", path, (unsigned long long)*q,
                       t->name);
    size_t count = 1;
    int ok = 1;
    for (int d = 0; d < t->ndim; d++) {
        t->dims[d] = rd_u64(p + *q + 8 * (uint64_t)d);
        if (t->dims[d] > SIZE_MAX || !gmdl__mul_ok(count, (size_t)t->dims[d], &count))
            ok = 0;
    }
    *q += 8 * (uint64_t)t->ndim;
    uint64_t off = rd_u64(p + *q), nb = rd_u64(p + *q + 8);
    uint32_t crc = rd_u32(p + *q + 16);
    *q += 20;
    size_t want;
    if (!ok || !gmdl__mul_ok(count, es, &want) || want != nb || off % 64 != 0 ||
        off < lo->data_off || off > lo->body || nb > lo->body - off)
        return CORRUPT("%s: byte %llu: tensor '%s': size or offset out of range", path,
                       (unsigned long long)*q, t->name);
    t->count = count;
    t->nbytes = nb;
    t->data = p + off;
    if (gmdl_crc32(0, t->data, nb) != crc)
        return gmdl__fail(err, GMDL_ECHECKSUM,
                          "%s: byte %llu: checksum mismatch in tensor '%s' (file corrupted)", path,
                          (unsigned long long)off, t->name);
    return GMDL_OK;
}

/* The sections in order, each entry checked, then the whole-file checksum. */
static gmdl_status read_sections(gmdl__ckpt *c, const layout *lo, gmdl_err *err) {
    gmdl_status s;
    uint64_t q = lo->meta_off;
    for (uint32_t i = 0; i < lo->nmeta; i++)
        if ((s = read_meta(c, i, &q, lo, err)) != GMDL_OK)
            return s;
    if (q != lo->dir_off)
        return CORRUPT("%s: byte %llu: metadata section size mismatch", c->path,
                       (unsigned long long)q);
    for (uint32_t i = 0; i < lo->ntens; i++)
        if ((s = read_tensor(c, i, &q, lo, err)) != GMDL_OK)
            return s;
    if (q > lo->data_off)
        return CORRUPT("%s: tensor directory overlaps the data", c->path);
    if (gmdl_crc32(0, c->file, lo->body) != rd_u32(c->file + lo->body))
        return gmdl__fail(err, GMDL_ECHECKSUM,
                          "%s: byte %zu: whole-file checksum mismatch (file corrupted)", c->path,
                          lo->body);
    return GMDL_OK;
}

gmdl_status gmdl__ckpt_read(
    gmdl__ckpt **out, const char *path, const char magic[8], uint16_t max_major, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c = gmdl__calloc(1, sizeof *c);
    if (!c)
        return NOMEM(path);
    layout lo = {0};
    gmdl_status s = read_whole(c, path, err);
    if (s == GMDL_OK)
        s = check_header(c, magic, max_major, &lo, err);
    if (s == GMDL_OK)
        s = read_sections(c, &lo, err);
    if (s != GMDL_OK) {
        gmdl__ckpt_destroy(c);
        return s;
    }
    *out = c;
    return GMDL_OK;
}
#undef CORRUPT
#undef NOMEM

uint16_t gmdl__ckpt_major(const gmdl__ckpt *c) {
    return c->major;
}
uint16_t gmdl__ckpt_minor(const gmdl__ckpt *c) {
    return c->minor;
}
const char *gmdl__ckpt_path(const gmdl__ckpt *c) {
    return c->path;
}

static const rmeta *find_meta(const gmdl__ckpt *c, const char *key, int type, size_t *idx) {
    for (size_t i = 0; i < c->nmeta; i++)
        if (c->meta[i].type == type && strcmp(c->meta[i].key, key) == 0) {
            if (idx)
                *idx = i;
            return &c->meta[i];
        }
    return NULL;
}

int gmdl__ckpt_get_u64(const gmdl__ckpt *c, const char *key, uint64_t *v) {
    const rmeta *m = find_meta(c, key, GMDL_META_U64, NULL);
    if (m)
        *v = rd_u64(m->val);
    return m != NULL;
}
int gmdl__ckpt_get_i64(const gmdl__ckpt *c, const char *key, int64_t *v) {
    const rmeta *m = find_meta(c, key, GMDL_META_I64, NULL);
    if (m)
        *v = (int64_t)rd_u64(m->val);
    return m != NULL;
}
int gmdl__ckpt_get_f64(const gmdl__ckpt *c, const char *key, double *v) {
    const rmeta *m = find_meta(c, key, GMDL_META_F64, NULL);
    if (m) {
        uint64_t u = rd_u64(m->val);
        memcpy(v, &u, 8);
    }
    return m != NULL;
}
const char *gmdl__ckpt_get_str(const gmdl__ckpt *c, const char *key) {
    size_t i;
    return find_meta(c, key, GMDL_META_STR, &i) ? c->strs[i] : NULL;
}

const gmdl__ckpt_tensor_info *gmdl__ckpt_find(const gmdl__ckpt *c, const char *name) {
    for (size_t i = 0; i < c->ntens; i++)
        if (strcmp(c->tens[i].name, name) == 0)
            return &c->tens[i];
    return NULL;
}
size_t gmdl__ckpt_tensor_count(const gmdl__ckpt *c) {
    return c->ntens;
}
const gmdl__ckpt_tensor_info *gmdl__ckpt_tensor_at(const gmdl__ckpt *c, size_t i) {
    return i < c->ntens ? &c->tens[i] : NULL;
}
size_t gmdl__ckpt_meta_count(const gmdl__ckpt *c) {
    return c->nmeta;
}
const char *gmdl__ckpt_meta_key(const gmdl__ckpt *c, size_t i) {
    return c->meta[i].key;
}
void gmdl__ckpt_meta_format(const gmdl__ckpt *c, size_t i, char *buf, size_t n) {
    const rmeta *m = &c->meta[i];
    uint64_t u = m->type == GMDL_META_STR ? 0 : rd_u64(m->val);
    double d;
    switch (m->type) {
        case GMDL_META_U64:
            snprintf(buf, n, "%llu", (unsigned long long)u);
            break;
        case GMDL_META_I64:
            snprintf(buf, n, "%lld", (long long)(int64_t)u);
            break;
        case GMDL_META_F64:
            memcpy(&d, &u, 8);
            snprintf(buf, n, "%.17g", d);
            break;
        default:
            snprintf(buf, n, "%s", c->strs[i]);
    }
}
