/* The gmdl container format (model files .gmdl, compressed models .gmz): a fixed 64-byte header
 * (magic, version, header CRC, file size, counts, section offsets), typed metadata, a named tensor
 * directory with a CRC per tensor, 64-byte aligned tensor data, and a trailer with a whole-file
 * CRC and an end magic. Normative description: docs/FORMAT.md.
 * Writers build the file in memory and write it atomically (gmdl__write_atomic). Readers load the
 * whole file and validate every size, offset and checksum before anything is used. */
#ifndef GMDL_IO_CKPT_H
#define GMDL_IO_CKPT_H

#include "common.h"

enum { GMDL_DT_F32 = 1, GMDL_DT_F64 = 2, GMDL_DT_U8 = 3, GMDL_DT_U32 = 4, GMDL_DT_I32 = 5 };
enum { GMDL_META_U64 = 1, GMDL_META_I64 = 2, GMDL_META_F64 = 3, GMDL_META_STR = 4 };

#define GMDL_CKPT_HEADER_BYTES  64
#define GMDL_CKPT_TRAILER_BYTES 8
#define GMDL_CKPT_MAX_NAME      256
#define GMDL_CKPT_MAX_ENTRIES   100000

typedef struct gmdl__ckpt_writer gmdl__ckpt_writer;

gmdl__ckpt_writer *gmdl__ckpt_writer_create(void);
void gmdl__ckpt_writer_destroy(gmdl__ckpt_writer *w);
/* Metadata and tensors are copied into the writer. Return ENOMEM or EINVAL (name too long). */
gmdl_status gmdl__ckpt_meta_u64(gmdl__ckpt_writer *w, const char *key, uint64_t v);
gmdl_status gmdl__ckpt_meta_i64(gmdl__ckpt_writer *w, const char *key, int64_t v);
gmdl_status gmdl__ckpt_meta_f64(gmdl__ckpt_writer *w, const char *key, double v);
gmdl_status gmdl__ckpt_meta_str(gmdl__ckpt_writer *w, const char *key, const char *v);
gmdl_status gmdl__ckpt_tensor(gmdl__ckpt_writer *w,
                              const char *name,
                              int dtype,
                              int ndim,
                              const uint64_t *dims,
                              const void *data);
/* Serialises (little-endian) and writes atomically. */
gmdl_status gmdl__ckpt_write(gmdl__ckpt_writer *w,
                             const char *path,
                             const char magic[8],
                             uint16_t major,
                             uint16_t minor,
                             gmdl_err *err);

typedef struct gmdl__ckpt_tensor_info {
    const char *name;
    int dtype, ndim;
    uint64_t dims[4];
    uint64_t count;   /* product of dims */
    const void *data; /* points into the loaded file; aligned to 64 bytes */
    uint64_t nbytes;
} gmdl__ckpt_tensor_info;

typedef struct gmdl__ckpt gmdl__ckpt;

/* Reads and validates PATH: ENOENT, EIO, ENOTOURS (magic), EVERSION (major newer than
 * max_major), ECORRUPT (sizes, offsets, truncation), ECHECKSUM (header, tensor or file CRC). */
gmdl_status gmdl__ckpt_read(
    gmdl__ckpt **out, const char *path, const char magic[8], uint16_t max_major, gmdl_err *err);
void gmdl__ckpt_destroy(gmdl__ckpt *c);
uint16_t gmdl__ckpt_major(const gmdl__ckpt *c);
uint16_t gmdl__ckpt_minor(const gmdl__ckpt *c);
const char *gmdl__ckpt_path(const gmdl__ckpt *c);
/* Lookups return 1 when found with the right type, 0 otherwise. */
int gmdl__ckpt_get_u64(const gmdl__ckpt *c, const char *key, uint64_t *v);
int gmdl__ckpt_get_i64(const gmdl__ckpt *c, const char *key, int64_t *v);
int gmdl__ckpt_get_f64(const gmdl__ckpt *c, const char *key, double *v);
const char *gmdl__ckpt_get_str(const gmdl__ckpt *c, const char *key);
const gmdl__ckpt_tensor_info *gmdl__ckpt_find(const gmdl__ckpt *c, const char *name);
size_t gmdl__ckpt_tensor_count(const gmdl__ckpt *c);
const gmdl__ckpt_tensor_info *gmdl__ckpt_tensor_at(const gmdl__ckpt *c, size_t i);
size_t gmdl__ckpt_meta_count(const gmdl__ckpt *c);
/* Key and a printable rendering of meta entry i (for gmdl info). */
const char *gmdl__ckpt_meta_key(const gmdl__ckpt *c, size_t i);
void gmdl__ckpt_meta_format(const gmdl__ckpt *c, size_t i, char *buf, size_t n);

/* Writes buf to path atomically: path.tmp.<pid>, fsync, rename, fsync of the folder. The old
 * file, if any, stays intact on every failure. */
gmdl_status gmdl__write_atomic(const char *path, const void *buf, size_t len, gmdl_err *err);
/* Renames a complete, fsynced file tmp over path and fsyncs the folder; on failure tmp is
 * removed and path keeps what it had. */
gmdl_status gmdl__rename_durable(const char *tmp, const char *path, gmdl_err *err);

#endif
