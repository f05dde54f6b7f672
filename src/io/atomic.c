/* Atomic file replacement (as Redis rdbSave): write a temporary file in the same folder, fsync
 * it, rename it over the target, then fsync the folder so the rename itself is durable. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <unistd.h>

#include "io/ckpt.h"

gmdl_status gmdl__write_atomic(const char *path, const void *buf, size_t len, gmdl_err *err) {
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return gmdl__fail(err, GMDL_EINVAL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return gmdl__fail(err, GMDL_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    const unsigned char *p = buf;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return gmdl__fail(err, GMDL_EIO, "%s: write failed: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return gmdl__fail(err, GMDL_EIO, "%s: fsync/close failed: %s", tmp, strerror(e));
    }
    return gmdl__rename_durable(tmp, path, err);
}

gmdl_status gmdl__rename_durable(const char *tmp, const char *path, gmdl_err *err) {
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return gmdl__fail(err, GMDL_EIO, "%s: cannot rename %s over it: %s", path, tmp,
                          strerror(e));
    }
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse fsync on folders */
        close(dfd);
    }
    return GMDL_OK;
}
