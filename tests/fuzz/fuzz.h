/* Shared by the fuzz targets (tests/fuzz/fuzz_*.c). Each target defines LLVMFuzzerTestOneInput;
 * built with clang's libFuzzer (-DGMDL_FUZZ=ON, tools/fuzz.sh) it is fuzzed, built otherwise it
 * is linked with replay.c, which runs it on every file of its committed corpus as a test.
 * A target must never crash, leak or hang on any input: errors are returned and released. */
#ifndef GMDL_TESTS_FUZZ_H
#define GMDL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Calls whose status a target does not need: errors are expected on most inputs. */
#define IGNORE(call)                                                                               \
    do {                                                                                           \
        gmdl_status ignored_ = (call);                                                             \
        (void)ignored_;                                                                            \
    } while (0)

/* The bytes as a file the path-based readers can open: an anonymous memory file, named by
 * /proc/self/fd/N in path. Returns the descriptor (close it after use), or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t cap) {
    int fd = memfd_create("gmdl-fuzz", 0);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
