/* A SCHED_IDLE busy loop for the p99 experiments in BENCHMARKS.md (issue 5).
 *   busy-loop plain            spins
 *   busy-loop yield N          calls sched_yield() every N microseconds
 *   busy-loop timer N          gets a signal every N microseconds; the handler only returns
 *   busy-loop timer-yield N    gets a signal every N microseconds; the handler calls sched_yield()
 * Build: cc -O2 -o /tmp/busy-loop scripts/probes/busy-loop.c -lrt */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void returns(int s) { (void)s; }
static void yields(int s) { (void)s; sched_yield(); }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: busy-loop plain|yield N|timer N|timer-yield N\n"); return 2; }
    const char *mode = argv[1];
    long micros = argc > 2 ? atol(argv[2]) : 0;
    struct sched_param p = {0};
    sched_setscheduler(0, SCHED_IDLE, &p);
    if (strncmp(mode, "timer", 5) == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = strcmp(mode, "timer-yield") == 0 ? yields : returns;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGRTMIN + 3, &sa, 0);
        struct sigevent ev = {0};
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = SIGRTMIN + 3;
        ev._sigev_un._tid = syscall(SYS_gettid);
        timer_t t;
        timer_create(CLOCK_MONOTONIC, &ev, &t);
        struct itimerspec its = {{0, micros * 1000}, {0, micros * 1000}};
        timer_settime(t, 0, &its, 0);
    }
    int yielding = strcmp(mode, "yield") == 0;
    volatile double x = 0;
    double next = now() + micros * 1e-6;
    for (;;) {
        for (int i = 0; i < 1000; i++) x += i;
        if (yielding && now() >= next) { sched_yield(); next = now() + micros * 1e-6; }
    }
}
