/* Per-op counters: calls, accelerated calls, fallbacks by reason, time.
 * Always counted (relaxed atomics, a few ns); timed only when AIO_PROFILER
 * or AIO_PROFILER_FILE is set. Reported at exit as a table on stderr (the
 * ops that were called; AIO_PROFILER=2: every op) and/or JSON of every op,
 * whose key names other tools rely on. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aio_host_api.h"
#include "aio_log.h"
#include "preload.h"

#define MAX_OPS 256

typedef struct op_stats {
    char name[96];
    atomic_ullong outcome[AIO_FB_COUNT]; /* [AIO_ACCELERATED] + one per reason */
    atomic_ullong ns;     /* every timed call */
    atomic_ullong ns_acc; /* the accelerated ones: time on aio's kernels */
    atomic_uint logged_reasons; /* bit per reason: the debug line is printed once */
} op_stats;

static op_stats g_ops[MAX_OPS];

#define MAX_GAUGES 8
typedef struct gauge {
    char name[64];
    atomic_ullong last, peak;
} gauge;
static gauge g_gauges[MAX_GAUGES];
static atomic_int g_ngauges;
static atomic_int g_nops;
static pthread_mutex_t g_register_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_torch_version[64];
static const aio_config *g_cfg;

static const char *const k_reason_names[AIO_FB_COUNT] = {
    [AIO_ACCELERATED] = "accelerated", [AIO_FB_DTYPE] = "dtype",   [AIO_FB_LAYOUT] = "layout",
    [AIO_FB_DEVICE] = "device",        [AIO_FB_STRIDES] = "strides", [AIO_FB_SHAPE] = "shape",
    [AIO_FB_POLICY] = "policy",        [AIO_FB_EMPTY] = "empty",   [AIO_FB_ARGS] = "args",
    [AIO_FB_OUT] = "out",
};

const char *aio_fallback_reason_name(int reason)
{
    return reason >= 0 && reason < AIO_FB_COUNT ? k_reason_names[reason] : "unknown";
}

int aio_prof_register_op(const char *name)
{
    pthread_mutex_lock(&g_register_lock);
    int n = atomic_load(&g_nops), id = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(g_ops[i].name, name) == 0)
            id = i;
    if (id < 0 && n < MAX_OPS) {
        snprintf(g_ops[n].name, sizeof g_ops[n].name, "%s", name);
        atomic_store(&g_nops, n + 1);
        id = n;
    }
    pthread_mutex_unlock(&g_register_lock);
    return id;
}

void aio_prof_record(int op, int reason, uint64_t ns)
{
    if (op < 0 || op >= MAX_OPS || reason < 0 || reason >= AIO_FB_COUNT)
        return;
    op_stats *s = &g_ops[op];
    atomic_fetch_add_explicit(&s->outcome[reason], 1, memory_order_relaxed);
    if (ns) {
        atomic_fetch_add_explicit(&s->ns, ns, memory_order_relaxed);
        if (reason == AIO_ACCELERATED)
            atomic_fetch_add_explicit(&s->ns_acc, ns, memory_order_relaxed);
    }
    if (reason != AIO_ACCELERATED && aio_log_level() >= AIO_LOG_DEBUG) {
        unsigned bit = 1u << reason;
        if (!(atomic_fetch_or(&s->logged_reasons, bit) & bit))
            aio_log(AIO_LOG_DEBUG, "%s: falling back to stock (%s)", s->name, k_reason_names[reason]);
    }
}

void aio_prof_gauge(const char *name, uint64_t value)
{
    pthread_mutex_lock(&g_register_lock);
    int n = atomic_load(&g_ngauges), i = 0;
    while (i < n && strcmp(g_gauges[i].name, name) != 0)
        i++;
    if (i == n && n < MAX_GAUGES) {
        snprintf(g_gauges[n].name, sizeof g_gauges[n].name, "%s", name);
        atomic_store(&g_ngauges, n + 1);
    }
    if (i < MAX_GAUGES) {
        atomic_store(&g_gauges[i].last, value);
        if (value > atomic_load(&g_gauges[i].peak))
            atomic_store(&g_gauges[i].peak, value);
    }
    pthread_mutex_unlock(&g_register_lock);
}

void aio_prof_set_torch_version(const char *v) { snprintf(g_torch_version, sizeof g_torch_version, "%s", v); }

static unsigned long long total_calls(op_stats *s)
{
    unsigned long long t = 0;
    for (int r = 0; r < AIO_FB_COUNT; r++)
        t += atomic_load(&s->outcome[r]);
    return t;
}

/* One op's numbers, read once so the table and its totals agree. */
typedef struct op_row {
    const char *name;
    unsigned long long calls, acc, ns, ns_acc;
    char reasons[256];
} op_row;

static int by_time_desc(const void *a, const void *b)
{
    const op_row *x = a, *y = b;
    if (x->ns != y->ns)
        return x->ns < y->ns ? 1 : -1;
    if (x->calls != y->calls)
        return x->calls < y->calls ? 1 : -1;
    return strcmp(x->name, y->name);
}

