/*
 * Cyrus logs only to syslog, and test machines have no syslog daemon. Preloaded into the
 * test instance's processes (LD_PRELOAD, set by tests/support/cyrus.rs), this sends their
 * syslog lines to the file named by SEALMAIL_CYRUS_LOG instead, so that each instance keeps
 * its own log in its state dir and nothing is bound at a global /dev/log. Built by
 * scripts/install-test-deps.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static char ident[64] = "cyrus";

static void emit(int priority, const char *format, va_list args)
{
    int saved = errno; /* for %m */
    const char *path = getenv("SEALMAIL_CYRUS_LOG");
    if (path == NULL)
        return;
    FILE *log = fopen(path, "a");
    if (log == NULL)
        return;
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    fprintf(log, "%02d:%02d:%02d.%03ld %s[%d] %d: ", tm.tm_hour, tm.tm_min, tm.tm_sec,
            now.tv_nsec / 1000000, ident, (int)getpid(), LOG_PRI(priority));
    errno = saved;
    vfprintf(log, format, args);
    fputc('\n', log);
    fclose(log);
    errno = saved;
}

void openlog(const char *name, int option, int facility)
{
    (void)option;
    (void)facility;
    if (name != NULL)
        snprintf(ident, sizeof ident, "%s", name);
}

void closelog(void) {}

int setlogmask(int mask)
{
    (void)mask;
    return LOG_UPTO(LOG_DEBUG);
}

void vsyslog(int priority, const char *format, va_list args) { emit(priority, format, args); }

void syslog(int priority, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    emit(priority, format, args);
    va_end(args);
}

void __vsyslog_chk(int priority, int flag, const char *format, va_list args)
{
    (void)flag;
    emit(priority, format, args);
}

void __syslog_chk(int priority, int flag, const char *format, ...)
{
    (void)flag;
    va_list args;
    va_start(args, format);
    emit(priority, format, args);
    va_end(args);
}
