/*
 * maxrss: runs a command and prints its peak resident set size in KiB
 * to standard error as "maxrss KIB".  Exits with the command's status.
 *   maxrss COMMAND [ARG...]
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  struct rusage ru;
  int status;
  pid_t pid;

  if (argc < 2) {
    fprintf(stderr, "usage: maxrss COMMAND [ARG...]\n");
    return 2;
  }
  pid = fork();
  if (pid < 0) {
    perror("maxrss: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("maxrss: exec");
    _exit(127);
  }
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("maxrss: wait4");
    return 2;
  }
  fprintf(stderr, "maxrss %ld\n", ru.ru_maxrss);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
