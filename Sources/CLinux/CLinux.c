// Thin wrappers over Linux calls for Swift; see include/CLinux.h.
#define _GNU_SOURCE
#include <malloc.h>
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

const int CLINUX_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CLINUX_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const int CLINUX_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const uint32_t CLINUX_EPOLLIN = EPOLLIN;
const uint32_t CLINUX_EPOLLOUT = EPOLLOUT;
const uint32_t CLINUX_EPOLLERR = EPOLLERR;
const uint32_t CLINUX_EPOLLHUP = EPOLLHUP;
const uint32_t CLINUX_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t CLINUX_EPOLLET = EPOLLET;

int clinux_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int clinux_epoll_control(int epfd, int operation, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event = {.events = events, .data = {.u64 = data}};
    return epoll_ctl(epfd, operation, fd, &event);
}

int clinux_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int capacity, int timeout_ms) {
    enum { chunk = 256 };
    struct epoll_event buffer[chunk];
    int count = epoll_wait(epfd, buffer, capacity < chunk ? capacity : chunk, timeout_ms);
    for (int i = 0; i < count; i++) {
        events[i] = buffer[i].events;
        data[i] = buffer[i].data.u64;
    }
    return count;
}

int clinux_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int clinux_accept(int fd, void *address, uint32_t *length) {
    _Static_assert(sizeof(socklen_t) == sizeof(uint32_t), "socklen_t is 32 bits on Linux");
    return accept4(fd, (struct sockaddr *)address, (socklen_t *)length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int clinux_gettid(void) { return (int)syscall(SYS_gettid); }

int clinux_set_thread_idle(void) {
    struct sched_param parameters = {.sched_priority = 0};
    return sched_setscheduler(0, SCHED_IDLE, &parameters) == 0 ? 0 : errno;
}

int clinux_sched_idle_policy(void) { return SCHED_IDLE; }

int clinux_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0) == 0 ? 0 : errno;
}

extern char **environ;

int clinux_spawn(const char *path, char *const argv[], int stdout_fd, int stderr_fd, int *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // Servers ignore SIGPIPE and catch SIGTERM; a child must start with default actions.
    if ((result = posix_spawnattr_setsigmask(&attributes, &none)) == 0
        && (result = posix_spawnattr_setsigdefault(&attributes, &all)) == 0
        && (result = posix_spawnattr_setpgroup(&attributes, 0)) == 0
        && (result = posix_spawnattr_setflags(&attributes,
                                              POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) == 0
        && (result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0
        && (result = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) == 0
        && (result = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2)) == 0
        && (result = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0) {
        pid_t child = 0;
        result = posix_spawn(&child, path, &actions, &attributes, argv, environ);
        if (result == 0) *pid = child;
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}

int clinux_wait(int pid, int *status) {
    for (;;) {
        if (waitpid(pid, status, 0) == pid) return 0;
        if (errno != EINTR) return errno;
    }
}

int clinux_exited(int status) { return WIFEXITED(status); }
int clinux_exit_status(int status) { return WEXITSTATUS(status); }
int clinux_signaled(int status) { return WIFSIGNALED(status); }
int clinux_terminating_signal(int status) { return WTERMSIG(status); }

int clinux_trim_heap(void) { return malloc_trim(0); }
