#include "core/base/job.h"

#include "core/base/baselog.h"

#include <QThreadPool>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace millrace {

namespace {
// How often the owner looks for new progress: often enough for a progress bar, rarely enough
// that a job reporting in a tight loop costs the GUI nothing.
constexpr int kProgressIntervalMs = 40;
} // namespace

JobContext::JobContext(std::shared_ptr<JobProgress> progress, CancellationToken token)
    : m_progress(std::move(progress)), m_token(std::move(token))
{
}

void JobContext::setProgress(double fraction, const QString &text)
{
    std::lock_guard lock(m_progress->mutex);
    m_progress->fraction = qBound(0.0, fraction, 1.0);
    m_progress->text = text;
    ++m_progress->version;
}

Job::Job(const QString &name, QObject *parent)
    : QObject(parent), m_name(name), m_progress(std::make_shared<JobProgress>()),
      m_progressTimer(new QTimer(this))
{
    m_progressTimer->setInterval(kProgressIntervalMs);
    connect(m_progressTimer, &QTimer::timeout, this, &Job::deliverProgress);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &Job::onWatcherFinished);
}

void Job::deliverProgress()
{
    double fraction;
    QString text;
    {
        std::lock_guard lock(m_progress->mutex);
        if (m_progress->version == m_deliveredVersion)
            return;
        m_deliveredVersion = m_progress->version;
        fraction = m_progress->fraction;
        text = m_progress->text;
    }
    Q_EMIT progressChanged(fraction, text);
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
    auto body = [function = std::move(function), token, name,
                 progress = job->m_progress](QPromise<JobOutcome> &promise) {
        JobContext context(progress, token);
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
    job->m_watcher.setFuture(
        QtConcurrent::run(pool ? pool : QThreadPool::globalInstance(), std::move(body)));
    job->m_progressTimer->start();
    return job;
}

void Job::cancel()
{
    m_cancellation.cancel();
}

void Job::onWatcherFinished()
{
    m_progressTimer->stop();
    deliverProgress(); // the last report always arrives, before the outcome
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
