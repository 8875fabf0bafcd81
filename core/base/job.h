#pragma once

#include "core/base/cancellation.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>
#include <mutex>

QT_BEGIN_NAMESPACE
class QThreadPool;
class QTimer;
QT_END_NAMESPACE

namespace millrace {

/// How a job ended, as carried from the pool thread to the owner's thread.
struct JobOutcome
{
    enum class Status { Succeeded, Failed, Cancelled };
    Status status = Status::Succeeded;
    QVariant value;
    QString error;
};

/// The latest progress a job reported: written by the job's thread, read by its owner's.
struct JobProgress
{
    std::mutex mutex;
    double fraction = 0;
    QString text;
    quint64 version = 0; ///< bumped on every report
};

/// What a one-shot job's function is given: a way to see cancellation and report progress.
class JobContext
{
public:
    JobContext(std::shared_ptr<JobProgress> progress, CancellationToken token);

    /// True once the owner asked the job to stop; the function should return soon after.
    bool isCancelled() const { return m_token.isCancelled(); }
    /// The token, for handing to deeper code (a training loop) that polls it.
    CancellationToken token() const { return m_token; }
    /// Reports progress in [0, 1] with a short text. The owner sees the latest report, value and
    /// text together, at most every few tens of milliseconds and always the last one.
    void setProgress(double fraction, const QString &text = QString());

private:
    std::shared_ptr<JobProgress> m_progress;
    CancellationToken m_token;
};

/// A one-shot background job: runs a function on a thread pool and reports progress and its end
/// as signals on the thread that owns the Job. Exceptions thrown by the function stop here and
/// become failed(message); nothing crosses into the event loop. Delete the Job (or its parent) to
/// drop a superseded result: a deleted Job emits nothing.
class Job : public QObject
{
    Q_OBJECT
public:
    using Function = std::function<QVariant(JobContext &)>;

    /// Starts `function` on `pool` (the global pool when null). `name` appears in logs.
    static Job *start(const QString &name, Function function, QObject *parent,
                      QThreadPool *pool = nullptr);
    ~Job() override;

    QString name() const { return m_name; }
    bool isFinished() const { return m_watcher.isFinished(); }
    /// Asks the job to stop; it ends with cancelled() once the function returns.
    void cancel();
    /// Blocks until the function has returned. For tests and shutdown only, never the GUI.
    void waitForFinished() { m_watcher.waitForFinished(); }

Q_SIGNALS:
    void progressChanged(double fraction, const QString &text);
    void succeeded(const QVariant &value);
    void failed(const QString &message);
    void cancelled();
    /// Emitted last, after whichever of succeeded/failed/cancelled applied.
    void finished();

private:
    Job(const QString &name, QObject *parent);
    void onWatcherFinished();
    void deliverProgress();

    QString m_name;
    CancellationSource m_cancellation;
    std::shared_ptr<JobProgress> m_progress;
    quint64 m_deliveredVersion = 0;
    QTimer *m_progressTimer;
    QFutureWatcher<JobOutcome> m_watcher;
};

} // namespace millrace
