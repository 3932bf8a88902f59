// Linux calls that Swift's Glibc module does not export (sys/epoll.h, sys/eventfd.h,
// sys/prctl.h, gettid, SCHED_IDLE, accept4, malloc_trim), as plain functions with fixed-size arguments.
#ifndef CLINUX_H
#define CLINUX_H

// Only <stdint.h> here: a system header included by this one would make its declarations
// (SOCK_STREAM, …) belong to this module, unseen by Swift files that import only Glibc.
#include <stdint.h>

// epoll(7). Events are the EPOLL* bits; `data` is the caller's token (epoll_data_t.u64).
// clinux_epoll_wait unpacks the kernel's (packed on x86-64) epoll_event array into two arrays.
int clinux_epoll_create(void);
int clinux_epoll_control(int epfd, int operation, int fd, uint32_t events, uint64_t data);
int clinux_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int capacity, int timeout_ms);

extern const int CLINUX_EPOLL_CTL_ADD;
extern const int CLINUX_EPOLL_CTL_DEL;
extern const int CLINUX_EPOLL_CTL_MOD;
extern const uint32_t CLINUX_EPOLLIN;
extern const uint32_t CLINUX_EPOLLOUT;
extern const uint32_t CLINUX_EPOLLERR;
extern const uint32_t CLINUX_EPOLLHUP;
extern const uint32_t CLINUX_EPOLLRDHUP;
extern const uint32_t CLINUX_EPOLLET;

// eventfd(2), non-blocking and close-on-exec.
int clinux_eventfd(void);

// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; `address` is a struct sockaddr of `*length` bytes.
int clinux_accept(int fd, void *address, uint32_t *length);

// The kernel id of the calling thread (gettid(2)).
int clinux_gettid(void);

// Puts the calling thread under SCHED_IDLE (sched(7)); 0 or an errno value.
int clinux_set_thread_idle(void);

// The SCHED_IDLE policy number, for tests and logs.
int clinux_sched_idle_policy(void);

// prctl(PR_SET_PDEATHSIG, signal): the calling thread's process gets `signal` when the thread
// that created it exits; 0 or an errno value.
int clinux_set_parent_death_signal(int signal);

// Starts `path` with `argv` (NULL-terminated) and the current environment, standard input from
// /dev/null, standard output on `stdout_fd`, standard error on `stderr_fd`, no other descriptor
// open, every signal at its default action and none blocked, in a process group of its own (a
// terminal's Ctrl-C reaches only the parent); stores the child's id in `pid`.
// 0 or an errno value. posix_spawn(3) is safe to call from a threaded process.
int clinux_spawn(const char *path, char *const argv[], int stdout_fd, int stderr_fd, int *pid);

// waitpid(2) for `pid`, retried on EINTR: 0 with `status` set, or an errno value.
int clinux_wait(int pid, int *status);

// The parts of a wait status (wait(2) macros, which Swift cannot call).
int clinux_exited(int status);
int clinux_exit_status(int status);
int clinux_signaled(int status);
int clinux_terminating_signal(int status);

// malloc_trim(0) (malloc.h): returns the heap's free memory to the system; 1 if any was.
int clinux_trim_heap(void);

#endif
