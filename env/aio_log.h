/* One-line diagnostics on stderr, prefixed "aio:", filtered by
 * AIO_DEBUG_MODE: 0 none, 1 errors, 2 info+warnings (default), 3 most, 4 all. */
#ifndef AIO_LOG_H
#define AIO_LOG_H

enum aio_log_level {
    AIO_LOG_ERROR = 1,
    AIO_LOG_WARN = 2,
    AIO_LOG_INFO = 2,
    AIO_LOG_DEBUG = 3,
    AIO_LOG_TRACE = 4,
};

void aio_log_set_level(int level);
int aio_log_level(void);
void aio_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
