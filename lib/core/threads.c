/*
 * How many library threads a pass may use, and whether they can be started.
 *
 * Two questions, answered in one place for every parallel region:
 *
 * - seg_threads_resolve(): the count a THREADS setting asks for. A setting
 *   of 0 means the CPUs this process may run on: the scheduler affinity mask,
 *   further capped by a cgroup CPU quota (v2 cpu.max, v1 cfs quota), because
 *   a container limited to 2 CPUs on a 64-core host gains nothing from 64
 *   threads but contention. A positive setting is honoured up to
 *   SEG_THREADS_MAX.
 *
 * - seg_threads_startable(): the count that can really be started now.
 *   libgomp has no way to report a failed pthread_create: it prints "Thread
 *   creation failed" and exits the whole process, which a library embedded in
 *   a host must never do. So before a region asks for more threads than the
 *   calling thread's last region had, we start that many threads ourselves
 *   (same stack size as libgomp's), join them, and let the region use only as
 *   many as started. Fewer threads never change a result (the partitions do
 *   not depend on the thread count), only the time.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT_S */
#include "core/core.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- CPUs the process may use ------------------------------------------ */

/* CPUs in the calling thread's affinity mask (0 if it cannot be read). */
static int affinity_cpus(void)
{
    for (size_t ncpu = 1024; ncpu <= 65536; ncpu *= 4) {
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set)
            return 0;
        const size_t bytes = CPU_ALLOC_SIZE(ncpu);
        CPU_ZERO_S(bytes, set);
        if (sched_getaffinity(0, bytes, set) == 0) {
            int n = CPU_COUNT_S(bytes, set);
            CPU_FREE(set);
            return n;
        }
        CPU_FREE(set);
        if (errno != EINVAL) /* EINVAL: the mask is larger than ncpu */
            return 0;
    }
    return 0;
}

/* A small text file's first line into buf; false if absent or unreadable. */
static bool read_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    const bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    return ok;
}

/* CPUs a quota of `quota` per `period` microseconds allows, rounded up
 * (1.5 CPUs of quota keep 2 threads busy part of the time). */
static int quota_cpus(long long quota, long long period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    long long n = (quota + period - 1) / period;
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* The tightest quota of the cgroup directory `dir` (a path under `mount`)
 * and its ancestors up to `mount`; 0 when none is set. v2 reads cpu.max
 * ("max 100000" or "200000 100000"), v1 cpu.cfs_quota_us (-1 = none) and
 * cpu.cfs_period_us. */
static int cgroup_dir_limit(const char *mount, const char *rel, bool v2)
{
    char dir[PATH_MAX], file[PATH_MAX + 32], line[128];
    int best = 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s%s", mount, rel) >= sizeof dir)
        return 0;
    const size_t base = strlen(mount);
    for (;;) {
        int n = 0;
        if (v2) {
            char q[32];
            long long period;
            snprintf(file, sizeof file, "%s/cpu.max", dir);
            if (read_line(file, line, sizeof line) && sscanf(line, "%31s %lld", q, &period) == 2 &&
                strcmp(q, "max") != 0)
                n = quota_cpus(strtoll(q, NULL, 10), period);
        } else {
            long long quota, period;
            snprintf(file, sizeof file, "%s/cpu.cfs_quota_us", dir);
            if (read_line(file, line, sizeof line) && sscanf(line, "%lld", &quota) == 1) {
                snprintf(file, sizeof file, "%s/cpu.cfs_period_us", dir);
                if (read_line(file, line, sizeof line) && sscanf(line, "%lld", &period) == 1)
                    n = quota_cpus(quota, period);
            }
        }
        if (n > 0 && (best == 0 || n < best))
            best = n;
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < base)
            break;
        *slash = '\0';
    }
    return best;
}

int seg_cgroup_cpu_limit(const char *proc_cgroup, const char *root)
{
    FILE *f = fopen(proc_cgroup, "r");
    char line[4096], mount[PATH_MAX];
    int best = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        /* "hierarchy-id:controllers:path"; v2 is "0::path" */
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        char *path = c2 + 1, *ctl = c1 + 1;
        path[strcspn(path, "\n")] = '\0';
        if (strcmp(path, "/") == 0)
            path[0] = '\0';
        int n = 0;
        if (strcmp(line, "0") == 0 && ctl[0] == '\0') {
            n = cgroup_dir_limit(root, path, true);
        } else {
            bool cpu = false; /* "cpu" among the comma-separated controllers */
            for (char *tok = ctl; tok && *tok;) {
                char *comma = strchr(tok, ',');
                size_t len = comma ? (size_t)(comma - tok) : strlen(tok);
                if (len == 3 && memcmp(tok, "cpu", 3) == 0)
                    cpu = true;
                tok = comma ? comma + 1 : NULL;
            }
            if (!cpu)
                continue;
            /* v1 mounts the hierarchy as root/<controllers> (often also
             * symlinked as root/cpu) */
            if ((size_t)snprintf(mount, sizeof mount, "%s/%s", root, ctl) < sizeof mount)
                n = cgroup_dir_limit(mount, path, false);
            if (n == 0 && (size_t)snprintf(mount, sizeof mount, "%s/cpu", root) < sizeof mount)
                n = cgroup_dir_limit(mount, path, false);
        }
        if (n > 0 && (best == 0 || n < best))
            best = n;
    }
    fclose(f);
    return best;
}

