#pragma once

#include "core/base/cancellation.h"
#include "core/base/servicethread.h"
#include "core/ml/model.h"
#include "core/ml/trainer.h"
#include "core/training/trainingjob.h"
#include "core/training/trainingrequest.h"

#include <QHash>
#include <QMetaType>

#include <mutex>

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::training {

/// Runs training jobs one after another on its own thread (a dedicated trainer thread; a
/// search's parallel trials use a pool besides). The GUI and the CLI submit requests and hear
/// back through signals, queued to their threads; submit() and cancel() never wait.
class TrainingService : public Service
{
    Q_OBJECT
public:
    /// `tracking` and whatever `architectures` looks into must outlive the service.
    TrainingService(tracking::TrackingStore &tracking, ml::ArchitectureLookup architectures);

    /// Queues `request`; returns the job's id at once. Thread-safe.
    QString submit(const TrainingRequest &request);
    /// Asks a queued or running job to stop (between batches). Thread-safe.
    void cancel(const QString &jobId);
    /// Cancels every job; call before stopping the service's thread. Thread-safe.
    void cancelAll();

    void stop() override;

Q_SIGNALS:
    void jobStarted(const QString &jobId);
    /// A run of the job was created (the run, a search's parent with trial 0, or a trial).
    void runCreated(const QString &jobId, const QString &runId, int trial);
    void progressed(const QString &jobId, const millrace::training::TrainingProgress &progress);
    void epochFinished(const QString &jobId, const QString &runId, int trial,
                       const millrace::ml::EpochMetrics &metrics);
    /// The job ran: finished, failed (NaN loss) or cancelled, as `result` says.
    void jobFinished(const QString &jobId, const millrace::training::TrainingJobResult &result);
    /// The job could not start or run (bad request, unreadable data, a database error).
    void jobFailed(const QString &jobId, const QString &message);

private:
    void run(const QString &jobId, const TrainingRequest &request);

    tracking::TrackingStore &m_tracking;
    ml::ArchitectureLookup m_architectures;
    std::mutex m_mutex;
    QHash<QString, CancellationSource> m_jobs; ///< queued and running, by id
    bool m_stopping = false;
};

} // namespace millrace::training

Q_DECLARE_METATYPE(millrace::training::TrainingProgress)
Q_DECLARE_METATYPE(millrace::training::TrainingJobResult)
Q_DECLARE_METATYPE(millrace::ml::EpochMetrics)
