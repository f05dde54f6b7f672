/* gmdl core: versions, status codes, error messages, allocator and log hooks, CRC-32.
 *
 * Every fallible public function returns a gmdl_status and delivers its results through
 * out-parameters. Human-readable detail (file, line, byte offset, expected vs. got) goes into a
 * caller-provided gmdl_err, never into a global, so the library stays thread-safe.
 * The library never prints to stdout, never calls exit() and never reads the environment.
 * Threads: the functions of this header may be called from any thread, except the two hooks
 * (gmdl_set_allocator, gmdl_log_set), which are set once, before any other call, and the log hook
 * itself, which must be safe to call from several threads at once. */
#ifndef GMDL_CORE_H
#define GMDL_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GMDL_VERSION_MAJOR  0
#define GMDL_VERSION_MINOR  1
#define GMDL_VERSION_PATCH  0
#define GMDL_VERSION_STRING "0.1.0"

#if defined(GMDL_BUILDING)
#define GMDL_API __attribute__((visibility("default")))
#else
#define GMDL_API
#endif
#define GMDL_NODISCARD __attribute__((warn_unused_result))

/* Status codes: one X-macro list makes the enum, the names and the messages. */
#define GMDL_STATUS_MAP(X)                                                                         \
    X(OK, "success")                                                                               \
    X(ENOMEM, "out of memory")                                                                     \
    X(EINVAL, "invalid argument")                                                                  \
    X(ESHAPE, "shape mismatch")                                                                    \
    X(EMISUSE, "API used in the wrong state")                                                      \
    X(EIO, "input/output error")                                                                   \
    X(ENOENT, "no such file or directory")                                                         \
    X(ENOTOURS, "not a file of the expected kind (wrong magic)")                                   \
    X(EVERSION, "unsupported format version")                                                      \
    X(ECORRUPT, "file is corrupt or truncated")                                                    \
    X(ECHECKSUM, "checksum mismatch")                                                              \
    X(EPARSE, "parse error")                                                                       \
    X(ENUMERIC, "numerical failure (NaN or infinity)")                                             \
    X(ENOCONV, "did not converge")                                                                 \
    X(ELIMIT, "resource limit exceeded")                                                           \
    X(EUNSUPPORTED, "unsupported")                                                                 \
    X(EINTR, "interrupted")

typedef enum gmdl_status {
#define GMDL__ENUM(name, msg) GMDL_##name,
    GMDL_STATUS_MAP(GMDL__ENUM)
#undef GMDL__ENUM
        GMDL_STATUS_COUNT
} gmdl_status;

/* "GMDL_ECHECKSUM" */
GMDL_API const char *gmdl_status_name(gmdl_status s);
/* "checksum mismatch" */
GMDL_API const char *gmdl_status_str(gmdl_status s);
/* 1 when the status means the *input* was bad (file content, argument value), so a command
 * line tool should exit 2; 0 for runtime failures (memory, I/O while writing, divergence). */
GMDL_API int gmdl_status_is_input_error(gmdl_status s);

/* Caller-owned error detail. Functions that take a gmdl_err * accept NULL. */
typedef struct gmdl_err {
    char msg[1024];
} gmdl_err;

/* Library version at run time, to detect a header/library mismatch. */
GMDL_API const char *gmdl_version(void);

/* The GEMM backend this library was built with: "dnnl", "openblas" or "naive". */
GMDL_API const char *gmdl_gemm_backend(void);

/* Allocator hook (libuv's uv_replace_allocator). All library allocations go through it.
 * Returns GMDL_EINVAL if any pointer is NULL. Call before any other gmdl function. */
typedef void *(*gmdl_malloc_fn)(size_t);
typedef void *(*gmdl_realloc_fn)(void *, size_t);
typedef void (*gmdl_free_fn)(void *);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_set_allocator(gmdl_malloc_fn m,
                                                       gmdl_realloc_fn r,
                                                       gmdl_free_fn f);

/* Log hook. Default: messages at level >= GMDL_LOG_INFO go to stderr. */
typedef enum { GMDL_LOG_DEBUG, GMDL_LOG_INFO, GMDL_LOG_WARN, GMDL_LOG_ERROR } gmdl_log_level;
typedef void (*gmdl_log_fn)(gmdl_log_level level, const char *msg, void *user);
GMDL_API void gmdl_log_set(gmdl_log_fn fn, void *user);

/* Flush denormal floats to zero (FTZ and DAZ) on the calling thread and, with OpenMP, on every
 * thread of the current team size; returns the previous setting of the calling thread. Training
 * turns it on for its duration: denormals slow float code by 10-100x on x86. */
GMDL_API int gmdl_set_flush_denormals(int on);

/* CRC-32 (IEEE 802.3, reflected, as in zlib and PNG). Start with crc = 0. */
GMDL_API uint32_t gmdl_crc32(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
