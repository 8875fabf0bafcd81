#pragma once

// What the tests of `millrace dags`, `tasks` and `pools` share: running the built program on a
// workspace, and holding that workspace with a scheduler in the test process, as the app does,
// so that the CLI has to go through scheduler_requests.

#include "core/base/servicethread.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerservice.h"
#include "core/workspace/workspace.h"

#include <QProcess>
#include <QStringList>
#include <QTest>

#include <chrono>
#include <memory>

namespace schedulercli {

/// How one `millrace` command ended: its exit code (-1 when it did not end within 30 s) and
/// what it printed.
struct Outcome
{
    int exitCode;
    QString out;
    QString err;
};

/// Runs `binary --workspace root arguments...` and waits for it.
inline Outcome run(const QString &binary, const QString &root, const QStringList &arguments)
{
    QProcess process;
    process.start(binary, QStringList{QStringLiteral("--workspace"), root} + arguments);
    if (!process.waitForFinished(30000))
        return {-1, {}, QStringLiteral("timed out")};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

/// The workspace at a folder held by this process, with a scheduler running on it (a 50 ms
/// tick, DAG files read once): the app as the CLI sees it.
class HeldWorkspace
{
public:
    /// Opens the workspace at `root` and starts its scheduler with `catalog`'s operators; a
    /// failure is a test failure (check QTest::currentTestFailed()).
    void start(const QString &root, millrace::scheduler::OperatorCatalog &catalog)
    {
        auto workspace = millrace::Workspace::open(root);
        QVERIFY2(workspace, qPrintable(workspace.errorMessage()));
        m_workspace = std::move(workspace).value();
        millrace::scheduler::SchedulerOptions options;
        options.workspaceRoot = m_workspace->root();
        options.dagsDir = m_workspace->dagsDir();
        options.logsDir = m_workspace->logsDir();
        options.tick = std::chrono::milliseconds(50);
        options.watchDagFiles = false;
        m_scheduler = std::make_unique<millrace::ServiceThread>(
            new millrace::scheduler::SchedulerService(m_workspace->store(), catalog, options),
            QStringLiteral("scheduler"));
        m_scheduler->start();
    }

    /// Stops the scheduler and keeps the workspace held: requests then wait with nobody to
    /// apply them.
    void stopScheduler() { m_scheduler.reset(); }
    /// Stops the scheduler and lets the workspace go.
    void stop()
    {
        m_scheduler.reset();
        m_workspace.reset();
    }

private:
    std::unique_ptr<millrace::Workspace> m_workspace;
    std::unique_ptr<millrace::ServiceThread> m_scheduler;
};

} // namespace schedulercli
