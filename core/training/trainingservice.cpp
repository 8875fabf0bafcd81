#include "core/training/trainingservice.h"

#include "core/training/traininglog.h"

#include <QUuid>

namespace millrace::training {

namespace {

// Forwards a job's reports as the service's signals (emitted from the job's threads, queued to
// each receiver's).
class SignalObserver : public TrainingJobObserver
{
public:
    SignalObserver(TrainingService &service, QString jobId)
        : m_service(service), m_jobId(std::move(jobId))
    {
    }
    void runCreated(const QString &runId, int trial) override
    {
        Q_EMIT m_service.runCreated(m_jobId, runId, trial);
    }
    void progress(const TrainingProgress &progress) override
    {
        Q_EMIT m_service.progressed(m_jobId, progress);
    }
    void epochFinished(const QString &runId, int trial, const ml::EpochMetrics &metrics) override
    {
        Q_EMIT m_service.epochFinished(m_jobId, runId, trial, metrics);
    }

private:
    TrainingService &m_service;
    QString m_jobId;
};

} // namespace

TrainingService::TrainingService(tracking::TrackingStore &tracking,
                                 ml::ArchitectureLookup architectures)
    : m_tracking(tracking), m_architectures(std::move(architectures))
{
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<TrainingJobResult>();
    qRegisterMetaType<ml::EpochMetrics>();
}

QString TrainingService::submit(const TrainingRequest &request)
{
    const QString jobId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    {
        std::lock_guard lock(m_mutex);
        m_jobs.insert(jobId, CancellationSource());
    }
    QMetaObject::invokeMethod(
        this, [this, jobId, request] { run(jobId, request); }, Qt::QueuedConnection);
    return jobId;
}

void TrainingService::cancel(const QString &jobId)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_jobs.find(jobId);
    if (found != m_jobs.end())
        found->cancel();
}

void TrainingService::cancelAll()
{
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (CancellationSource &source : m_jobs)
        source.cancel();
}

void TrainingService::stop()
{
    cancelAll();
}

void TrainingService::run(const QString &jobId, const TrainingRequest &request)
{
    CancellationToken token;
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_jobs.constFind(jobId);
        if (found == m_jobs.cend())
            return;
        token = found->token();
    }
    auto forget = qScopeGuard([&] {
        std::lock_guard lock(m_mutex);
        m_jobs.remove(jobId);
    });
    if (token.isCancelled()) {
        // Cancelled while queued: it never ran, so there is no run to end.
        TrainingJobResult result;
        result.status = TrainingJobResult::Status::Cancelled;
        result.message = QStringLiteral("cancelled before it started");
        Q_EMIT jobFinished(jobId, result);
        return;
    }
    Q_EMIT jobStarted(jobId);
    SignalObserver observer(*this, jobId);
    auto result = runTrainingJob(m_tracking, m_architectures, request, token, &observer);
    if (!result) {
        qCWarning(lcTraining).noquote() << "training job failed:" << result.errorMessage();
        Q_EMIT jobFailed(jobId, result.errorMessage());
        return;
    }
    Q_EMIT jobFinished(jobId, *result);
}

} // namespace millrace::training
