#include "core/base/job.h"

#include "core/base/baselog.h"

#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace millrace {

namespace {
constexpr int kProgressScale = 1000;
}

JobContext::JobContext(QPromise<JobOutcome> &promise, CancellationToken token)
    : m_promise(promise), m_token(std::move(token))
{
}

void JobContext::setProgress(double fraction, const QString &text)
{
    const int value = qBound(0, int(fraction * kProgressScale + 0.5), kProgressScale);
    m_promise.setProgressValueAndText(value, text);
}

Job::Job(const QString &name, QObject *parent) : QObject(parent), m_name(name)
{
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, this, [this](int value) {
        Q_EMIT progressChanged(double(value) / kProgressScale, m_watcher.progressText());
    });
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &Job::onWatcherFinished);
}

Job::~Job()
{
    // Deleting a Job drops its result; the function still runs to its end on the pool, so ask
    // it to stop early.
    m_cancellation.cancel();
}

Job *Job::start(const QString &name, Function function, QObject *parent, QThreadPool *pool)
{
    auto *job = new Job(name, parent);
    const CancellationToken token = job->m_cancellation.token();
    auto body = [function = std::move(function), token, name](QPromise<JobOutcome> &promise) {
        promise.setProgressRange(0, kProgressScale);
        JobContext context(promise, token);
        JobOutcome outcome;
        try {
            outcome.value = function(context);
        } catch (const std::exception &e) {
            outcome.status = JobOutcome::Status::Failed;
            outcome.error = QString::fromLocal8Bit(e.what());
        } catch (...) {
            outcome.status = JobOutcome::Status::Failed;
            outcome.error = QStringLiteral("unknown exception");
        }
        if (outcome.status == JobOutcome::Status::Succeeded && token.isCancelled())
            outcome.status = JobOutcome::Status::Cancelled;
        if (outcome.status == JobOutcome::Status::Failed)
            qCWarning(lcBase) << "job" << name << "failed:" << outcome.error;
        promise.addResult(std::move(outcome));
    };
    job->m_watcher.setFuture(QtConcurrent::run(pool ? pool : QThreadPool::globalInstance(),
                                               std::move(body)));
    return job;
}

void Job::cancel()
{
    m_cancellation.cancel();
}

void Job::onWatcherFinished()
{
    const QFuture<JobOutcome> future = m_watcher.future();
    if (future.resultCount() == 0) {
        Q_EMIT failed(QStringLiteral("job ended without a result"));
    } else {
        const JobOutcome outcome = future.result();
        switch (outcome.status) {
        case JobOutcome::Status::Succeeded:
            Q_EMIT succeeded(outcome.value);
            break;
        case JobOutcome::Status::Failed:
            Q_EMIT failed(outcome.error);
            break;
        case JobOutcome::Status::Cancelled:
            Q_EMIT cancelled();
            break;
        }
    }
    Q_EMIT finished();
}

} // namespace millrace
