/* alternate RUNS CMD... : runs each command RUNS times, one run of each in turn (the order
 * reversed every other round), and prints the median wall time of each in milliseconds, one
 * line per command: "MEDIAN_MS<TAB>CMD". A command is split at spaces (no quoting) and runs
 * with stdout and stderr on /dev/null; a command that fails is an error (exit 1).
 *
 * Why not hyperfine alone: hyperfine runs all of one command's runs before the next
 * command's, so on a shared two-core machine a busy second falls on one side only. Taking
 * turns run by run puts every disturbance on both sides alike. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CMDS = 8, MAX_ARGS = 32 };

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs argv once with output discarded; its wall time in ms, or -1 when it fails. */
static double run_once(char *const *argv, int devnull)
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    double t = now_ms() - t0;
    /* grep's "no match" (1) is a result, not a failure. */
    return WIFEXITED(status) && WEXITSTATUS(status) <= 1 ? t : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc - 2 > MAX_CMDS) {
        fprintf(stderr, "usage: alternate RUNS CMD... (1 to %d commands)\n", MAX_CMDS);
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs < 1) {
        fprintf(stderr, "alternate: RUNS must be a positive number, not '%s'\n", argv[1]);
        return 2;
    }
    int n = argc - 2;
    char *args[MAX_CMDS][MAX_ARGS + 1];
    for (int c = 0; c < n; c++) {
        int k = 0;
        char *save = NULL;
        for (char *t = strtok_r(argv[c + 2], " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            if (k == MAX_ARGS) {
                fprintf(stderr, "alternate: more than %d words in a command\n", MAX_ARGS);
                return 2;
            }
            args[c][k++] = t;
        }
        if (k == 0) {
            fprintf(stderr, "alternate: command %d is empty\n", c + 1);
            return 2;
        }
        args[c][k] = NULL;
    }
    int devnull = open("/dev/null", O_WRONLY);
    double *times = malloc(sizeof *times * (size_t)runs * (size_t)n);
    if (devnull < 0 || !times) {
        fprintf(stderr, "alternate: cannot set up (/dev/null or memory)\n");
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        for (int i = 0; i < n; i++) {
            int c = r % 2 ? n - 1 - i : i;
            double t = run_once(args[c], devnull);
            if (t < 0) {
                fprintf(stderr, "alternate: '%s' failed\n", args[c][0]);
                return 1;
            }
            times[(size_t)c * (size_t)runs + (size_t)r] = t;
        }
    }
    for (int c = 0; c < n; c++) {
        double *t = times + (size_t)c * (size_t)runs;
        qsort(t, (size_t)runs, sizeof *t, by_value);
        double median = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        printf("%.3f\t", median);
        for (int k = 0; args[c][k]; k++) {
            printf(k ? " %s" : "%s", args[c][k]);
        }
        putchar('\n');
    }
    free(times);
    return 0;
}
