/*
 * gnuplot.c - run gnuplot on a script, as an external program.
 *
 * Why a program and not a linked library: each figure is then a small,
 * commented gnuplot script beside its data, which a user can restyle and
 * re-run without hfsim; and gnuplot-nox is a few MB from Debian, where
 * PLplot's development package pulls in Qt, wxWidgets, OCaml and Lua.
 *
 * The program is started with fork + execvp (PATH lookup, no shell, so no
 * quoting problems with folder names), in the figure's working folder,
 * with stdin and stdout on /dev/null and stderr captured for the message
 * when it fails. A close-on-exec pipe tells the parent whether exec itself
 * failed, so "gnuplot is not installed" is told apart from "the script
 * failed".
 */
#define _POSIX_C_SOURCE 200809L
#include "fig_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

const char *fig_gnuplot_program(void)
{
  const char *p = getenv("HFSIM_GNUPLOT");
  return (p && p[0]) ? p : HFS_GNUPLOT_DEFAULT;
}

/* Read what is left on FD into ERR (truncated), for the message. */
static void read_all(int fd, char *err, size_t err_len)
{
  size_t n = 0;
  char scratch[512];
  for (;;) {
    char *dst = n + 1 < err_len ? err + n : scratch;
    size_t room = n + 1 < err_len ? err_len - 1 - n : sizeof scratch;
    ssize_t r = read(fd, dst, room);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (dst != scratch)
      n += (size_t)r;
  }
  if (err_len)
    err[n < err_len ? n : err_len - 1] = '\0';
}

int fig_gnuplot_run(const char *workdir, const char *script, int *missing,
                    char *err, size_t err_len)
{
  *missing = 0;
  err[0] = '\0';
  const char *prog = fig_gnuplot_program();
  int errpipe[2], execpipe[2];
  if (pipe(errpipe) != 0) {
    snprintf(err, err_len, "cannot create a pipe: %s", strerror(errno));
    return -1;
  }
  if (pipe(execpipe) != 0) {
    snprintf(err, err_len, "cannot create a pipe: %s", strerror(errno));
    close(errpipe[0]);
    close(errpipe[1]);
    return -1;
  }
  fcntl(execpipe[1], F_SETFD, FD_CLOEXEC);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, err_len, "cannot start %s: %s", prog, strerror(errno));
    close(errpipe[0]);
    close(errpipe[1]);
    close(execpipe[0]);
    close(execpipe[1]);
    return -1;
  }
  if (pid == 0) {
    /* child: only async-signal-safe calls until exec */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
    }
    dup2(errpipe[1], 2);
    close(errpipe[0]);
    close(execpipe[0]);
    int e = 0;
    if (chdir(workdir) != 0)
      e = errno;
    else {
      char *const argv[] = {(char *)prog, (char *)script, NULL};
      execvp(prog, argv);
      e = errno;
    }
    ssize_t w = write(execpipe[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(errpipe[1]);
  close(execpipe[1]);
  int exec_errno = 0;
  ssize_t r;
  do
    r = read(execpipe[0], &exec_errno, sizeof exec_errno);
  while (r < 0 && errno == EINTR);
  close(execpipe[0]);
  read_all(errpipe[0], err, err_len);
  close(errpipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r == (ssize_t)sizeof exec_errno) {
    *missing = exec_errno == ENOENT || exec_errno == EACCES;
    snprintf(err, err_len, "cannot run '%s': %s", prog,
             strerror(exec_errno));
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  /* keep the first line of gnuplot's complaint */
  size_t len = strlen(err);
  while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
    err[--len] = '\0';
  if (len == 0)
    snprintf(err, err_len, "%s %s",
             WIFSIGNALED(status) ? "killed by signal" : "exit status",
             WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "non-zero");
  return -1;
}