static double pct(unsigned long long part, unsigned long long whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The table people read: ops that were called (all ops with full != 0),
 * slowest first, each with the share of its time spent on aio's kernels,
 * then one line of totals. */
static void report_table(FILE *out, int full)
{
    static op_row rows[MAX_OPS];
    int n = atomic_load(&g_nops), shown = 0, called = 0;
    unsigned long long calls = 0, acc = 0, ns = 0, ns_acc = 0;
    for (int i = 0; i < n; i++) {
        op_stats *s = &g_ops[i];
        op_row *r = &rows[shown];
        r->name = s->name;
        r->calls = total_calls(s);
        r->acc = atomic_load(&s->outcome[AIO_ACCELERATED]);
        r->ns = atomic_load(&s->ns);
        r->ns_acc = atomic_load(&s->ns_acc);
        size_t used = 0;
        r->reasons[0] = 0;
        for (int k = 1; k < AIO_FB_COUNT; k++) {
            unsigned long long c = atomic_load(&s->outcome[k]);
            if (c && used < sizeof r->reasons)
                used += (size_t)snprintf(r->reasons + used, sizeof r->reasons - used, "%s%s=%llu", used ? " " : "",
                                         k_reason_names[k], c);
        }
        calls += r->calls;
        acc += r->acc;
        ns += r->ns;
        ns_acc += r->ns_acc;
        called += r->calls > 0;
        if (r->calls || full)
            shown++;
    }
    qsort(rows, (size_t)shown, sizeof rows[0], by_time_desc);
    fprintf(out, "aio: per-op report (torch %s, pid %d): %d of the %d ops aio overrides were called%s\n",
            g_torch_version, (int)getpid(), called, n, full ? "" : " (AIO_PROFILER=2 lists all)");
    fprintf(out, "aio: %-28s %10s %12s %10s %12s %6s  %s\n", "op", "calls", "accelerated", "fallback", "time_ms",
            "aio_%", "fallback reasons");
    for (int i = 0; i < shown; i++) {
        op_row *r = &rows[i];
        char share[16] = "-";
        if (r->ns)
            snprintf(share, sizeof share, "%.1f", pct(r->ns_acc, r->ns));
        fprintf(out, "aio: %-28s %10llu %12llu %10llu %12.3f %6s  %s\n", r->name, r->calls, r->acc, r->calls - r->acc,
                (double)r->ns / 1e6, share, r->reasons);
    }
    fprintf(out,
            "aio: summary: %llu of %llu calls accelerated (%.1f%%); %.3f ms in aio kernels, %.3f ms in fallbacks "
            "(%.1f%% of the time in aio)\n",
            acc, calls, pct(acc, calls), (double)ns_acc / 1e6, (double)(ns - ns_acc) / 1e6, pct(ns_acc, ns));
    for (int i = 0; i < atomic_load(&g_ngauges); i++)
        fprintf(out, "aio: %s: %llu at exit, %llu at peak\n", g_gauges[i].name,
                (unsigned long long)atomic_load(&g_gauges[i].last), (unsigned long long)atomic_load(&g_gauges[i].peak));
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

/* "%p" in the path becomes the pid, so spawned workers can keep their own. */
static void expand_path(const char *tmpl, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < len; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            o += (size_t)snprintf(out + o, len - o, "%d", (int)getpid());
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o < len ? o : len - 1] = 0;
}

static void report_json(const char *tmpl)
{
    char path[4096], tmp[4200];
    expand_path(tmpl, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        aio_log(AIO_LOG_WARN, "AIO_PROFILER_FILE=\"%s\": cannot write the report", path);
        return;
    }
    fprintf(out, "{\"torch_version\": ");
    json_string(out, g_torch_version);
    fprintf(out, ", \"pid\": %d, \"ops\": {", (int)getpid());
    int n = atomic_load(&g_nops);
    for (int i = 0; i < n; i++) {
        op_stats *s = &g_ops[i];
        fprintf(out, "%s\n  ", i ? "," : "");
        json_string(out, s->name);
        fprintf(out, ": {\"calls\": %llu, \"accelerated\": %llu, \"fallback\": {", total_calls(s),
                (unsigned long long)atomic_load(&s->outcome[AIO_ACCELERATED]));
        int first = 1;
        for (int r = 1; r < AIO_FB_COUNT; r++) {
            unsigned long long c = atomic_load(&s->outcome[r]);
            if (!c)
                continue;
            fprintf(out, "%s\"%s\": %llu", first ? "" : ", ", k_reason_names[r], c);
            first = 0;
        }
        fprintf(out, "}, \"ns\": %llu, \"accelerated_ns\": %llu}", (unsigned long long)atomic_load(&s->ns),
                (unsigned long long)atomic_load(&s->ns_acc));
    }
    fprintf(out, "\n}, \"gauges\": {");
    for (int i = 0; i < atomic_load(&g_ngauges); i++) {
        fprintf(out, "%s", i ? ", " : "");
        json_string(out, g_gauges[i].name);
        fprintf(out, ": {\"last\": %llu, \"peak\": %llu}", (unsigned long long)atomic_load(&g_gauges[i].last),
                (unsigned long long)atomic_load(&g_gauges[i].peak));
    }
    fprintf(out, "}}\n");
    if (fclose(out) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        aio_log(AIO_LOG_WARN, "AIO_PROFILER_FILE=\"%s\": cannot write the report", path);
    }
}

static void exit_report(void)
{
    if (g_cfg->profiler)
        report_table(stderr, g_cfg->profiler >= 2);
    if (g_cfg->profiler_file[0])
        report_json(g_cfg->profiler_file);
}

void aio_prof_install_exit_report(const aio_config *cfg)
{
    g_cfg = cfg;
    atexit(exit_report);
}
