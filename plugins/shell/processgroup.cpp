#include "plugins/shell/processgroup.h"

#include <QByteArray>
#include <QList>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include <dirent.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace millrace::shell {

void prepareChildProcess()
{
    // A session of its own makes the child the leader of a new process group: everything the
    // command starts (a `sleep` inside `sh -c`, a pipeline) stays in that group unless it leaves
    // on purpose, so kill(-pgid) reaches the whole tree, and the app's terminal signals do not.
    ::setsid();
    // The signal mask and ignored signals survive exec. The executor thread may block signals,
    // and the app may ignore some (SIGPIPE, SIGHUP); a command inheriting that would shrug off
    // the SIGTERM meant to stop it, or not die when a pipe it writes to closes.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signalNumber = 1; signalNumber < NSIG; ++signalNumber) {
        struct sigaction action;
        if (::sigaction(signalNumber, nullptr, &action) == 0 && action.sa_handler == SIG_IGN)
            ::signal(signalNumber, SIG_DFL);
    }
}

void signalProcessGroup(qint64 processGroup, int signal)
{
    // A group id of 0 or 1 would signal our own group or everything we may signal.
    if (processGroup > 1)
        ::kill(-pid_t(processGroup), signal);
}

bool processGroupIsRunning(qint64 processGroup)
{
    if (processGroup <= 1)
        return false;
    if (::kill(-pid_t(processGroup), 0) == -1 && errno == ESRCH)
        return false;
#ifdef Q_OS_LINUX
    // kill() also finds zombies. A member whose parent died is collected by init, which may take
    // a while or, in some containers, never happen; it would look like a process that will not
    // stop. /proc tells the living from the dead.
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return true;
    bool running = false;
    while (const dirent *entry = ::readdir(proc)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
        char path[sizeof "/proc//stat" + sizeof entry->d_name];
        std::snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue; // it ended meanwhile
        char buffer[1024];
        const ssize_t size = ::read(fd, buffer, sizeof buffer);
        ::close(fd);
        if (size <= 0)
            continue;
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so the fields
        // are counted from the last ')'.
        const QByteArray stat(buffer, size);
        const qsizetype commEnd = stat.lastIndexOf(')');
        if (commEnd < 0)
            continue;
        const QList<QByteArray> fields = stat.mid(commEnd + 2).split(' ');
        if (fields.size() < 3 || fields.at(2).toLongLong() != processGroup)
            continue;
        if (fields.at(0) != "Z" && fields.at(0) != "X") {
            running = true;
            break;
        }
    }
    ::closedir(proc);
    return running;
#else
    return true;
#endif
}

} // namespace millrace::shell