/* The cgroup quota, read once per process: reading it costs ~100 us of file
 * opens, too much for every predict call, and a quota rarely changes under a
 * running process (the affinity mask, one system call, is read every time). */
static int cgroup_quota;
static pthread_once_t cgroup_once = PTHREAD_ONCE_INIT;

static void read_cgroup_quota(void)
{
    cgroup_quota = seg_cgroup_cpu_limit("/proc/self/cgroup", "/sys/fs/cgroup");
}

int seg_threads_usable(void)
{
    int n = affinity_cpus();
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (online > INT_MAX ? INT_MAX : (int)online) : 1;
    }
    pthread_once(&cgroup_once, read_cgroup_quota);
    const int quota = cgroup_quota;
    if (quota > 0 && quota < n)
        n = quota;
    return n > SEG_THREADS_MAX ? SEG_THREADS_MAX : n;
}

int seg_threads_resolve(int64_t setting)
{
    if (setting > 0)
        return setting > SEG_THREADS_MAX ? SEG_THREADS_MAX : (int)setting;
    return seg_threads_usable();
}

int seg_threads_count(int64_t setting)
{
    return seg_threads_resolve(setting < 0 ? 0 : setting);
}

/* ---- can the threads be started? --------------------------------------- */

#ifdef _OPENMP
/* The stack size libgomp gives its threads: OMP_STACKSIZE or GOMP_STACKSIZE
 * ("<n>[B|K|M|G]", kilobytes by default), else the pthread default. 0 = the
 * default. */
static size_t omp_stack_bytes(void)
{
    static const char *const names[] = {"OMP_STACKSIZE", "GOMP_STACKSIZE"};
    for (size_t i = 0; i < 2; i++) {
        const char *s = getenv(names[i]);
        if (!s)
            continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || errno)
            continue;
        while (*end == ' ' || *end == '\t')
            end++;
        unsigned shift = 10;
        switch (*end) {
        case 'b':
        case 'B':
            shift = 0;
            end++;
            break;
        case 'k':
        case 'K':
            shift = 10;
            end++;
            break;
        case 'm':
        case 'M':
            shift = 20;
            end++;
            break;
        case 'g':
        case 'G':
            shift = 30;
            end++;
            break;
        default:
            break;
        }
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end || v > (SIZE_MAX >> shift))
            continue; /* libgomp ignores it too */
        return (size_t)(v << shift);
    }
    return 0;
}

typedef struct probe {
    pthread_attr_t *attr;
    int left; /* threads still to start below this one */
} probe;

/* Each probe thread starts the next and waits for it, so that all of them
 * are alive (and hold their stacks) at once, with no array of handles;
 * returns the number started below it. */
static void *probe_run(void *arg)
{
    probe *p = arg;
    intptr_t started = 0;
    if (p->left > 0) {
        probe next = {p->attr, p->left - 1};
        pthread_t t;
        if (pthread_create(&t, p->attr, probe_run, &next) == 0) {
            void *below = NULL;
            pthread_join(t, &below);
            started = 1 + (intptr_t)below;
        }
    }
    return (void *)started;
}

/* Threads of the calling thread's last region: libgomp keeps that many in
 * the calling thread's pool, so a region no larger starts none. */
static _Thread_local int pool_threads = 1;
#endif

int seg_threads_startable(int want)
{
    if (want <= 1)
        return 1;
#ifdef _OPENMP
    /* Inside an enclosing parallel region without nesting the region runs
     * on one thread and starts none. */
    if (omp_in_parallel() && omp_get_active_level() >= omp_get_max_active_levels())
        return want;
    if (want <= pool_threads) {
        pool_threads = want;
        return want;
    }
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return 1;
    const size_t stack = omp_stack_bytes();
    if (stack)
        pthread_attr_setstacksize(&attr, stack);
    probe first = {&attr, want - 1};
    const int got = 1 + (int)(intptr_t)probe_run(&first);
    pthread_attr_destroy(&attr);
    pool_threads = got;
    return got;
#else
    return want;
#endif
}
