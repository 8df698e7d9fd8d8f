/* stderr logging. One write(2) per line so lines from threads and forked
 * children never interleave; no malloc on the path (fork children, signal
 * handlers that must report before dying). */
#include "aio_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "aio: "
#define PREFIX_LEN (sizeof PREFIX - 1)

static int log_level = 2; /* AIO_DEBUG_MODE default */

void aio_log_set_level(int level)
{
    if (level < 0) level = 0;
    if (level > 4) level = 4;
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int aio_log_level(void)
{
    return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void aio_log(int level, const char *fmt, ...)
{
    if (level < AIO_LOG_ERROR) level = AIO_LOG_ERROR; /* 0 means "no messages" */
    if (level > aio_log_level()) return;

    int saved_errno = errno; /* callers log between a failing call and its errno check */
    /* Under PIPE_BUF, so even a pipe receives the line atomically. */
    char buf[1024];
    memcpy(buf, PREFIX, PREFIX_LEN);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + PREFIX_LEN, sizeof buf - PREFIX_LEN - 1, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    size_t len = PREFIX_LEN + (size_t)n;
    if (len > sizeof buf - 2) { /* truncated: say so rather than cut silently */
        len = sizeof buf - 2;
        memcpy(buf + len - 3, "...", 3);
    }
    /* Stored config diagnostics already carry the prefix: don't double it. */
    char *start = buf;
    if (strncmp(buf + PREFIX_LEN, PREFIX, PREFIX_LEN) == 0) {
        start += PREFIX_LEN;
    }
    while (len > (size_t)(start - buf) && buf[len - 1] == '\n') len--; /* we add our own */
    buf[len++] = '\n';

    size_t off = (size_t)(start - buf);
    while (off < len) {
        ssize_t w = write(2, buf + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    errno = saved_errno;
}
