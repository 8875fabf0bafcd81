#pragma once

#include "core/base/cancellation.h"
#include "plugins/api/taskoperator.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <atomic>
#include <mutex>

namespace millrace::scheduler {

/// Which try a TaskAttempt is, and what it may read.
struct AttemptInfo
{
    QString dagId;
    QString runId;
    QString taskId;
    int tryNumber = 1;
    QDateTime logicalDate;
    QJsonObject runConfig;
    QJsonObject params; ///< rendered
    QString workspaceRoot;
    QHash<QString, QJsonValue> results; ///< of the run's finished tasks, by task id
};

/// One try of a task as its operator sees it (the TaskContext), and its log file. Created on the
/// scheduler thread, used by the operator on an executor thread; cancel() and progress() may be
/// called from any thread.
class TaskAttempt : public plugins::TaskContext
{
public:
    /// Opens (creating folders) the log at `logPath` for appending.
    TaskAttempt(AttemptInfo info, const QString &logPath);
    ~TaskAttempt() override;

    /// Asks the operator to stop (a timeout, a user's action, shutdown).
    void cancel() { m_cancellation.cancel(); }
    CancellationToken token() const { return m_cancellation.token(); }
    /// The last progress the operator reported, in [0, 1].
    double progress() const { return m_progress.load(); }
    QString logPath() const { return m_log.fileName(); }
    /// False when the log could not be opened (the try still runs; lines go to the app log).
    bool hasLog() const { return m_log.isOpen(); }

    QJsonObject params() const override { return m_info.params; }
    void log(const QString &line) override;
    bool isCancelled() const override { return m_cancellation.isCancelled(); }
    void setProgress(double fraction) override;
    QJsonValue upstreamResult(const QString &taskId) const override;
    QString dagId() const override { return m_info.dagId; }
    QString runId() const override { return m_info.runId; }
    QString taskId() const override { return m_info.taskId; }
    int tryNumber() const override { return m_info.tryNumber; }
    QDateTime logicalDate() const override { return m_info.logicalDate; }
    QJsonObject runConfig() const override { return m_info.runConfig; }
    QString workspaceRoot() const override { return m_info.workspaceRoot; }

private:
    const AttemptInfo m_info;
    CancellationSource m_cancellation;
    std::atomic<double> m_progress{0};
    std::mutex m_logMutex;
    QFile m_log;
};

} // namespace millrace::scheduler
